// Cursor: a consistent snapshot of a collection's live lines, read in
// batches. It owns the data file it started on, so neither later writes nor a
// compaction change what it returns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/collection.h"
#include "engine/doc_index.h"
#include "engine/status.h"

namespace zds {

struct Batch {
  // Lines (without '\n') concatenated; line i ends at ends[i]. In kJsonArray
  // form the bytes are one JSON array "[l1,l2,...]" (element i is followed by
  // the separator at ends[i] - 1).
  std::string bytes;
  std::vector<size_t> ends;
  size_t count = 0;
};

enum class BatchForm { kLines, kJsonl, kJsonArray };

class Cursor {
 public:
  // Snapshot of lines in a data.jsonl.
  Cursor(std::shared_ptr<DataFile> file, std::vector<LineRef> refs);
  // Snapshot of a file-per-document collection (docs mode).
  Cursor(std::shared_ptr<Collection> coll, std::vector<std::string> ids);

  // Reads the next documents: at most max_docs, and stops after max_bytes
  // (at least one document when any remain).
  Status Next(size_t max_docs, size_t max_bytes, BatchForm form, Batch* out);
  bool done() const { return pos_ >= total(); }
  size_t total() const { return coll_ ? ids_.size() : refs_.size(); }
  size_t position() const { return pos_; }

 private:
  std::shared_ptr<DataFile> file_;
  std::vector<LineRef> refs_;
  std::shared_ptr<Collection> coll_;
  std::vector<std::string> ids_;
  size_t pos_ = 0;
  std::string scratch_;
};

}  // namespace zds
