#include "engine/collection.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <deque>

#include "engine/cursor.h"
#include "engine/format.h"
#include "engine/index_codec.h"
#include "engine/names.h"
#include "engine/root.h"

namespace zds {

namespace {

// Pending lines are handed to the OS once they reach this size, whatever the
// batch size, so memory stays bounded.
constexpr size_t kMaxPendingBytes = 4u << 20;
// Rebuild and replay read data.jsonl in chunks of this size.
constexpr size_t kScanChunk = 32u << 20;
constexpr size_t kMaxReportedLines = 10;
// Gets map data.jsonl; the mapping is extended once the file has grown this
// much past it (smaller growth is read with pread).
constexpr uint64_t kRemapSlack = 1u << 20;

std::string NowIso8601() {
  char buf[64];
  std::time_t now = std::time(nullptr);
  std::tm tm_utc;
  gmtime_r(&now, &tm_utc);
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  return buf;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\u%04x", c);
      out += esc;
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

std::string Tombstone(std::string_view id) {
  std::string line = "{\"_id\":\"";
  line.append(id.data(), id.size());
  line += "\",\"";
  line += format::kReservedKey;
  line += "\":\"";
  line += format::kTombstoneValue;
  line += "\"}";
  return line;
}

std::string DescribeBadLines(const std::vector<BadLine>& bad) {
  std::string out;
  for (size_t i = 0; i < bad.size() && i < kMaxReportedLines; ++i) {
    if (i) out += "; ";
    out += "line " + std::to_string(bad[i].line_no) + " (" + bad[i].reason + ")";
  }
  if (bad.size() > kMaxReportedLines)
    out += "; and " + std::to_string(bad.size() - kMaxReportedLines) + " more";
  return out;
}

}  // namespace

struct Collection::State {
  std::unique_ptr<DocIndex> index = std::make_unique<DocIndex>();
  std::shared_ptr<DataFile> file;
  std::shared_ptr<const Mapping> map;  // data.jsonl mapped for gets; grows lazily
  uint64_t file_size = 0;              // bytes of data.jsonl written (not all synced)
  uint64_t synced_size = 0;            // bytes known durable
  std::string pending;                 // lines accepted but not yet written
  size_t pending_docs = 0;
  bool index_dirty = false;
  uint64_t manifest_count = UINT64_MAX;
  bool docs_mode = false;
  std::vector<std::string> doc_ids;  // docs mode, sorted
  RecoveryReport report;
};

Collection::Collection(FileSystem* fs, std::shared_ptr<Root> root, std::string name, std::string dir,
                       const CollectionOptions& options)
    : fs_(fs),
      root_(std::move(root)),
      name_(std::move(name)),
      dir_(std::move(dir)),
      meta_dir_(JoinPath(dir_, format::kMetaDir)),
      data_path_(JoinPath(meta_dir_, format::kDataFile)),
      index_path_(JoinPath(meta_dir_, format::kIndexFile)),
      read_only_(options.read_only),
      skip_corrupt_(options.skip_corrupt),
      batch_size_(options.batch_size ? options.batch_size : 1) {}

Collection::~Collection() {
  // Last handle gone without close(): make what was accepted durable, best effort.
  if (!read_only_ && st_ && !st_->docs_mode && poisoned_.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    Status ignored = FlushLocked();
    (void)ignored;
  }
}

void Collection::SetBatchSize(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  batch_size_ = std::max<size_t>(1, std::min(batch_size_, n));
}

Status Collection::Open(FileSystem* fs, std::shared_ptr<Root> root, const std::string& name,
                        const CollectionOptions& options, std::shared_ptr<Collection>* out) {
  ZDS_RETURN_IF_ERROR(ValidateCollectionName(name));
  const std::string dir = root->CollectionDir(name);
  std::shared_ptr<Collection> coll(new Collection(fs, root, name, dir, options));
  auto st = std::make_unique<State>();
  ZDS_RETURN_IF_ERROR(coll->Load(st.get()));
  coll->st_ = std::move(st);
  if (!options.read_only && !coll->st_->docs_mode) {
    FileInfo manifest;
    ZDS_RETURN_IF_ERROR(fs->Stat(JoinPath(coll->meta_dir_, format::kManifestFile), &manifest));
    if (!manifest.exists) ZDS_RETURN_IF_ERROR(coll->Checkpoint());
  }
  *out = std::move(coll);
  return Status::Ok();
}

// ---- Loading and recovery (FORMAT.md "Opening and recovery") ----

// index.bin's bytes, mapped rather than copied: open reads them once.
class Collection::IndexBytes {
 public:
  std::string_view view() const { return map_ ? std::string_view(map_->data(), map_->size()) : copy_; }

