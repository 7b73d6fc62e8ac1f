// Cursor: a consistent snapshot of a collection's live lines, read in
// batches. It owns the data file it started on, so neither later writes nor a
// compaction change what it returns.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/collection.h"
#include "engine/doc_index.h"
#include "engine/query_plan.h"
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
  // Snapshot of lines in a data.jsonl; with a plan, only the lines it
  // selects, projected and in its order.
  Cursor(std::shared_ptr<DataFile> file, std::vector<LineRef> refs,
         std::shared_ptr<const QueryPlan> plan = nullptr);
  // Snapshot of a file-per-document collection (docs mode).
  Cursor(std::shared_ptr<Collection> coll, std::vector<std::string> ids,
         std::shared_ptr<const QueryPlan> plan = nullptr);

  // Reads the next documents: at most max_docs, and stops after max_bytes
  // (at least one document when any remain). A query scan also stops after
  // reading kScanBudget bytes, so a batch may be empty before done().
  Status Next(size_t max_docs, size_t max_bytes, BatchForm form, Batch* out);
  // Query scans: how many documents the filter selects (skip/limit ignored).
  Status Count(uint64_t* n);
  // Query scans with a distinct path: JSON array text of the distinct values
  // of the selected documents, in first-seen order.
  Status Distinct(std::string* json);
  // Random access for map-style views: selects every document the plan
  // picks, in its order, and returns how many (a plain cursor: all of them).
  Status Select(size_t* length);
  // Documents [start, start + count) of the selection (Select() first).
  Status ReadAt(size_t start, size_t count, BatchForm form, Batch* out);
  // Makes a running Next/Count/Distinct on another thread stop early.
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }

  ~Cursor();
  bool done() const;
  // Cursors alive in the process: lets tests prove scans are released.
  static size_t LiveCount() { return live_count_.load(std::memory_order_relaxed); }
  size_t total() const { return coll_ ? ids_.size() : refs_.size(); }
  size_t position() const { return pos_; }

  // Bytes of input a query batch reads at most before it returns.
  static constexpr uint64_t kScanBudget = 8u << 20;

 private:
  // Calls fn(json, len, capacity, index) for each line from pos_ on until fn
  // returns false, the lines end, or `budget` bytes were read.
  template <typename Fn>
  Status ForEachLine(uint64_t budget, Fn&& fn);
  // Reads line `index` of the snapshot into line_ (padded for simdjson).
  Status ReadOne(size_t index, std::string_view* json);
  // Calls fn(json, len, capacity, index) for each line from pos_ on that the
  // filter selects, until fn returns false, the lines end, or `budget` bytes
  // were read.
  template <typename Fn>
  Status ForEachMatch(uint64_t budget, Fn&& fn);
  void EnsureMapped();
  Status MappedLine(size_t index, std::string_view* json) const;
  Status NextPlain(size_t max_docs, size_t max_bytes, BatchForm form, Batch* out);
  Status NextQuery(size_t max_docs, size_t max_bytes, BatchForm form, Batch* out);
  // Fills order_ with the selected snapshot indexes (sorted, skip/limit applied).
  Status SelectAll();
  Status Cancelled() const;

  std::shared_ptr<DataFile> file_;
  std::vector<LineRef> refs_;
  std::shared_ptr<Collection> coll_;
  std::vector<std::string> ids_;
  size_t pos_ = 0;
  std::string scratch_;
  std::string line_;

  std::shared_ptr<const QueryPlan> plan_;
  std::unique_ptr<LineMatcher> matcher_;
  uint64_t skip_ = 0, limit_ = UINT64_MAX;  // what NextQuery still applies
  uint64_t skipped_ = 0, emitted_ = 0;
  bool finished_ = false;  // the limit was reached
  bool sorted_ = false;    // SelectAll ran: order_ holds the result
  std::vector<size_t> order_;
  size_t order_pos_ = 0;
  std::string projected_;
  // Query scans read lines straight from a mapping of data.jsonl (taken at
  // their first line); lines within SIMDJSON_PADDING of its end are copied.
  std::unique_ptr<Mapping> map_;
  bool map_tried_ = false;
  std::atomic<bool> cancelled_{false};
  static std::atomic<size_t> live_count_;
};

}  // namespace zds
