// Reading and writing index.bin: ZDSI v1 (FORMAT.md "index.bin: ZDSI v1"),
// the zds trailer after it, and the legacy text index of older tools.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/doc_index.h"
#include "engine/status.h"

namespace zds {

struct IndexFileEntry {
  std::string_view id;  // points into the decoded buffer
  LineRef ref;
};

struct DecodedIndex {
  enum class Kind { kBinary, kText };
  Kind kind = Kind::kBinary;
  std::vector<IndexFileEntry> entries;
  // Present only in files zds wrote: how many bytes of data.jsonl the entries
  // account for, and a hash of the bytes just before that point.
  bool has_trailer = false;
  uint64_t data_length = 0;
  uint64_t tail_hash = 0;
};

// Receives each binary entry as it is decoded instead of out->entries; the
// id points into the decoded bytes. Returning false stops the decoding.
using IndexEntrySink = std::function<bool(std::string_view id, LineRef ref)>;

// Decodes bytes of an index.bin. kCorrupt (with the reason) when the bytes
// are neither a well-formed ZDSI v1 file nor a legacy text index. With a
// sink, the entries of a file with a verified zds trailer go to it; the
// entries of other tools' files still go to out->entries.
// The checksum of a zds trailer is verified before any entry is decoded, and
// ids it vouches for are not validated again.
Status DecodeIndex(std::string_view bytes, DecodedIndex* out, const IndexEntrySink& sink = nullptr);

// Encodes the live documents of `index` as ZDSI v1 plus the zds trailer.
std::string EncodeIndex(const DocIndex& index, uint64_t data_length, uint64_t tail_hash);

// Standard FNV-1a 64 of the bytes that end at data_length (at most kTailHashWindow).
uint64_t TailHash(std::string_view window);

}  // namespace zds