 private:
  friend class Collection;
  std::unique_ptr<Mapping> map_;
  std::string copy_;
};

Status Collection::ReadIndexFile(IndexBytes* out) {
  int fd = -1;
  ZDS_RETURN_IF_ERROR(fs_->Open(index_path_, OpenMode::kRead, &fd));
  ScopedFd owner(fs_, fd);
  FileInfo info;
  ZDS_RETURN_IF_ERROR(fs_->StatFd(fd, &info));
  if (info.size == 0) return Status::Ok();
  const char* addr = nullptr;
  if (fs_->MapReadOnly(fd, static_cast<size_t>(info.size), &addr).ok()) {
    out->map_ = std::make_unique<Mapping>(fs_, addr, static_cast<size_t>(info.size));
    return Status::Ok();
  }
  return fs_->ReadRange(fd, 0, static_cast<size_t>(info.size), &out->copy_);
}

Status Collection::Load(State* st) {
  FileInfo dir_info, data_info, docs_info;
  ZDS_RETURN_IF_ERROR(fs_->Stat(dir_, &dir_info));
  ZDS_RETURN_IF_ERROR(fs_->Stat(data_path_, &data_info));
  ZDS_RETURN_IF_ERROR(fs_->Stat(JoinPath(dir_, format::kDocsDir), &docs_info));
  if (dir_info.exists && !dir_info.is_dir)
    return Status(Code::kNotDir, "The collection path '" + dir_ + "' is not a directory");
  if (!data_info.exists && docs_info.is_dir) return LoadDocsMode(st);
  if (read_only_) {
    if (!dir_info.exists) return Status(Code::kNotFound, "No collection '" + name_ + "' in the store");
    if (!data_info.exists) return Status::Ok();  // an empty collection
  } else {
    const bool created = !data_info.exists;
    ZDS_RETURN_IF_ERROR(fs_->MakeDirs(meta_dir_));
    // Leftovers of an interrupted index write or compaction are never live data.
    ZDS_RETURN_IF_ERROR(fs_->Unlink(index_path_ + format::kTempSuffix));
    ZDS_RETURN_IF_ERROR(fs_->Unlink(JoinPath(meta_dir_, format::kManifestFile) + format::kTempSuffix));
    ZDS_RETURN_IF_ERROR(fs_->Unlink(data_path_ + format::kCompactTempSuffix));
    if (created) {
      int fd = -1;
      ZDS_RETURN_IF_ERROR(fs_->Open(data_path_, OpenMode::kReadWrite, &fd));
      fs_->Close(fd);
      ZDS_RETURN_IF_ERROR(fs_->SyncDir(meta_dir_));
    }
  }
  int fd = -1;
  ZDS_RETURN_IF_ERROR(fs_->Open(data_path_, read_only_ ? OpenMode::kRead : OpenMode::kReadWrite, &fd));
  st->file = std::make_shared<DataFile>(fs_, fd, root_->KeepFileSystem());
  FileInfo finfo;
  ZDS_RETURN_IF_ERROR(fs_->StatFd(fd, &finfo));
  const uint64_t size = finfo.size;

  // Use index.bin when it is ours and matches the data; otherwise rebuild.
  uint64_t replay_from = 0;
  FileInfo index_info;
  ZDS_RETURN_IF_ERROR(fs_->Stat(index_path_, &index_info));
  bool adopted = false;
  if (index_info.exists) {
    // Our entries go straight into the index as they are decoded, checked
    // against the data they claim to cover; a bad one stops the decoding.
    std::string reason;
    uint64_t prev_end = 0;
    DocIndex* index = st->index.get();
    const IndexEntrySink sink = [&](std::string_view id, LineRef ref) {
      if (ref.offset < prev_end || ref.offset > size || ref.length > size - ref.offset) {
        reason = "index.bin has an entry outside data.jsonl";
        return false;
      }
      prev_end = ref.offset + ref.length;
      index->Put(id, ref);
      return true;
    };
    DecodedIndex decoded;
    IndexBytes bytes;
    Status ds = ReadIndexFile(&bytes);
    if (ds.ok()) {
      index->Reserve(bytes.view().size() / 32);
      ds = DecodeIndex(bytes.view(), &decoded, sink);
    }
    if (!ds.ok()) {
      st->report.index_rebuilt = true;
      st->report.index_reason = ds.message();
    } else if (decoded.has_trailer) {
      if (decoded.data_length > size) {
        reason = "index.bin covers more bytes than data.jsonl holds";  // the likelier cause
      } else if (reason.empty() && prev_end > decoded.data_length) {
        reason = "index.bin has an entry outside data.jsonl";
      } else if (reason.empty()) {
        const uint64_t from =
            decoded.data_length > format::kTailHashWindow ? decoded.data_length - format::kTailHashWindow : 0;
        std::string tail;
        ZDS_RETURN_IF_ERROR(fs_->ReadRange(fd, from, static_cast<size_t>(decoded.data_length - from), &tail));
        if (TailHash(tail) != decoded.tail_hash) reason = "index.bin does not match data.jsonl";
      }
      if (reason.empty()) {
        replay_from = decoded.data_length;
        adopted = true;
      } else {
        st->report.index_rebuilt = true;
        st->report.index_reason = reason;
      }
    } else {
      // Written by another tool: no record of what it covers. Reconciled
      // against a full scan below.
      ZDS_RETURN_IF_ERROR(AdoptForeignIndex(st, decoded));
      return Status::Ok();
    }
  } else if (size > 0) {
    st->report.index_rebuilt = true;
    st->report.index_reason = "index.bin is missing";
  }
  if (!adopted) st->index->Clear();

  ScanOutcome outcome;
  ZDS_RETURN_IF_ERROR(ScanInto(st, replay_from, size, 0, &outcome));
  if (adopted) {
    st->report.replayed_lines = outcome.applied;
  }
  st->index_dirty =
      !adopted || outcome.lines > 0 || st->report.truncated_bytes > 0 || st->report.newline_added;
  return Status::Ok();
}

Status Collection::ScanInto(State* st, uint64_t start, uint64_t end, uint64_t first_line_no,
                            ScanOutcome* total) {
  *total = ScanOutcome();
  total->valid_end = start;
  DocIndex* index = st->index.get();
  const LineSink sink = [&](const ParsedLine& line) {
    if (line.tombstone) {
      index->Remove(line.id);
    } else {
      index->Put(line.id, line.ref);
    }
  };
  simdjson::padded_string buf;
  uint64_t pos = start;
  uint64_t line_no = first_line_no;
  std::string chunk;
  while (pos < end) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kScanChunk, end - pos));
    ZDS_RETURN_IF_ERROR(fs_->ReadRange(st->file->fd, pos, want, &chunk));
    if (chunk.size() < want) {
      return Status(Code::kIo, "data.jsonl shrank while it was being read");
    }
    bool at_eof = pos + want >= end;
    size_t usable = chunk.size();
    if (!at_eof) {
      const size_t last_nl = chunk.rfind('\n');
      if (last_nl == std::string::npos) {
        // One line longer than a chunk: read it whole.
        const void* nl = nullptr;
        uint64_t probe = pos + want;
        std::string more;
        while (!nl && probe < end) {
          ZDS_RETURN_IF_ERROR(fs_->ReadRange(
              st->file->fd, probe, static_cast<size_t>(std::min<uint64_t>(kScanChunk, end - probe)), &more));
          nl = std::memchr(more.data(), '\n', more.size());
          const size_t take =
              nl ? static_cast<size_t>(static_cast<const char*>(nl) - more.data()) + 1 : more.size();
          chunk.append(more, 0, take);
          probe += take;
        }
        usable = chunk.size();
        at_eof = probe >= end;
      } else {
        usable = last_nl + 1;
      }
    }
    buf = simdjson::padded_string(chunk.data(), usable);
    ScanOutcome part;
    ScanJsonl(buf.data(), usable, pos, line_no, sink, &part);
    if (!at_eof && part.torn_tail) {
      // Only the file's last line can be torn; inside, it is damage.
      part.bad.push_back({line_no + part.lines - 1, part.torn_offset, "invalid JSON"});
      part.torn_tail = false;
      part.valid_end = pos + usable;
    }
    total->lines += part.lines;
    total->applied += part.applied;
    total->bad.insert(total->bad.end(), part.bad.begin(), part.bad.end());
    total->valid_end = part.valid_end;
    total->torn_tail = part.torn_tail;
    total->torn_offset = part.torn_offset;
    total->missing_newline = part.missing_newline;
    line_no += part.lines;
    pos += usable;
  }

  if (!total->bad.empty() && first_line_no == 0) {
    // Line numbers so far count from `start`; make them absolute.
    uint64_t before = 0;
    std::string piece;
    for (uint64_t p = 0; p < start; p += kScanChunk) {
      ZDS_RETURN_IF_ERROR(fs_->ReadRange(
          st->file->fd, p, static_cast<size_t>(std::min<uint64_t>(kScanChunk, start - p)), &piece));
      before += static_cast<uint64_t>(std::count(piece.begin(), piece.end(), '\n'));
    }
    for (auto& b : total->bad) b.line_no += before + 1;
  }
  if (!total->bad.empty()) {
    if (!skip_corrupt_) {
      return Status(Code::kCorrupt, "data.jsonl of collection '" + name_ + "' has " +
                                        std::to_string(total->bad.size()) +
                                        " malformed line(s): " + DescribeBadLines(total->bad) +
                                        ". Repair or remove them, or open with skipCorrupt to skip them");
    }
    st->report.skipped.insert(st->report.skipped.end(), total->bad.begin(), total->bad.end());
  }
  uint64_t size = end;
  if (total->torn_tail) {
    st->report.truncated_bytes = end - total->torn_offset;
    st->report.torn_offset = total->torn_offset;
    size = total->torn_offset;
    if (!read_only_) {
      ZDS_RETURN_IF_ERROR(fs_->Truncate(st->file->fd, size));
      ZDS_RETURN_IF_ERROR(fs_->Sync(st->file->fd));
    }
  } else if (total->missing_newline) {
    st->report.newline_added = !read_only_;
    if (!read_only_) {
      size_t written = 0;
      ZDS_RETURN_IF_ERROR(fs_->PWrite(st->file->fd, "\n", 1, size, &written));
      ZDS_RETURN_IF_ERROR(fs_->Sync(st->file->fd));
      size += 1;
    }
  }
  st->file_size = size;
  st->synced_size = size;
  return Status::Ok();
}

