// DocIndex: the in-memory map from document id to the line that holds the
// document's latest version. Lines are kept in data.jsonl order, which is the
// documented scan order; the hash table stores only 4-byte slot numbers and
// the ids live once in a byte arena, so a document costs about 40 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"

namespace zds {

struct LineRef {
  uint64_t offset = 0;
  uint32_t length = 0;  // bytes of the line including its '\n'
};

class DocIndex {
 public:
  DocIndex();
  DocIndex(const DocIndex&) = delete;
  DocIndex& operator=(const DocIndex&) = delete;

  size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }
  // End of the last line the index knows (0 when empty of lines).
  uint64_t end_offset() const { return end_offset_; }

  // Records that the latest version of `id` is at `ref`. Lines must arrive in
  // increasing offset order (appends, or a load sorted by offset).
  void Put(std::string_view id, LineRef ref);
  // Forgets `id`; returns false when it was not present.
  bool Remove(std::string_view id);
  bool Find(std::string_view id, LineRef* ref) const;
  bool Contains(std::string_view id) const { return set_.find(id) != set_.end(); }
  // Notes that bytes up to `end` are accounted for (tombstones, skipped lines).
  void AdvanceEnd(uint64_t end) {
    if (end > end_offset_) end_offset_ = end;
  }
  void Clear();
  void Reserve(size_t n);
  // Approximate heap bytes held.
  size_t MemoryUsage() const;

  // Calls f(std::string_view id, LineRef ref) for each live document in
  // data.jsonl order.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.length != 0) f(IdAt(s.id_ref), LineRef{s.offset, s.length});
    }
  }

 private:
  struct Slot {
    uint64_t offset;
    uint32_t length;  // 0 marks a dead slot (superseded or deleted)
    uint32_t id_ref;  // position of [u8 len][bytes] in arena_
  };
  static_assert(sizeof(Slot) == 16, "index slots stay 16 bytes");

  struct SlotHash {
    using is_transparent = void;
    const DocIndex* index;
    size_t operator()(uint32_t slot) const { return (*this)(index->IdOfSlot(slot)); }
    // Through absl::string_view: Debian's abseil was built before it aliased
    // std::string_view, and hashing the std type falls back to std::hash.
    size_t operator()(std::string_view id) const {
      return absl::Hash<absl::string_view>{}(absl::string_view(id.data(), id.size()));
    }
  };
  struct SlotEq {
    using is_transparent = void;
    const DocIndex* index;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, std::string_view b) const { return index->IdOfSlot(a) == b; }
    bool operator()(std::string_view a, uint32_t b) const { return a == index->IdOfSlot(b); }
  };

  std::string_view IdAt(uint32_t ref) const {
    return std::string_view(arena_.data() + ref + 1, static_cast<unsigned char>(arena_[ref]));
  }
  std::string_view IdOfSlot(uint32_t slot) const { return IdAt(slots_[slot].id_ref); }
  uint32_t AddId(std::string_view id);
  // Drops dead slots and unused ids once they outnumber the live ones.
  void MaybeCompact();

  std::vector<Slot> slots_;
  std::string arena_;
  absl::flat_hash_set<uint32_t, SlotHash, SlotEq> set_;
  size_t live_ = 0;
  uint64_t end_offset_ = 0;
};

}  // namespace zds
