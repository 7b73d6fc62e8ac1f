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
  const uint32_t slot = static_cast<uint32_t>(slots_.size());
  bool inserted = false;
  // One probe for both cases: insert the new slot, or find the old one.
  auto it = set_.lazy_emplace(id, [&](const auto& construct) {
    inserted = true;
    construct(slot);
  });
  uint32_t id_ref;
  if (inserted) {
    id_ref = AddId(id);
    ++live_;
  } else {
    const uint32_t old = *it;
    id_ref = slots_[old].id_ref;
    slots_[old].length = 0;
    // Same id, so the same hash: the element may change in place. The set
    // stores plain uint32_t objects; only its iterator adds the const.
    const_cast<uint32_t&>(*it) = slot;
  }
  slots_.push_back(Slot{ref.offset, ref.length, id_ref});
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