Status Collection::AdoptForeignIndex(State* st, const DecodedIndex& decoded) {
  // Another tool's index lists its live documents but not how much of
  // data.jsonl it covers. Scan everything, then: ids the index omits whose
  // latest line lies inside its coverage were deleted by that tool.
  const int fd = st->file->fd;
  uint64_t size = 0;
  ZDS_RETURN_IF_ERROR(fs_->Size(fd, &size));
  ScanOutcome outcome;
  ZDS_RETURN_IF_ERROR(ScanInto(st, 0, size, 0, &outcome));
  st->index_dirty = true;
  uint64_t coverage = 0;
  std::string reason;
  simdjson::dom::parser parser;
  std::string line;
  for (const auto& e : decoded.entries) {
    coverage = std::max(coverage, e.ref.offset + e.ref.length);
    LineRef ours;
    if (!st->index->Find(e.id, &ours)) {
      reason = "index.bin lists '" + std::string(e.id) + "', which data.jsonl does not hold";
      break;
    }
    if (ours.offset == e.ref.offset && ours.length == e.ref.length) continue;
    // The entry may point at an older version; it must still be a line of that id.
    Status rs = fs_->ReadRange(fd, e.ref.offset, e.ref.length, &line);
    ParsedLine parsed;
    const bool framed = rs.ok() && line.size() == e.ref.length && !line.empty() && line.back() == '\n';
    simdjson::padded_string padded(line.data(), framed ? line.size() - 1 : 0);
    if (!framed || !ParseLine(parser, padded.data(), padded.size(), &parsed).ok() || parsed.id != e.id) {
      reason = "index.bin does not match data.jsonl";
      break;
    }
  }
  if (!reason.empty() || coverage > size) {
    st->report.index_rebuilt = true;
    st->report.index_reason = reason.empty() ? "index.bin covers more bytes than data.jsonl holds" : reason;
    return Status::Ok();
  }
  absl::flat_hash_set<std::string_view> listed;
  listed.reserve(decoded.entries.size());
  for (const auto& e : decoded.entries) listed.insert(e.id);
  std::vector<std::string> deleted;
  st->index->ForEach([&](std::string_view id, LineRef ref) {
    if (ref.offset + ref.length <= coverage && !listed.contains(id)) deleted.emplace_back(id);
  });
  for (const auto& id : deleted) {
    st->index->Remove(id);
    // Write the delete down so it outlives this index.
    if (!read_only_) {
      std::string t = Tombstone(id);
      t.push_back('\n');
      st->pending += t;
    }
  }
  st->report.foreign_deletes = deleted.size();
  st->report.index_rebuilt = true;
  st->report.index_reason = "index.bin was written by another tool; zds adopted it";
  if (!st->pending.empty()) {
    size_t written = 0;
    ZDS_RETURN_IF_ERROR(fs_->PWrite(fd, st->pending.data(), st->pending.size(), st->file_size, &written));
    ZDS_RETURN_IF_ERROR(fs_->Sync(fd));
    st->file_size += st->pending.size();
    st->synced_size = st->file_size;
    st->pending.clear();
  }
  return Status::Ok();
}

