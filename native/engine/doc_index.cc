#include "engine/doc_index.h"

#include <cassert>

namespace zds {

DocIndex::DocIndex() : set_(0, SlotHash{this}, SlotEq{this}) {}

uint32_t DocIndex::AddId(std::string_view id) {
  assert(id.size() <= 255);
  const uint32_t ref = static_cast<uint32_t>(arena_.size());
  arena_.push_back(static_cast<char>(id.size()));
  arena_.append(id.data(), id.size());
  return ref;
}

void DocIndex::Put(std::string_view id, LineRef ref) {
  auto it = set_.find(id);
  uint32_t id_ref;
  if (it != set_.end()) {
    const uint32_t old = *it;
    id_ref = slots_[old].id_ref;
    slots_[old].length = 0;
    set_.erase(it);
    --live_;
  } else {
    id_ref = AddId(id);
  }
  slots_.push_back(Slot{ref.offset, ref.length, id_ref});
  set_.insert(static_cast<uint32_t>(slots_.size() - 1));
  ++live_;
  AdvanceEnd(ref.offset + ref.length);
  MaybeCompact();
}

bool DocIndex::Remove(std::string_view id) {
  auto it = set_.find(id);
  if (it == set_.end()) return false;
  slots_[*it].length = 0;
  set_.erase(it);
  --live_;
  MaybeCompact();
  return true;
}

bool DocIndex::Find(std::string_view id, LineRef* ref) const {
  auto it = set_.find(id);
  if (it == set_.end()) return false;
  const Slot& s = slots_[*it];
  *ref = LineRef{s.offset, s.length};
  return true;
}

void DocIndex::Clear() {
  slots_.clear();
  arena_.clear();
  set_.clear();
  live_ = 0;
  end_offset_ = 0;
}

void DocIndex::Reserve(size_t n) {
  slots_.reserve(n);
  arena_.reserve(n * 17);
  set_.reserve(n);
}

size_t DocIndex::MemoryUsage() const {
  return slots_.capacity() * sizeof(Slot) + arena_.capacity() + set_.capacity() * (sizeof(uint32_t) + 1);
}

void DocIndex::MaybeCompact() {
  const size_t dead = slots_.size() - live_;
  if (dead < 4096 || dead < live_) return;
  std::vector<Slot> slots;
  std::string arena;
  slots.reserve(live_ + live_ / 4);
  arena.reserve(arena_.size());
  for (const Slot& s : slots_) {
    if (s.length == 0) continue;
    const std::string_view id = IdAt(s.id_ref);
    const uint32_t ref = static_cast<uint32_t>(arena.size());
    arena.push_back(static_cast<char>(id.size()));
    arena.append(id.data(), id.size());
    slots.push_back(Slot{s.offset, s.length, ref});
  }
  slots_.swap(slots);
  arena_.swap(arena);
  set_.clear();
  set_.reserve(slots_.size());
  for (uint32_t i = 0; i < slots_.size(); ++i) set_.insert(i);
}

}  // namespace zds
