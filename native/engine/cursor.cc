#include "engine/cursor.h"

#include "engine/jsonl_scan.h"

namespace zds {

Cursor::Cursor(std::shared_ptr<DataFile> file, std::vector<LineRef> refs)
    : file_(std::move(file)), refs_(std::move(refs)) {}

Cursor::Cursor(std::shared_ptr<Collection> coll, std::vector<std::string> ids)
    : coll_(std::move(coll)), ids_(std::move(ids)) {}

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

Status Cursor::Next(size_t max_docs, size_t max_bytes, BatchForm form, Batch* out) {
  out->bytes.clear();
  out->ends.clear();
  out->count = 0;
  if (max_docs == 0) max_docs = 1;
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
  if (form == BatchForm::kJsonArray) {
    if (out->count == 0) {
      out->bytes = "[]";
    } else {
      out->bytes.back() = ']';
    }
  }
  return Status::Ok();
}

}  // namespace zds