Status Collection::LoadDocsMode(State* st) {
  // File-per-document layout of the upstream Engine: read access.
  st->docs_mode = true;
  std::vector<std::string> names;
  ZDS_RETURN_IF_ERROR(fs_->ListDir(JoinPath(dir_, format::kDocsDir), &names));
  for (auto& n : names) {
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0) {
      std::string id = n.substr(0, n.size() - 5);
      if (IsValidName(id)) st->doc_ids.push_back(std::move(id));
    }
  }
  std::sort(st->doc_ids.begin(), st->doc_ids.end());
  return Status::Ok();
}

Status Collection::DocsModeLine(std::string_view id, std::string* line) {
  std::string text;
  const std::string path = JoinPath(JoinPath(dir_, format::kDocsDir), std::string(id) + ".json");
  ZDS_RETURN_IF_ERROR(fs_->ReadAll(path, &text));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::padded_string padded(text);
  if (parser.parse(padded).get(root)) return Status(Code::kCorrupt, "'" + path + "' is not valid JSON");
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return Status(Code::kCorrupt, "'" + path + "' is not a JSON object");
  const std::string minified = simdjson::minify(root);
  simdjson::dom::element idv;
  if (!obj["_id"].get(idv)) {
    *line = minified;
  } else {
    *line = "{\"_id\":" + JsonString(id) + (minified.size() > 2 ? "," + minified.substr(1) : "}");
  }
  return Status::Ok();
}

// ---- Writing ----

Status Collection::CheckWritable() {
  if (read_only_) return Status(Code::kReadOnly, "Collection '" + name_ + "' is open read-only");
  if (st_->docs_mode)
    return Status(
        Code::kReadOnly,
        "Collection '" + name_ + "' uses the file-per-document layout (docs/), which zds opens read-only");
  if (!poisoned_.ok()) return poisoned_;
  return Status::Ok();
}

