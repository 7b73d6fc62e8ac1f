#include "engine/cursor.h"

#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <queue>

#include "engine/jsonl_scan.h"

namespace zds {

std::atomic<size_t> Cursor::live_count_{0};

Cursor::~Cursor() { live_count_.fetch_sub(1, std::memory_order_relaxed); }

Cursor::Cursor(std::shared_ptr<DataFile> file, std::vector<LineRef> refs,
               std::shared_ptr<const QueryPlan> plan)
    : file_(std::move(file)), refs_(std::move(refs)), plan_(std::move(plan)) {
  live_count_.fetch_add(1, std::memory_order_relaxed);
  if (plan_ && plan_->selects_all_in_order()) {
    // Nothing to parse for: skip and limit just trim the snapshot.
    const size_t skip = static_cast<size_t>(std::min<uint64_t>(plan_->skip(), refs_.size()));
    pos_ = skip;
    if (plan_->limit() < refs_.size() - skip) refs_.resize(skip + static_cast<size_t>(plan_->limit()));
    skip_ = 0;
    limit_ = UINT64_MAX;
    if (plan_->projection() == nullptr && plan_->distinct() == nullptr) plan_.reset();
  } else if (plan_) {
    skip_ = plan_->skip();
    limit_ = plan_->limit();
  }
  if (plan_) matcher_ = std::make_unique<LineMatcher>(plan_);
}

Cursor::Cursor(std::shared_ptr<Collection> coll, std::vector<std::string> ids,
               std::shared_ptr<const QueryPlan> plan)
    : coll_(std::move(coll)), ids_(std::move(ids)), plan_(std::move(plan)) {
  live_count_.fetch_add(1, std::memory_order_relaxed);
  if (plan_) {
    skip_ = plan_->skip();
    limit_ = plan_->limit();
    matcher_ = std::make_unique<LineMatcher>(plan_);
  }
}

namespace {

void AppendLine(BatchForm form, std::string_view line, Batch* out) {
  line = WithoutLineEnd(line);
  if (form == BatchForm::kJsonArray && out->count == 0) out->bytes.push_back('[');
  out->bytes.append(line.data(), line.size());
  // Array elements are followed by ',' (the last one becomes ']').
  if (form == BatchForm::kJsonl) out->bytes.push_back('\n');
  if (form == BatchForm::kJsonArray) out->bytes.push_back(',');
  out->ends.push_back(out->bytes.size());
  ++out->count;
}

// Ends a kJsonArray batch: the separator after the last element becomes ']'.
void CloseArray(BatchForm form, Batch* out) {
  if (form != BatchForm::kJsonArray) return;
  if (out->count == 0) {
    out->bytes = "[]";
  } else {
    out->bytes.back() = ']';
  }
}

// The JSON array form of a run of adjacent lines is the run itself with each
// line's '\n' turned into ',' (and a "\r" before it into a space), so the
// run is read straight into the batch and never copied. False when the file
// ended early; the caller then takes the general path, which reports it.
bool ReadRunAsArrayElements(const DataFile& file, const std::vector<LineRef>& refs, size_t from, size_t to,
                            uint64_t span, Batch* out, Status* status) {
  if (out->count == 0) out->bytes.push_back('[');
  const size_t base = out->bytes.size();
  out->bytes.resize(base + span);
  size_t got = 0;
  *status = file.fs->PRead(file.fd, out->bytes.data() + base, span, refs[from].offset, &got);
  size_t at = base;
  bool framed = status->ok() && got == span;
  for (size_t i = from; framed && i < to; ++i) {
    at += refs[i].length;
    framed = refs[i].length >= 2 && out->bytes[at - 1] == '\n';
  }
  if (!framed) {
    out->bytes.resize(out->count == 0 ? base - 1 : base);
    return false;
  }
  at = base;
  for (size_t i = from; i < to; ++i) {
    at += refs[i].length;
    out->bytes[at - 1] = ',';
    if (out->bytes[at - 2] == '\r') out->bytes[at - 2] = ' ';
    out->ends.push_back(at);
    ++out->count;
  }
  return true;
}

}  // namespace

Status Cursor::NextPlain(size_t max_docs, size_t max_bytes, BatchForm form, Batch* out) {
  if (coll_) {
    std::string line;
    while (pos_ < ids_.size() && out->count < max_docs && out->bytes.size() < max_bytes) {
      Status st = coll_->Get(ids_[pos_], &line);
      ++pos_;
      if (st.code() == Code::kNotFound) continue;  // deleted since the snapshot
      ZDS_RETURN_IF_ERROR(st);
      AppendLine(form, line, out);
    }
  } else {
    while (pos_ < refs_.size() && out->count < max_docs && out->bytes.size() < max_bytes) {
      // Read a run of adjacent lines with one pread.
      size_t run_end = pos_ + 1;
      uint64_t span = refs_[pos_].length;
      while (run_end < refs_.size() && run_end - pos_ < max_docs - out->count &&
             refs_[run_end].offset == refs_[run_end - 1].offset + refs_[run_end - 1].length &&
             out->bytes.size() + span < max_bytes) {
        span += refs_[run_end].length;
        ++run_end;
      }
      if (form == BatchForm::kJsonArray) {
        Status st;
        if (ReadRunAsArrayElements(*file_, refs_, pos_, run_end, span, out, &st)) {
          pos_ = run_end;
          continue;
        }
        ZDS_RETURN_IF_ERROR(st);
      }
      ZDS_RETURN_IF_ERROR(file_->fs->ReadRange(file_->fd, refs_[pos_].offset, span, &scratch_));
      size_t at = 0;
      for (size_t i = pos_; i < run_end; ++i) {
        const size_t len = refs_[i].length;
        if (at + len > scratch_.size() + 1) {
          return Status(Code::kCorrupt, "data.jsonl is shorter than its index says (offset " +
                                            std::to_string(refs_[i].offset) + ")");
        }
        AppendLine(form, std::string_view(scratch_).substr(at, len), out);
        at += len;
      }
      pos_ = run_end;
    }
  }
  return Status::Ok();
}

Status Cursor::Next(size_t max_docs, size_t max_bytes, BatchForm form, Batch* out) {
  out->bytes.clear();
  out->ends.clear();
  out->count = 0;
  if (max_docs == 0) max_docs = 1;
  ZDS_RETURN_IF_ERROR(plan_ ? NextQuery(max_docs, max_bytes, form, out)
                            : NextPlain(max_docs, max_bytes, form, out));
  CloseArray(form, out);
  return Status::Ok();
}

bool Cursor::done() const {
  if (!plan_) return pos_ >= total();
  if (finished_) return true;
  if (!plan_->sort().empty()) return sorted_ && order_pos_ >= order_.size();
  return pos_ >= total();
}

Status Cursor::Cancelled() const { return Status(Code::kClosed, "The scan was stopped"); }

Status Cursor::ReadOne(size_t index, std::string_view* json) {
  if (coll_) {
    Status st = coll_->Get(ids_[index], &line_);
    if (st.code() == Code::kNotFound) {
      *json = std::string_view();
      return Status::Ok();  // deleted since the snapshot
    }
    ZDS_RETURN_IF_ERROR(st);
  } else {
    ZDS_RETURN_IF_ERROR(file_->fs->ReadRange(file_->fd, refs_[index].offset, refs_[index].length, &line_));
    if (line_.size() != refs_[index].length)
      return Status(Code::kCorrupt, "data.jsonl is shorter than its index says (offset " +
                                        std::to_string(refs_[index].offset) + ")");
  }
  const size_t len = WithoutLineEnd(line_).size();
  line_.resize(line_.size() + simdjson::SIMDJSON_PADDING);
  *json = std::string_view(line_.data(), len);
  return Status::Ok();
}

template <typename Fn>
Status Cursor::ForEachLine(uint64_t budget, Fn&& fn) {
  uint64_t read = 0;
  while (pos_ < total() && read < budget) {
    if (cancelled_.load(std::memory_order_relaxed)) return Cancelled();
    if (coll_) {
      std::string_view json;
      ZDS_RETURN_IF_ERROR(ReadOne(pos_, &json));
      const size_t index = pos_++;
      read += json.size() + 1;
      if (json.empty()) continue;
      if (!fn(json.data(), json.size(), line_.size(), index)) return Status::Ok();
      continue;
    }
    // A run of adjacent lines, read with one pread, padded for simdjson.
    size_t run_end = pos_ + 1;
    uint64_t span = refs_[pos_].length;
    while (run_end < refs_.size() &&
           refs_[run_end].offset == refs_[run_end - 1].offset + refs_[run_end - 1].length &&
           span < (1u << 20)) {
      span += refs_[run_end].length;
      ++run_end;
    }
    scratch_.reserve(span + simdjson::SIMDJSON_PADDING);
    ZDS_RETURN_IF_ERROR(file_->fs->ReadRange(file_->fd, refs_[pos_].offset, span, &scratch_));
    if (scratch_.size() != span)
      return Status(Code::kCorrupt, "data.jsonl is shorter than its index says (offset " +
                                        std::to_string(refs_[pos_].offset) + ")");
    scratch_.resize(span + simdjson::SIMDJSON_PADDING);
    size_t at = 0;
    while (pos_ < run_end) {
      const size_t len = refs_[pos_].length;
      const std::string_view json = WithoutLineEnd(std::string_view(scratch_.data() + at, len));
      const size_t index = pos_++;
      if (!fn(json.data(), json.size(), scratch_.size() - at, index)) return Status::Ok();
      at += len;
    }
    read += span;
  }
  return Status::Ok();
}

void Cursor::EnsureMapped() {
  if (map_tried_ || coll_) return;
  map_tried_ = true;
  uint64_t size = 0;
  const char* addr = nullptr;
  if (file_->fs->Size(file_->fd, &size).ok() && size > 0 &&
      file_->fs->MapReadOnly(file_->fd, static_cast<size_t>(size), &addr).ok()) {
    map_ = std::make_unique<Mapping>(file_->fs, addr, static_cast<size_t>(size));
  }
}

Status Cursor::MappedLine(size_t index, std::string_view* json) const {
  const LineRef ref = refs_[index];
  *json = WithoutLineEnd(std::string_view(map_->data() + ref.offset, ref.length));
  if (json->empty() || json->back() != '}')
    return Status(Code::kCorrupt, "data.jsonl does not hold the line its index names at offset " +
                                      std::to_string(ref.offset));
  return Status::Ok();
}

template <typename Fn>
Status Cursor::ForEachMatch(uint64_t budget, Fn&& fn) {
  EnsureMapped();
  if (!map_) {
    Status status;
    ZDS_RETURN_IF_ERROR(ForEachLine(budget, [&](const char* json, size_t len, size_t capacity, size_t index) {
      bool match = false;
      status = matcher_->Match(json, len, capacity, &match, nullptr);
      if (!status.ok()) return false;
      return !match || fn(json, len, capacity, index);
    }));
    return status;
  }
  // Lines are parsed where they lie in the mapping, the bytes after each
  // serving as simdjson's padding; only the last few, too close to the end
  // of the mapping for that, are copied.
  const size_t end = map_->size();
  uint64_t read = 0;
  while (pos_ < total() && read < budget) {
    const size_t index = pos_++;
    const LineRef ref = refs_[index];
    read += ref.length;
    if ((index & 1023) == 0 && cancelled_.load(std::memory_order_relaxed)) return Cancelled();
    std::string_view json;
    size_t capacity;
    if (ref.offset + ref.length + simdjson::SIMDJSON_PADDING <= end) {
      ZDS_RETURN_IF_ERROR(MappedLine(index, &json));
      capacity = end - ref.offset;
    } else {
      ZDS_RETURN_IF_ERROR(ReadOne(index, &json));
      capacity = line_.size();
    }
    bool match = false;
    ZDS_RETURN_IF_ERROR(matcher_->Match(json.data(), json.size(), capacity, &match, nullptr));
    if (match && !fn(json.data(), json.size(), capacity, index)) return Status::Ok();
  }
  return Status::Ok();
}

Status Cursor::NextQuery(size_t max_docs, size_t max_bytes, BatchForm form, Batch* out) {
  if (limit_ == 0) finished_ = true;
  if (finished_) return Status::Ok();
  if (!plan_->sort().empty()) {
    if (!sorted_) ZDS_RETURN_IF_ERROR(SelectAll());
    while (order_pos_ < order_.size() && out->count < max_docs && out->bytes.size() < max_bytes) {
      if (cancelled_.load(std::memory_order_relaxed)) return Cancelled();
      std::string_view json;
      ZDS_RETURN_IF_ERROR(ReadOne(order_[order_pos_++], &json));
      if (json.empty()) continue;
      projected_.clear();
      ZDS_RETURN_IF_ERROR(matcher_->Project(json.data(), json.size(), line_.size(), &projected_));
      AppendLine(form, projected_, out);
    }
    return Status::Ok();
  }
  Status status;
  ZDS_RETURN_IF_ERROR(ForEachMatch(kScanBudget, [&](const char* json, size_t len, size_t capacity, size_t) {
    if (skipped_ < skip_) {
      ++skipped_;
      return true;
    }
    projected_.clear();
    status = matcher_->Project(json, len, capacity, &projected_);
    if (!status.ok()) return false;
    AppendLine(form, projected_, out);
    if (++emitted_ >= limit_) {
      finished_ = true;
      return false;
    }
    return out->count < max_docs && out->bytes.size() < max_bytes;
  }));
  return status;
}

Status Cursor::SelectAll() {
  struct Entry {
    SortValues keys;
    size_t index;
  };
  const QueryPlan& plan = *plan_;
  // Ties keep scan order: the snapshot index breaks them.
  auto before = [&plan](const Entry& a, const Entry& b) {
    const int c = CompareSortValues(plan, a.keys, b.keys);
    return c != 0 ? c < 0 : a.index < b.index;
  };
  const uint64_t keep = plan.limit() == UINT64_MAX ? UINT64_MAX : plan.skip() + plan.limit();
  // With a limit only the best `keep` entries are held: a max-heap whose
  // top is the worst kept entry.
  std::priority_queue<Entry, std::vector<Entry>, decltype(before)> heap(before);
  std::vector<Entry> all;
  Status status;
  SortValues keys;
  ZDS_RETURN_IF_ERROR(
      ForEachMatch(UINT64_MAX, [&](const char* json, size_t len, size_t capacity, size_t index) {
        if (keep == 0) return false;
        bool match = false;
        // Matched already; this reads the sort keys of the line.
        status = matcher_->Match(json, len, capacity, &match, &keys);
        if (!status.ok()) return false;
        Entry e{std::move(keys), index};
        keys = SortValues();
        if (plan.sort().empty()) {
          // Scan order is the result order: stop once `keep` are in hand.
          all.push_back(std::move(e));
          return all.size() < keep;
        }
        if (keep == UINT64_MAX) {
          all.push_back(std::move(e));
        } else if (heap.size() < keep) {
          heap.push(std::move(e));
        } else if (before(e, heap.top())) {
          heap.pop();
          heap.push(std::move(e));
        }
        return true;
      }));
  ZDS_RETURN_IF_ERROR(status);
  if (!heap.empty()) {
    all.reserve(heap.size());
    while (!heap.empty()) {
      all.push_back(std::move(const_cast<Entry&>(heap.top())));
      heap.pop();
    }
  }
  std::sort(all.begin(), all.end(), before);
  const size_t skip = static_cast<size_t>(std::min<uint64_t>(plan.skip(), all.size()));
  const size_t end = static_cast<size_t>(
      std::min<uint64_t>(all.size(), skip + std::min<uint64_t>(plan.limit(), all.size())));
  order_.clear();
  for (size_t i = skip; i < end; ++i) order_.push_back(all[i].index);
  sorted_ = true;
  return Status::Ok();
}

Status Cursor::Select(size_t* length) {
  if (!plan_) {
    *length = total() - pos_;
    return Status::Ok();
  }
  if (!sorted_) {
    pos_ = 0;
    ZDS_RETURN_IF_ERROR(SelectAll());
  }
  *length = order_.size();
  return Status::Ok();
}

Status Cursor::ReadAt(size_t start, size_t count, BatchForm form, Batch* out) {
  out->bytes.clear();
  out->ends.clear();
  out->count = 0;
  const size_t length = plan_ ? order_.size() : total() - pos_;
  if (start > length || count > length - start)
    return Status(Code::kInvalidArg, "The range " + std::to_string(start) + "+" + std::to_string(count) +
                                         " is outside the selection of " + std::to_string(length));
  for (size_t i = start; i < start + count; ++i) {
    std::string_view json;
    ZDS_RETURN_IF_ERROR(ReadOne(plan_ ? order_[i] : pos_ + i, &json));
    if (json.empty()) {
      // Deleted since the snapshot (docs mode only): a null keeps positions.
      if (form == BatchForm::kJsonArray) AppendLine(form, "null", out);
      continue;
    }
    if (matcher_) {
      projected_.clear();
      ZDS_RETURN_IF_ERROR(matcher_->Project(json.data(), json.size(), line_.size(), &projected_));
      AppendLine(form, projected_, out);
    } else {
      AppendLine(form, json, out);
    }
  }
  CloseArray(form, out);
  return Status::Ok();
}

Status Cursor::Count(uint64_t* n) {
  *n = 0;
  if (!plan_) {
    *n = total() - pos_;
    pos_ = total();
    return Status::Ok();
  }
  return ForEachMatch(UINT64_MAX, [&](const char*, size_t, size_t, size_t) {
    ++*n;
    return true;
  });
}

Status Cursor::Distinct(std::string* json) {
  json->assign("[");
  if (!plan_ || plan_->distinct() == nullptr)
    return Status(Code::kInvalidQuery, "The query has no distinct path");
  absl::flat_hash_set<std::string> seen;
  std::vector<const JsonValue*> values;
  std::string key;
  Status status;
  ZDS_RETURN_IF_ERROR(ForEachMatch(UINT64_MAX, [&](const char* text, size_t len, size_t capacity, size_t) {
    bool match = false;
    // Matched already; this reads the distinct path's values of the line.
    status = matcher_->Match(text, len, capacity, &match, nullptr);
    if (!status.ok()) return false;
    matcher_->DistinctValues(&values);
    for (const JsonValue* v : values) {
      key.clear();
      AppendCanonical(*v, &key);
      if (!seen.insert(key).second) continue;
      if (json->size() > 1) json->push_back(',');
      AppendJson(*v, json);
    }
    return true;
  }));
  ZDS_RETURN_IF_ERROR(status);
  json->push_back(']');
  return Status::Ok();
}

}  // namespace zds