Status Collection::WritePendingLocked() {
  State* st = st_.get();
  if (st->pending.empty()) return Status::Ok();
  size_t written = 0;
  Status ws = fs_->PWrite(st->file->fd, st->pending.data(), st->pending.size(), st->file_size, &written);
  if (!ws.ok()) {
    // Take back a partial write so no half line stays in the file; the lines
    // remain pending for the next attempt.
    if (written > 0 && !fs_->Truncate(st->file->fd, st->file_size).ok()) {
      poisoned_ = Status(Code::kPoisoned, "A failed write to data.jsonl of '" + name_ +
                                              "' could not be rolled back; reopen the store before writing");
    }
    return ws;
  }
  fs_->StartWriteback(st->file->fd, st->file_size, st->pending.size());
  st->file_size += st->pending.size();
  st->pending.clear();
  st->pending_docs = 0;
  return Status::Ok();
}

Status Collection::AppendLine(std::string_view id, std::string_view line, bool tombstone) {
  State* st = st_.get();
  if (st->pending_docs >= batch_size_ || st->pending.size() >= kMaxPendingBytes) {
    ZDS_RETURN_IF_ERROR(WritePendingLocked());
  }
  const uint64_t offset = st->file_size + st->pending.size();
  st->pending.append(line.data(), line.size());
  st->pending.push_back('\n');
  ++st->pending_docs;
  if (tombstone) {
    st->index->Remove(id);
  } else {
    st->index->Put(id, LineRef{offset, static_cast<uint32_t>(line.size() + 1)});
  }
  st->index_dirty = true;
  return Status::Ok();
}

Status Collection::Put(std::string_view id, std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  ZDS_RETURN_IF_ERROR(CheckWritable());
  ZDS_RETURN_IF_ERROR(ValidateDocId(id));
  // Cheap framing checks: the line must be one object that starts with its id.
  const std::string_view prefix = "{\"_id\":\"";
  const bool framed =
      line.size() >= prefix.size() + id.size() + 2 && line.substr(0, prefix.size()) == prefix &&
      line.substr(prefix.size(), id.size()) == id && line[prefix.size() + id.size()] == '"' &&
      (line[prefix.size() + id.size() + 1] == ',' || line[prefix.size() + id.size() + 1] == '}') &&
      line.back() == '}' && std::memchr(line.data(), '\n', line.size()) == nullptr;
  if (!framed)
    return Status(Code::kInvalidDoc, "The serialised document for '" + std::string(id) +
                                         "' must be one JSON object line starting with its \"_id\"");
  if (line.size() >= UINT32_MAX) return Status(Code::kInvalidDoc, "The document is larger than 4 GiB");
  // The reserved key can only be at the top level if its text occurs at all;
  // only then is the line parsed to look.
  constexpr std::string_view kQuotedReservedKey = "\"$zds\"";
  static_assert(kQuotedReservedKey.substr(1, 4) == std::string_view(format::kReservedKey));
  // memmem, not string_view::find: find stops at every '"' (dozens per line)
  // to compare, which cost ~8% of a put; memmem skips ahead.
  if (memmem(line.data(), line.size(), kQuotedReservedKey.data(), kQuotedReservedKey.size()) != nullptr) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(line.data(), line.size());
    bool has_id = false, empty = false;
    const std::string why = CheckUserLine(parser, padded.data(), padded.size(), id, &has_id, &empty);
    if (!why.empty()) return Status(Code::kInvalidDoc, "Document '" + std::string(id) + "' " + why);
  }
  return AppendLine(id, line, false);
}

Status Collection::WriteJsonl(std::string_view blob, const std::vector<std::string>& ids, size_t* count) {
  std::lock_guard<std::mutex> lock(mu_);
  ZDS_RETURN_IF_ERROR(CheckWritable());
  // Validate everything first so a bad line writes nothing.
  struct Piece {
    size_t start, len;
    std::string_view id;  // into `ids`, or into `line_ids` when ids come from the lines
    bool has_id, empty;
  };
  std::vector<Piece> pieces;
  pieces.reserve(ids.empty() ? blob.size() / 128 : ids.size());
  size_t pos = 0;
  while (pos < blob.size()) {
    const void* nl = std::memchr(blob.data() + pos, '\n', blob.size() - pos);
    const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - blob.data()) : blob.size();
    size_t len = end - pos;
    if (len > 0 && blob[pos + len - 1] == '\r') --len;
    bool blank = true;
    for (size_t i = 0; i < len && blank; ++i) blank = blob[pos + i] == ' ' || blob[pos + i] == '\t';
    if (!blank) pieces.push_back({pos, len, {}, false, false});
    pos = end + 1;
  }
  const bool ids_from_lines = ids.empty();
  if (!ids_from_lines && pieces.size() != ids.size())
    return Status(Code::kInvalidArg, "writeJsonl got " + std::to_string(pieces.size()) + " line(s) but " +
                                         std::to_string(ids.size()) + " id(s); they must pair one to one");
  simdjson::dom::parser parser;
  // Lines are parsed in the caller's buffer, the bytes after each serving as
  // simdjson's padding; only lines too close to its end are copied.
  std::string tail;
  auto padded_line = [&](const Piece& p) -> const char* {
    if (p.start + p.len + simdjson::SIMDJSON_PADDING <= blob.size()) return blob.data() + p.start;
    tail.assign(blob.data() + p.start, p.len);
    tail.resize(p.len + simdjson::SIMDJSON_PADDING);
    return tail.data();
  };
  std::deque<std::string> line_ids;  // stable copies of ids the lines spell with escapes
  for (size_t i = 0; i < pieces.size(); ++i) {
    Piece& p = pieces[i];
    if (ids_from_lines) {
      ParsedLine parsed;
      Status st = ParseLine(parser, padded_line(p), p.len, &parsed);
      if (!st.ok() || parsed.tombstone)
        return Status(Code::kInvalidDoc,
                      "Line " + std::to_string(i + 1) + " of the JSONL " +
                          (st.ok() ? "uses the reserved top-level key \"$zds\""
                                   : st.message() + "; without ids every line needs a valid string \"_id\""));
      // The parser's memory is reused by the next line, so the id must point
      // elsewhere: at its bytes in the line when spelled plainly up front.
      constexpr std::string_view kPrefix = "{\"_id\":\"";
      const std::string_view line = blob.substr(p.start, p.len);
      const size_t n = parsed.id.size();
      if (line.size() > kPrefix.size() + n && line.substr(0, kPrefix.size()) == kPrefix &&
          line.substr(kPrefix.size(), n) == parsed.id && line[kPrefix.size() + n] == '"') {
        p.id = line.substr(kPrefix.size(), n);
      } else {
        p.id = line_ids.emplace_back(parsed.id);
      }
      p.has_id = true;
      continue;
    }
    p.id = ids[i];
    ZDS_RETURN_IF_ERROR(ValidateDocId(p.id));
    const std::string why = CheckUserLine(parser, padded_line(p), p.len, p.id, &p.has_id, &p.empty);
    if (!why.empty())
      return Status(Code::kInvalidDoc,
                    "Line " + std::to_string(i + 1) + " of the JSONL (id '" + ids[i] + "') " + why);
  }
  for (const Piece& p : pieces) {
    std::string_view line = blob.substr(p.start, p.len);
    if (p.has_id) {
      ZDS_RETURN_IF_ERROR(AppendLine(p.id, line, false));
    } else {
      // Every line carries its id so data.jsonl alone can rebuild the index.
      // The line is a validated object: its first non-blank byte is '{'.
      std::string with_id = "{\"_id\":\"" + std::string(p.id) + "\"";
      if (p.empty) {
        with_id += "}";
      } else {
        with_id += ",";
        with_id.append(line.substr(line.find('{') + 1));
      }
      ZDS_RETURN_IF_ERROR(AppendLine(p.id, with_id, false));
    }
  }
  *count = pieces.size();
  return Status::Ok();
}

Status Collection::Delete(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  ZDS_RETURN_IF_ERROR(CheckWritable());
  ZDS_RETURN_IF_ERROR(ValidateDocId(id));
  if (!st_->index->Contains(id))
    return Status(Code::kNotFound, "No document '" + std::string(id) + "' in '" + name_ + "'");
  return AppendLine(id, Tombstone(id), true);
}

Status Collection::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  if (read_only_ || st_->docs_mode) return Status::Ok();
  return FlushLocked();
}

Status Collection::FlushLocked() {
  if (!poisoned_.ok()) return poisoned_;
  State* st = st_.get();
  ZDS_RETURN_IF_ERROR(WritePendingLocked());
  if (st->file_size > st->synced_size) {
    Status ss = fs_->Sync(st->file->fd);
    if (!ss.ok()) {
      // After a failed fsync the kernel may have dropped the dirty pages and a
      // retry could falsely succeed: refuse writes until reopened.
      poisoned_ = Status(Code::kPoisoned, "fsync of data.jsonl of '" + name_ + "' failed (" + ss.message() +
                                              "); writes are refused until the store is reopened");
      return Status(Code::kIo, poisoned_.message());
    }
    st->synced_size = st->file_size;
  }
  if (st->index_dirty) ZDS_RETURN_IF_ERROR(WriteIndexLocked());
  return Status::Ok();
}

Status Collection::WriteIndexLocked() {
  State* st = st_.get();
  const uint64_t len = st->file_size;
  const uint64_t from = len > format::kTailHashWindow ? len - format::kTailHashWindow : 0;
  std::string tail;
  ZDS_RETURN_IF_ERROR(fs_->ReadRange(st->file->fd, from, static_cast<size_t>(len - from), &tail));
  ZDS_RETURN_IF_ERROR(fs_->WriteFileAtomic(index_path_, EncodeIndex(*st->index, len, TailHash(tail))));
  st->index_dirty = false;
  return Status::Ok();
}

Status Collection::WriteManifestLocked() {
  State* st = st_.get();
  const uint64_t count = st->index->size();
  if (count == st->manifest_count) return Status::Ok();
  const std::string path = JoinPath(meta_dir_, format::kManifestFile);
  // Keep what other tools put in the manifest; update only our fields.
  std::string created_at = NowIso8601();
  std::string strict = "false";
  std::string extra;
  std::string old;
  if (fs_->ReadAll(path, &old).ok()) {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    simdjson::padded_string padded(old);
    if (!parser.parse(padded).get_object().get(obj)) {
      for (auto field : obj) {
        const std::string_view key = field.key;
        if (key == "created_at") {
          std::string_view v;
          if (!field.value.get_string().get(v)) created_at = std::string(v);
        } else if (key == "strict") {
          bool b = false;
          if (!field.value.get_bool().get(b)) strict = b ? "true" : "false";
        } else if (key != "version" && key != "collection" && key != "doc_count" && key != "updated_at" &&
                   key != "format") {
          extra += "," + JsonString(key) + ":" + simdjson::minify(field.value);
        }
      }
    }
  }
  std::string text = "{\"version\":\"1.0\",\"collection\":" + JsonString(name_) + ",\"strict\":" + strict +
                     ",\"created_at\":" + JsonString(created_at) +
                     ",\"updated_at\":" + JsonString(NowIso8601()) +
                     ",\"doc_count\":" + std::to_string(count) + ",\"format\":\"jsonl\"" + extra + "}\n";
  ZDS_RETURN_IF_ERROR(fs_->WriteFileAtomic(path, text));
  st->manifest_count = count;
  return Status::Ok();
}

Status Collection::Checkpoint() {
  std::lock_guard<std::mutex> lock(mu_);
  if (read_only_ || st_->docs_mode) return Status::Ok();
  ZDS_RETURN_IF_ERROR(FlushLocked());
  return WriteManifestLocked();
}

Status Collection::Compact() {
  std::lock_guard<std::mutex> lock(mu_);
  ZDS_RETURN_IF_ERROR(CheckWritable());
  ZDS_RETURN_IF_ERROR(FlushLocked());
  State* st = st_.get();
  const std::string tmp = data_path_ + format::kCompactTempSuffix;
  int fd = -1;
  ZDS_RETURN_IF_ERROR(fs_->Open(tmp, OpenMode::kCreateTrunc, &fd));
  auto new_file = std::make_shared<DataFile>(fs_, fd, root_->KeepFileSystem());
  auto new_index = std::make_unique<DocIndex>();
  new_index->Reserve(st->index->size());
  std::vector<LineRef> refs;
  std::vector<std::string> ids;
  refs.reserve(st->index->size());
  ids.reserve(st->index->size());
  st->index->ForEach([&](std::string_view id, LineRef ref) {
    refs.push_back(ref);
    ids.emplace_back(id);
  });
  Cursor cursor(st->file, std::move(refs));
  Batch batch;
  uint64_t out_size = 0;
  size_t i = 0;
  Status status;
  while (status.ok() && !cursor.done()) {
    status = cursor.Next(SIZE_MAX, 8u << 20, BatchForm::kJsonl, &batch);
    if (!status.ok()) break;
    size_t start = 0;
    for (size_t k = 0; k < batch.count; ++k, ++i) {
      new_index->Put(ids[i], LineRef{out_size + start, static_cast<uint32_t>(batch.ends[k] - start)});
      start = batch.ends[k];
    }
    size_t written = 0;
    status = fs_->PWrite(fd, batch.bytes.data(), batch.bytes.size(), out_size, &written);
    out_size += batch.bytes.size();
  }
  if (status.ok()) status = fs_->Sync(fd);
  if (status.ok()) status = fs_->Rename(tmp, data_path_);
  if (!status.ok()) {
    fs_->Unlink(tmp);
    return status;
  }
  // The rename happened: from here on the new file is data.jsonl, whatever
  // fails next, so switch to it before anything else can go wrong.
  st->file = std::move(new_file);
  st->map.reset();
  st->index = std::move(new_index);
  st->file_size = st->synced_size = out_size;
  st->index_dirty = true;
  Status ds = fs_->SyncDir(meta_dir_);
  if (!ds.ok()) {
    poisoned_ =
        Status(Code::kPoisoned, "fsync of the directory of '" + name_ + "' failed after compaction (" +
                                    ds.message() + "); writes are refused until the store is reopened");
    return Status(Code::kIo, poisoned_.message());
  }
  ZDS_RETURN_IF_ERROR(WriteIndexLocked());
  return WriteManifestLocked();
}

Status Collection::Refresh() {
  // A writable collection is always current. A read-only one reloads from
  // disk and swaps: simple, and correct after a writer's compaction.
  if (!read_only_) return Status::Ok();
  auto fresh = std::make_unique<State>();
  ZDS_RETURN_IF_ERROR(Load(fresh.get()));
  std::lock_guard<std::mutex> lock(mu_);
  st_ = std::move(fresh);
  return Status::Ok();
}

// ---- Reading ----

Status Collection::ReadLineLocked(LineRef ref, std::string* out) {
  State* st = st_.get();
  if (ref.offset >= st->file_size) {
    if (ref.offset - st->file_size + ref.length - 1 > st->pending.size())
      return Status(Code::kCorrupt, "The index of '" + name_ + "' points past the end of data.jsonl");
    out->assign(st->pending, static_cast<size_t>(ref.offset - st->file_size), ref.length - 1);
    return Status::Ok();
  }
  ZDS_RETURN_IF_ERROR(fs_->ReadRange(st->file->fd, ref.offset, ref.length, out));
  if (out->size() + 1 < ref.length)
    return Status(Code::kCorrupt, "data.jsonl of '" + name_ + "' is shorter than its index says");
  out->resize(WithoutLineEnd(*out).size());
  return Status::Ok();
}

Status Collection::Get(std::string_view id, std::string* line) {
  LineView view;
  ZDS_RETURN_IF_ERROR(Get(id, line, &view));
  if (view.text.data() != line->data()) line->assign(view.text.data(), view.text.size());
  return Status::Ok();
}

Status Collection::Get(std::string_view id, std::string* scratch, LineView* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (st_->docs_mode) {
    if (!std::binary_search(st_->doc_ids.begin(), st_->doc_ids.end(), id))
      return Status(Code::kNotFound, "No document '" + std::string(id) + "' in '" + name_ + "'");
    ZDS_RETURN_IF_ERROR(DocsModeLine(id, scratch));
    *out = LineView{*scratch, nullptr};
    return Status::Ok();
  }
  LineRef ref;
  if (!st_->index->Find(id, &ref))
    return Status(Code::kNotFound, "No document '" + std::string(id) + "' in '" + name_ + "'");
  return ViewLineLocked(ref, scratch, out);
}

Status Collection::ViewLineLocked(LineRef ref, std::string* scratch, LineView* out) {
  State* st = st_.get();
  const uint64_t end = ref.offset + ref.length;
  if (end <= st->file_size && ref.length > 0) {
    // Written lines are read through a mapping: no system call and no copy.
    // It is extended once the file has outgrown it by kRemapSlack, so a
    // writer reading back its latest lines does not remap on every get.
    const uint64_t mapped = st->map ? st->map->size() : 0;
    if (end > mapped && (mapped == 0 || st->file_size - mapped >= kRemapSlack)) {
      const char* addr = nullptr;
      if (fs_->MapReadOnly(st->file->fd, static_cast<size_t>(st->file_size), &addr).ok()) {
        st->map = std::make_shared<const Mapping>(fs_, addr, static_cast<size_t>(st->file_size));
      }
    }
    if (st->map && end <= st->map->size()) {
      *out = LineView{WithoutLineEnd(std::string_view(st->map->data() + ref.offset, ref.length)), st->map};
      return Status::Ok();
    }
  }
  ZDS_RETURN_IF_ERROR(ReadLineLocked(ref, scratch));
  *out = LineView{*scratch, nullptr};
  return Status::Ok();
}

bool Collection::Exists(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (st_->docs_mode) return std::binary_search(st_->doc_ids.begin(), st_->doc_ids.end(), id);
  return st_->index->Contains(id);
}

size_t Collection::Count() {
  std::lock_guard<std::mutex> lock(mu_);
  return st_->docs_mode ? st_->doc_ids.size() : st_->index->size();
}

void Collection::ListIds(std::vector<std::string>* ids) {
  std::lock_guard<std::mutex> lock(mu_);
  if (st_->docs_mode) {
    *ids = st_->doc_ids;
    return;
  }
  ids->clear();
  ids->reserve(st_->index->size());
  st_->index->ForEach([&](std::string_view id, LineRef) { ids->emplace_back(id); });
}

Status Collection::NewCursor(std::unique_ptr<Cursor>* out, std::shared_ptr<const QueryPlan> plan) {
  std::lock_guard<std::mutex> lock(mu_);
  if (st_->docs_mode) {
    out->reset(new Cursor(shared_from_this(), st_->doc_ids, std::move(plan)));
    return Status::Ok();
  }
  // The snapshot reads from the file: hand pending lines to the OS first.
  if (!read_only_) ZDS_RETURN_IF_ERROR(WritePendingLocked());
  std::vector<LineRef> refs;
  refs.reserve(st_->index->size());
  st_->index->ForEach([&](std::string_view, LineRef ref) { refs.push_back(ref); });
  out->reset(new Cursor(st_->file, std::move(refs), std::move(plan)));
  return Status::Ok();
}

RecoveryReport Collection::recovery() {
  std::lock_guard<std::mutex> lock(mu_);
  return st_->report;
}

size_t Collection::IndexMemoryUsage() {
  std::lock_guard<std::mutex> lock(mu_);
  return st_->index->MemoryUsage();
}

uint64_t Collection::DataBytes() {
  std::lock_guard<std::mutex> lock(mu_);
  return st_->file_size + st_->pending.size();
}

}  // namespace zds
