// .zds archives with libzip (FORMAT.md "Archives"), written against libzip
// 1.7.3 (Debian 11's); the comments say where its behaviour shaped the code.
#include "engine/archive.h"

#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "engine/doc_index.h"
#include "engine/format.h"
#include "engine/index_codec.h"
#include "engine/jsonl_scan.h"
#include "engine/names.h"

namespace zds {

namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr size_t kCopyBufferSize = 256 * 1024;
constexpr size_t kSampleSize = 64 * 1024;  // bytes deflated to decide whether deflating pays
// A damaged file can have a problem on every line; past this many per file
// Verify summarises instead of listing millions.
constexpr size_t kMaxProblemsPerFile = 1000;

// Entries whose bytes are already compressed: deflating them again costs time
// and saves nothing (FORMAT.md "Archives").
constexpr const char* kCompressedExtensions[] = {".zds", ".zip",  ".gz",  ".bz2", ".xz",
                                                 ".zst", ".7z",   ".png", ".jpg", ".jpeg",
                                                 ".gif", ".webp", ".mp3", ".mp4", ".parquet"};

// ---------------------------------------------------------------- small helpers

uint64_t GetLE(const char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// An entry name as it can be shown in a message: bytes that would garble a
// terminal (NUL, control characters) appear as \xNN.
std::string Printable(std::string_view name) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Status BadArchive(const std::string& archive, const std::string& why) {
  return Status(Code::kBadArchive, "Archive '" + archive + "': " + why);
}

Status BadEntry(const std::string& archive, std::string_view entry, const std::string& why) {
  return BadArchive(archive, "entry '" + Printable(entry) + "' " + why);
}

bool Cancelled(const std::atomic<bool>* cancel) { return cancel && cancel->load(std::memory_order_relaxed); }

Status CancelledStatus(const char* what) {
  return Status(Code::kCancelled, std::string(what) + " was cancelled");
}

struct ZipDiscard {
  void operator()(zip_t* za) const { zip_discard(za); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;

struct ZipFileClose {
  void operator()(zip_file_t* zf) const { zip_fclose(zf); }
};
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileClose>;

// Progress as bytes of entry data move, throttled so a store of many small
// files or one huge file makes at most a few thousand calls.
class ProgressReporter {
 public:
  ProgressReporter(const ArchiveProgressFn& fn, uint64_t total, uint64_t entries_total) : fn_(fn) {
    p_.total = total;
    p_.entries_total = entries_total;
    byte_step_ = std::max<uint64_t>(kMiB, total / 1000);
    entry_step_ = std::max<uint64_t>(1, entries_total / 1000);
  }
  void AddBytes(uint64_t n) {
    p_.done += n;
    if (p_.done - last_done_ >= byte_step_) Emit();
  }
  void EntryDone() {
    ++p_.entries_done;
    if (p_.entries_done - last_entries_ >= entry_step_ || p_.done - last_done_ >= byte_step_ ||
        p_.entries_done == p_.entries_total)
      Emit();
  }
  // The first and the last call, whatever the throttle says.
  void Start() { Emit(); }
  void Finish() {
    if (!emitted_ || p_.done != last_done_ || p_.entries_done != last_entries_) Emit();
  }

 private:
  void Emit() {
    emitted_ = true;
    last_done_ = p_.done;
    last_entries_ = p_.entries_done;
    if (fn_) fn_(p_);
  }

  const ArchiveProgressFn& fn_;
  ArchiveProgress p_;
  uint64_t byte_step_;
  uint64_t entry_step_;
  uint64_t last_done_ = 0;
  uint64_t last_entries_ = 0;
  bool emitted_ = false;
};

// Temp names follow FORMAT.md ("<out>.tmp-<pid>", "<target>.unpack-<pid>").
// Two calls of this process on the same path would share that name and write
// into each other's temp; the second one gets a counter suffix instead.
class TempName {
 public:
  explicit TempName(const std::string& base) {
    std::lock_guard<std::mutex> lock(Mu());
    path_ = base;
    for (uint64_t n = 1; InUse().count(path_); ++n) path_ = base + "-" + std::to_string(n);
    InUse().insert(path_);
  }
  ~TempName() {
    std::lock_guard<std::mutex> lock(Mu());
    InUse().erase(path_);
  }
  TempName(const TempName&) = delete;
  TempName& operator=(const TempName&) = delete;
  const std::string& path() const { return path_; }

 private:
  static std::mutex& Mu() {
    static std::mutex mu;
    return mu;
  }
  static std::set<std::string>& InUse() {
    static std::set<std::string>* in_use = new std::set<std::string>();
    return *in_use;
  }
  std::string path_;
};

// Removes a folder this file created (a temp folder, or a target replaced
// by an unpack with overwrite) and everything in it. lstat, so a symbolic
// link inside the replaced target is removed and never followed; the direct
// calls are there because FileSystem has neither lstat nor rmdir.
void RemoveTree(FileSystem* fs, const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    fs->Unlink(path);
    return;
  }
  std::vector<std::string> names;
  fs->ListDir(path, &names);
  for (const std::string& name : names) RemoveTree(fs, JoinPath(path, name));
  ::rmdir(path.c_str());
}

std::string StripTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Status SyncFile(FileSystem* fs, const std::string& path) {
  int fd = -1;
  ZDS_RETURN_IF_ERROR(fs->Open(path, OpenMode::kRead, &fd));
  ScopedFd guard(fs, fd);
  return fs->Sync(fd);
}

// ---------------------------------------------------------------- opening archives

// Opens `path` with libzip. A missing file is kNotFound, a read failure kIo,
// anything libzip refuses kBadArchive with its words; *zip_code gets libzip's
// code so callers can word some refusals better.
Status OpenZip(FileSystem* fs, const std::string& path, int flags, ZipPtr* out, int* zip_code = nullptr) {
  FileInfo info;
  ZDS_RETURN_IF_ERROR(fs->Stat(path, &info));
  if (!info.exists) return Status(Code::kNotFound, "Archive '" + path + "' does not exist");
  if (info.is_dir) return Status(Code::kBadArchive, "'" + path + "' is a folder, not a .zds archive");
  // Through a source rather than zip_open(): the zip_error_t keeps the
  // system errno, so "Permission denied" reaches the message.
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_file_create(path.c_str(), 0, -1, &error);
  zip_t* za = src ? zip_open_from_source(src, flags, &error) : nullptr;
  if (za) {
    zip_error_fini(&error);
    out->reset(za);
    return Status::Ok();
  }
  if (src) zip_source_free(src);
  const int code = zip_error_code_zip(&error);
  const std::string msg = zip_error_strerror(&error);
  zip_error_fini(&error);
  if (zip_code) *zip_code = code;
  if (code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_MEMORY)
    return Status(Code::kIo, "Cannot read archive '" + path + "': " + msg);
  return BadArchive(path, "not a valid ZIP archive (" + msg + ")");
}

// The entry names exactly as the central directory holds them. libzip 1.7
// replaces a NUL inside a name with a space when it reads it (zip_get_name
// returns "a b" for "a\0b"), so the only way to see a NUL is to read the
// names from the file. The archive has already been opened by libzip, which
// validated the structure; this walks the same records.
Status ReadCentralNames(FileSystem* fs, const std::string& path, std::vector<std::string>* names) {
  names->clear();
  const Status unreadable = BadArchive(path, "its central directory cannot be read");
  int fd = -1;
  ZDS_RETURN_IF_ERROR(fs->Open(path, OpenMode::kRead, &fd));
  ScopedFd guard(fs, fd);
  uint64_t size = 0;
  ZDS_RETURN_IF_ERROR(fs->Size(fd, &size));
  // The end record (22 bytes) is followed by at most a 64 KiB comment.
  const uint64_t tail_len = std::min<uint64_t>(size, 22 + 0xffff);
  const uint64_t tail_at = size - tail_len;
  std::string tail;
  ZDS_RETURN_IF_ERROR(fs->ReadRange(fd, tail_at, static_cast<size_t>(tail_len), &tail));
  if (tail.size() != tail_len || tail_len < 22) return unreadable;
  size_t eocd = std::string::npos;
  for (size_t i = tail.size() - 22 + 1; i-- > 0;) {
    if (std::memcmp(tail.data() + i, "PK\x05\x06", 4) == 0 &&
        i + 22 + GetLE(tail.data() + i + 20, 2) <= tail.size()) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) return unreadable;
  const char* e = tail.data() + eocd;
  uint64_t count = GetLE(e + 10, 2);
  uint64_t cd_size = GetLE(e + 12, 4);
  uint64_t cd_offset = GetLE(e + 16, 4);
  // ZIP64: a locator right before the end record points at the ZIP64 end
  // record, whose fields replace the 16- and 32-bit ones.
  const uint64_t eocd_at = tail_at + eocd;
  if (eocd_at >= 20) {
    std::string loc;
    ZDS_RETURN_IF_ERROR(fs->ReadRange(fd, eocd_at - 20, 20, &loc));
    if (loc.size() == 20 && std::memcmp(loc.data(), "PK\x06\x07", 4) == 0) {
      std::string rec;
      ZDS_RETURN_IF_ERROR(fs->ReadRange(fd, GetLE(loc.data() + 8, 8), 56, &rec));
      if (rec.size() != 56 || std::memcmp(rec.data(), "PK\x06\x06", 4) != 0) return unreadable;
      count = GetLE(rec.data() + 32, 8);
      cd_size = GetLE(rec.data() + 40, 8);
      cd_offset = GetLE(rec.data() + 48, 8);
    }
  }
  constexpr uint64_t kRecord = 46;  // fixed part of a central directory record
  if (cd_offset > size || cd_size > size - cd_offset || count > cd_size / kRecord) return unreadable;
  std::string cd;
  ZDS_RETURN_IF_ERROR(fs->ReadRange(fd, cd_offset, static_cast<size_t>(cd_size), &cd));
  if (cd.size() != cd_size) return unreadable;
  names->reserve(static_cast<size_t>(count));
  size_t pos = 0;
  for (uint64_t i = 0; i < count; ++i) {
    if (cd.size() - pos < kRecord || std::memcmp(cd.data() + pos, "PK\x01\x02", 4) != 0) return unreadable;
    const size_t name_len = static_cast<size_t>(GetLE(cd.data() + pos + 28, 2));
    const size_t rest = name_len + static_cast<size_t>(GetLE(cd.data() + pos + 30, 2)) +
                        static_cast<size_t>(GetLE(cd.data() + pos + 32, 2));
    if (cd.size() - pos - kRecord < rest) return unreadable;
    names->emplace_back(cd.data() + pos + kRecord, name_len);
    pos += kRecord + rest;
  }
  return Status::Ok();
}

// Why an entry name cannot be extracted safely; empty when it can. On
// success *rel is the normalised path ('\\' read as '/', "." and empty
// segments dropped, no trailing '/') and *is_dir says whether the name ends
// with a separator. The NUL check is done on the raw names (ReadCentralNames).
std::string UnsafeName(std::string_view name, std::string* rel, bool* is_dir) {
  rel->clear();
  *is_dir = false;
  if (name.empty()) return "has an empty name";
  if (name.find('\0') != std::string_view::npos) return "has a NUL byte in its name";
  if (name[0] == '/' || name[0] == '\\') return "has an absolute name";
  const unsigned char c0 = static_cast<unsigned char>(name[0]);
  if (name.size() >= 2 && name[1] == ':' && ((c0 | 0x20) >= 'a' && (c0 | 0x20) <= 'z'))
    return "starts with a drive letter";
  *is_dir = name.back() == '/' || name.back() == '\\';
  size_t pos = 0;
  while (pos <= name.size()) {
    size_t end = name.find_first_of("/\\", pos);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view seg = name.substr(pos, end - pos);
    if (seg == "..") return "has a '..' segment";
    if (!seg.empty() && seg != ".") {
      if (!rel->empty()) rel->push_back('/');
      rel->append(seg.data(), seg.size());
    }
    pos = end + 1;
  }
  if (rel->empty() && !*is_dir) return "does not name a file";
  return std::string();
}

// ---------------------------------------------------------------- Pack

struct PackEntry {
  std::string name;  // entry name: relative to the root, '/' separators, folders end with '/'
  std::string path;  // on disk
  bool is_dir = false;
  uint64_t size = 0;
  time_t mtime = 0;
};

// Lists `dir` (entry names starting with `prefix`) depth first in byte order
// of names, folders before their contents. FileSystem::Stat follows symbolic
// links, so a linked file is packed as a file; `open_dirs` (device, inode of
// the folders being walked) stops a link cycle. `skip` is the output archive
// when it already exists inside the store.
Status CollectEntries(FileSystem* fs, const std::string& dir, const std::string& prefix, const FileInfo& skip,
                      std::vector<std::pair<uint64_t, uint64_t>>* open_dirs, std::vector<PackEntry>* out) {
  std::vector<std::string> names;
  ZDS_RETURN_IF_ERROR(fs->ListDir(dir, &names));
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    // The writer lock is never packed (FORMAT.md "Archives").
    if (prefix.empty() && name == format::kLockDir) continue;
    PackEntry e;
    e.path = JoinPath(dir, name);
    FileInfo info;
    ZDS_RETURN_IF_ERROR(fs->Stat(e.path, &info));
    if (!info.exists) continue;  // vanished, or a dangling symbolic link
    if (skip.exists && info.device == skip.device && info.inode == skip.inode) continue;
    // FileInfo carries no times; the entry's date is the file's mtime.
    struct stat st;
    e.mtime = ::stat(e.path.c_str(), &st) == 0 ? st.st_mtime : std::time(nullptr);
    e.is_dir = info.is_dir;
    e.name = prefix + name;
    if (!info.is_dir) {
      e.size = info.size;
      out->push_back(std::move(e));
      continue;
    }
    const std::pair<uint64_t, uint64_t> id(info.device, info.inode);
    if (std::find(open_dirs->begin(), open_dirs->end(), id) != open_dirs->end()) continue;
    e.name.push_back('/');
    const std::string child_prefix = e.name;
    const std::string child_dir = e.path;
    out->push_back(std::move(e));
    open_dirs->push_back(id);
    ZDS_RETURN_IF_ERROR(CollectEntries(fs, child_dir, child_prefix, skip, open_dirs, out));
    open_dirs->pop_back();
  }
  return Status::Ok();
}

bool CompressedByExtension(const std::string& name) {
  const size_t slash = name.rfind('/');
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return false;
  std::string ext = name.substr(dot);
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const char* known : kCompressedExtensions) {
    if (ext == known) return true;
  }
  return false;
}

// True when deflating the first 64 KiB of the file saves less than 5%.
Status SampleIsIncompressible(FileSystem* fs, const std::string& path, int level, bool* incompressible) {
  int fd = -1;
  ZDS_RETURN_IF_ERROR(fs->Open(path, OpenMode::kRead, &fd));
  ScopedFd guard(fs, fd);
  std::string sample;
  ZDS_RETURN_IF_ERROR(fs->ReadRange(fd, 0, kSampleSize, &sample));
  if (sample.empty()) {
    *incompressible = true;
    return Status::Ok();
  }
  uLongf out_len = compressBound(static_cast<uLong>(sample.size()));
  std::string deflated(out_len, '\0');
  if (compress2(reinterpret_cast<Bytef*>(deflated.data()), &out_len,
                reinterpret_cast<const Bytef*>(sample.data()), static_cast<uLong>(sample.size()),
                level) != Z_OK) {
    *incompressible = false;  // let libzip try; it reports a real zlib failure
    return Status::Ok();
  }
  *incompressible = static_cast<uint64_t>(out_len) * 100 >= static_cast<uint64_t>(sample.size()) * 95;
  return Status::Ok();
}

// What every entry source of one Pack shares.
struct PackRun {
  FileSystem* fs;
  const std::atomic<bool>* cancel;
  ProgressReporter* progress;
  bool cancelled = false;
  Status failure;  // the first FileSystem error, which names its path
};

// A libzip source that reads one file through FileSystem. Reading it
// ourselves (rather than zip_source_file) gives exact byte progress and a
// cancellation check between any two reads, and keeps the engine's file
// reads on the FileSystem that tests can fault. libzip calls it from
// zip_close(), on the calling thread.
class EntrySource {
 public:
  EntrySource(PackRun* run, const PackEntry* entry) : run_(run), entry_(entry) { zip_error_init(&error_); }
  ~EntrySource() {
    if (fd_ >= 0) run_->fs->Close(fd_);
    zip_error_fini(&error_);
  }
  EntrySource(const EntrySource&) = delete;
  EntrySource& operator=(const EntrySource&) = delete;

  static zip_int64_t Callback(void* ud, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    return static_cast<EntrySource*>(ud)->Handle(data, len, cmd);
  }

 private:
  zip_int64_t Fail(int zip_code, const Status& st) {
    if (run_->failure.ok() && !st.ok()) run_->failure = st;
    zip_error_set(&error_, zip_code, st.sys_errno());
    return -1;
  }

  zip_int64_t Handle(void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    switch (cmd) {
      case ZIP_SOURCE_OPEN: {
        pos_ = 0;
        if (entry_->is_dir) return 0;
        const Status st = run_->fs->Open(entry_->path, OpenMode::kRead, &fd_);
        if (!st.ok()) return Fail(ZIP_ER_OPEN, st);
        return 0;
      }
      case ZIP_SOURCE_READ: {
        if (Cancelled(run_->cancel)) {
          run_->cancelled = true;
          zip_error_set(&error_, ZIP_ER_CANCELLED, 0);
          return -1;
        }
        // Never past the size announced by STAT: libzip chose the header
        // format (ZIP64 or not) from it. The writer lock keeps the file
        // from changing; this keeps a misbehaving one consistent.
        const uint64_t left = entry_->size - pos_;
        const size_t want = static_cast<size_t>(std::min<uint64_t>(len, left));
        if (want == 0 || fd_ < 0) return 0;
        size_t got = 0;
        const Status st = run_->fs->PRead(fd_, data, want, pos_, &got);
        if (!st.ok()) return Fail(ZIP_ER_READ, st);
        pos_ += got;
        run_->progress->AddBytes(got);
        return static_cast<zip_int64_t>(got);
      }
      case ZIP_SOURCE_CLOSE:
        if (fd_ >= 0) run_->fs->Close(fd_);
        fd_ = -1;
        run_->progress->EntryDone();
        return 0;
      case ZIP_SOURCE_STAT: {
        zip_stat_t* st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &error_);
        if (!st) return -1;
        zip_stat_init(st);
        // A known size is what makes libzip write ZIP64 headers exactly when
        // an entry needs them (an unknown size forces ZIP64 on every entry).
        st->size = entry_->size;
        st->mtime = entry_->mtime;
        st->valid |= ZIP_STAT_SIZE | ZIP_STAT_MTIME;
        return sizeof(zip_stat_t);
      }
      case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&error_, data, len);
      case ZIP_SOURCE_FREE:
        delete this;
        return 0;
      case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                              ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
      default:
        zip_error_set(&error_, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
  }

  PackRun* run_;
  const PackEntry* entry_;
  int fd_ = -1;
  uint64_t pos_ = 0;
  zip_error_t error_;
};

// The archive file libzip writes, as a writable source. libzip 1.7's file
// source writes through stdio in 4 KiB requests (about 117,000 write calls
// for a 450 MB pack); this one gathers libzip's writes into 1 MiB blocks and
// writes them through FileSystem, so a test can fault them too. It writes
// `path` itself (libzip's file source writes a temp file of its own and
// renames it); PackStore fsyncs and renames `path` after zip_close().
//
// zip_close() drives it: BEGIN_WRITE, then per entry TELL_WRITE, the local
// header, the data, a SEEK_WRITE back to rewrite the header with the sizes
// and CRC-32 and a SEEK_WRITE to the end, then the central directory, and
// COMMIT_WRITE, or ROLLBACK_WRITE on any failure (a cancel included). The
// archive never exists before BEGIN_WRITE, so STAT answers what libzip's file
// source answers for a missing file (ZIP_ER_READ with ENOENT), which makes
// zip_open_from_source() start an empty archive without opening the source
// for reading; OPEN, READ, SEEK and TELL are listed in SUPPORTS only because
// libzip requires a writable source to be seekable.
class ArchiveOutput {
 public:
  ArchiveOutput(PackRun* run, std::string path) : run_(run), path_(std::move(path)) {
    zip_error_init(&error_);
  }
  ~ArchiveOutput() {
    if (fd_ >= 0) run_->fs->Close(fd_);
    zip_error_fini(&error_);
  }
  ArchiveOutput(const ArchiveOutput&) = delete;
  ArchiveOutput& operator=(const ArchiveOutput&) = delete;

  static zip_int64_t Callback(void* ud, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    return static_cast<ArchiveOutput*>(ud)->Handle(data, len, cmd);
  }

 private:
  static constexpr size_t kBlock = 1 << 20;

  zip_int64_t Fail(int zip_code, const Status& st) {
    if (run_->failure.ok() && !st.ok()) run_->failure = st;
    zip_error_set(&error_, zip_code, st.sys_errno());
    return -1;
  }

  zip_int64_t Refuse(int zip_code, int sys_errno = 0) {
    zip_error_set(&error_, zip_code, sys_errno);
    return -1;
  }

  // Writes the buffered bytes at their offset and empties the buffer.
  Status Flush() {
    if (buffered_ == 0) return Status::Ok();
    size_t written = 0;
    const Status st = run_->fs->PWrite(fd_, buffer_.data(), buffered_, buffer_at_, &written);
    // Start writing the block back now, as data.jsonl batches do, so the
    // fsync before the rename has less to wait for.
    if (st.ok()) run_->fs->StartWriteback(fd_, buffer_at_, buffered_);
    buffered_ = 0;
    return st;
  }

  // The buffer holds the bytes of [buffer_at_, buffer_at_ + buffered_), newer
  // than the file's. A write that starts inside that range or right after it
  // lands in the buffer (libzip's header rewrite of a small entry does);
  // anywhere else the buffer is written out first and starts over there.
  zip_int64_t Write(const char* data, size_t len) {
    if (buffered_ > 0 && (pos_ < buffer_at_ || pos_ > buffer_at_ + buffered_)) {
      const Status st = Flush();
      if (!st.ok()) return Fail(ZIP_ER_WRITE, st);
    }
    if (buffered_ == 0) buffer_at_ = pos_;
    size_t left = len;
    while (left > 0) {
      if (pos_ - buffer_at_ == kBlock) {
        const Status st = Flush();
        if (!st.ok()) return Fail(ZIP_ER_WRITE, st);
        buffer_at_ = pos_;
      }
      const size_t at = static_cast<size_t>(pos_ - buffer_at_);
      const size_t n = std::min(left, kBlock - at);
      std::memcpy(buffer_.data() + at, data, n);
      buffered_ = std::max(buffered_, at + n);
      pos_ += n;
      data += n;
      left -= n;
    }
    size_ = std::max(size_, pos_);
    return static_cast<zip_int64_t>(len);
  }

  zip_int64_t Handle(void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    switch (cmd) {
      case ZIP_SOURCE_STAT:
        return Refuse(ZIP_ER_READ, ENOENT);
      case ZIP_SOURCE_BEGIN_WRITE: {
        buffer_.resize(kBlock);
        buffered_ = 0;
        pos_ = size_ = 0;
        const Status st = run_->fs->Open(path_, OpenMode::kCreateTrunc, &fd_);
        if (!st.ok()) return Fail(ZIP_ER_OPEN, st);
        return 0;
      }
      case ZIP_SOURCE_WRITE:
        if (fd_ < 0) return Refuse(ZIP_ER_INTERNAL);
        return Write(static_cast<const char*>(data), static_cast<size_t>(len));
      case ZIP_SOURCE_SEEK_WRITE: {
        const zip_int64_t at = zip_source_seek_compute_offset(pos_, size_, data, len, &error_);
        if (at < 0) return -1;
        pos_ = static_cast<uint64_t>(at);
        return 0;
      }
      case ZIP_SOURCE_TELL_WRITE:
        return static_cast<zip_int64_t>(pos_);
      case ZIP_SOURCE_COMMIT_WRITE: {
        const Status st = Flush();
        run_->fs->Close(fd_);
        fd_ = -1;
        if (!st.ok()) return Fail(ZIP_ER_WRITE, st);
        return 0;
      }
      case ZIP_SOURCE_ROLLBACK_WRITE:
        buffered_ = 0;
        if (fd_ >= 0) run_->fs->Close(fd_);
        fd_ = -1;
        run_->fs->Unlink(path_);
        return 0;
      case ZIP_SOURCE_REMOVE:
        run_->fs->Unlink(path_);
        return 0;
      case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&error_, data, len);
      case ZIP_SOURCE_FREE:
        return 0;  // owned by WriteZip
      case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(
            ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR,
            ZIP_SOURCE_FREE, ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL, ZIP_SOURCE_SUPPORTS, ZIP_SOURCE_BEGIN_WRITE,
            ZIP_SOURCE_COMMIT_WRITE, ZIP_SOURCE_ROLLBACK_WRITE, ZIP_SOURCE_WRITE, ZIP_SOURCE_SEEK_WRITE,
            ZIP_SOURCE_TELL_WRITE, ZIP_SOURCE_REMOVE, -1);
      default:  // OPEN, READ, SEEK, TELL: there is nothing to read
        return Refuse(ZIP_ER_OPNOTSUPP);
    }
  }

  PackRun* run_;
  const std::string path_;
  int fd_ = -1;
  std::vector<char> buffer_;
  uint64_t buffer_at_ = 0;  // file offset of buffer_[0]
  size_t buffered_ = 0;     // bytes of buffer_ in use
  uint64_t pos_ = 0;        // where the next write goes
  uint64_t size_ = 0;       // the file's size, buffered bytes included
  zip_error_t error_;
};

// zip_close() writes nothing for an archive without entries (it removes the
// file instead), so an empty store is written by hand: the 22-byte end of
// central directory record alone, which every ZIP reader accepts.
Status WriteEmptyArchive(FileSystem* fs, const std::string& path) {
  std::string eocd("PK\x05\x06", 4);
  eocd.append(18, '\0');
  int fd = -1;
  ZDS_RETURN_IF_ERROR(fs->Open(path, OpenMode::kCreateTrunc, &fd));
  ScopedFd guard(fs, fd);
  size_t written = 0;
  return fs->PWrite(fd, eocd.data(), eocd.size(), 0, &written);
}

Status WriteZip(FileSystem* fs, const std::vector<PackEntry>& entries, const std::string& tmp,
                const std::string& out, const PackOptions& options, ProgressReporter* progress,
                const std::atomic<bool>* cancel) {
  PackRun run{fs, cancel, progress, false, Status::Ok()};
  // Declared before `za`, which uses it until zip_discard(); a failed or
  // cancelled zip_close() removes `tmp` through ROLLBACK_WRITE.
  ArchiveOutput output(&run, tmp);
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* out_src = zip_source_function_create(&ArchiveOutput::Callback, &output, &error);
  ZipPtr za(out_src ? zip_open_from_source(out_src, ZIP_CREATE | ZIP_TRUNCATE, &error) : nullptr);
  if (!za) {
    if (out_src) zip_source_free(out_src);
    const std::string msg = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Status(Code::kIo, "Cannot create archive '" + tmp + "': " + msg);
  }
  zip_error_fini(&error);
  const auto libzip_failure = [&](const std::string& what) {
    return Status(Code::kIo, "Cannot write archive '" + out + "': " + what + ": " + zip_strerror(za.get()));
  };
  for (const PackEntry& e : entries) {
    if (Cancelled(cancel)) return CancelledStatus("Packing");
    bool store = e.is_dir || !options.deflate || e.size == 0 || CompressedByExtension(e.name);
    if (!store) ZDS_RETURN_IF_ERROR(SampleIsIncompressible(fs, e.path, options.level, &store));
    auto* state = new EntrySource(&run, &e);
    zip_source_t* src = zip_source_function(za.get(), &EntrySource::Callback, state);
    if (!src) {
      delete state;
      return libzip_failure("entry '" + e.name + "'");
    }
    // ZIP_FL_ENC_GUESS: ASCII names stay plain, UTF-8 ones get the UTF-8 flag.
    const zip_int64_t index = zip_file_add(za.get(), e.name.c_str(), src, ZIP_FL_ENC_GUESS);
    if (index < 0) {
      zip_source_free(src);  // frees `state` through ZIP_SOURCE_FREE
      return libzip_failure("entry '" + e.name + "'");
    }
    const zip_uint64_t i = static_cast<zip_uint64_t>(index);
    if (zip_set_file_compression(za.get(), i, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                 store ? 0 : static_cast<zip_uint32_t>(options.level)) != 0)
      return libzip_failure("entry '" + e.name + "'");
    // Unix modes in the high 16 bits (what unzip restores); 0x10 is the
    // MS-DOS directory bit, for readers that look at the low byte only.
    const zip_uint32_t attributes = e.is_dir ? (static_cast<zip_uint32_t>(S_IFDIR | 0755) << 16) | 0x10
                                             : static_cast<zip_uint32_t>(S_IFREG | 0644) << 16;
    if (zip_file_set_external_attributes(za.get(), i, 0, ZIP_OPSYS_UNIX, attributes) != 0)
      return libzip_failure("entry '" + e.name + "'");
  }
  if (zip_close(za.get()) == 0) {
    za.release();  // zip_close freed it
    return Status::Ok();
  }
  if (run.cancelled || Cancelled(cancel)) return CancelledStatus("Packing");
  // The store file that could not be read or the archive that could not be
  // written, named by the FileSystem.
  if (!run.failure.ok())
    return Status(Code::kIo, "Cannot write archive '" + out + "': " + run.failure.message());
  return libzip_failure("closing");
}

// ---------------------------------------------------------------- Unpack

struct PlannedEntry {
  zip_uint64_t index;
  std::string name;  // as libzip gives it (for messages)
  std::string rel;   // normalised path under the target
  bool is_dir;
  uint64_t size;       // declared
  uint64_t comp_size;  // bytes the entry occupies in the archive
};

// Every check that needs no data: names, types, methods, counts and the
// declared sizes. Nothing is written before this passes.
Status PlanExtraction(FileSystem* fs, const std::string& archive, zip_t* za, const UnpackOptions& options,
                      std::vector<PlannedEntry>* plan, uint64_t* declared_total) {
  const zip_int64_t n = zip_get_num_entries(za, 0);
  if (n < 0) return BadArchive(archive, "cannot count its entries");
  const uint64_t count = static_cast<uint64_t>(n);
  if (count > options.max_entries)
    return BadArchive(archive, "holds " + std::to_string(count) + " entries, over the limit of " +
                                   std::to_string(options.max_entries) + "; pass a higher maxEntries");
  std::vector<std::string> raw;
  ZDS_RETURN_IF_ERROR(ReadCentralNames(fs, archive, &raw));
  if (raw.size() != count) return BadArchive(archive, "its central directory disagrees with its end record");
  std::map<std::string, std::pair<bool, std::string>> seen;  // rel -> (is_dir, entry name)
  *declared_total = 0;
  for (zip_uint64_t i = 0; i < count; ++i) {
    if (raw[i].find('\0') != std::string::npos)
      return BadEntry(archive, raw[i], "has a NUL byte in its name");
    const char* name_c = zip_get_name(za, i, ZIP_FL_ENC_GUESS);
    if (!name_c) return BadArchive(archive, "cannot read the name of entry " + std::to_string(i));
    PlannedEntry p{i, name_c, std::string(), false, 0, 0};
    const std::string why = UnsafeName(p.name, &p.rel, &p.is_dir);
    if (!why.empty()) return BadEntry(archive, p.name, why);
    zip_stat_t st;
    if (zip_stat_index(za, i, 0, &st) != 0)
      return BadEntry(archive, p.name, std::string("cannot be read: ") + zip_strerror(za));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
      return BadEntry(archive, p.name, "is encrypted");
    if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
      return BadEntry(
          archive, p.name,
          "uses compression method " + std::to_string(st.comp_method) + " (only stored and deflated)");
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(za, i, 0, &opsys, &attributes) != 0)
      return BadEntry(archive, p.name, std::string("cannot be read: ") + zip_strerror(za));
    if (opsys == ZIP_OPSYS_UNIX) {
      const mode_t type = static_cast<mode_t>(attributes >> 16) & S_IFMT;
      if (type == S_IFLNK) return BadEntry(archive, p.name, "is a symbolic link");
      if (type != 0 && type != S_IFREG && type != S_IFDIR)
        return BadEntry(archive, p.name,
                        "is a special file (Unix mode " + std::to_string(attributes >> 16) + ")");
      if (type == S_IFDIR) p.is_dir = true;
    }
    p.size = st.size;
    p.comp_size = st.comp_size;
    if (p.is_dir && p.size != 0)
      return BadEntry(archive, p.name, "is a folder with " + std::to_string(p.size) + " bytes of data");
    if (p.rel.empty()) continue;  // "./": the target itself
    const auto [it, fresh] = seen.emplace(p.rel, std::make_pair(p.is_dir, p.name));
    if (!fresh)
      return BadEntry(archive, p.name, "repeats the name of entry '" + Printable(it->second.second) + "'");
    *declared_total = p.size > UINT64_MAX - *declared_total ? UINT64_MAX : *declared_total + p.size;
    plan->push_back(std::move(p));
  }
  // A file cannot also be a folder that other entries go into.
  for (const PlannedEntry& p : *plan) {
    for (size_t slash = p.rel.find('/'); slash != std::string::npos; slash = p.rel.find('/', slash + 1)) {
      const auto it = seen.find(p.rel.substr(0, slash));
      if (it != seen.end() && !it->second.first)
        return BadEntry(archive, p.name,
                        "needs '" + Printable(it->first) + "' to be a folder, but entry '" +
                            Printable(it->second.second) + "' is a file");
    }
  }
  if (*declared_total > options.max_total_bytes)
    return BadArchive(archive, "its entries declare " + std::to_string(*declared_total) +
                                   " bytes, over the limit of " + std::to_string(options.max_total_bytes) +
                                   " bytes; pass a higher maxTotalBytes");
  return Status::Ok();
}

struct Extraction {
  FileSystem* fs;
  const std::string& archive;
  zip_t* za;
  const UnpackOptions& options;
  ProgressReporter* progress;
  const std::atomic<bool>* cancel;
  std::string root;            // the temp folder
  std::set<std::string> dirs;  // relative folders made so far ("" is root)
  uint64_t total = 0;          // bytes inflated so far, all entries
  std::vector<char> buffer;
};

Status EnsureDir(Extraction* x, const std::string& rel) {
  if (rel.empty() || x->dirs.count(rel)) return Status::Ok();
  const size_t slash = rel.rfind('/');
  ZDS_RETURN_IF_ERROR(EnsureDir(x, slash == std::string::npos ? std::string() : rel.substr(0, slash)));
  ZDS_RETURN_IF_ERROR(x->fs->MakeDir(JoinPath(x->root, rel)));
  x->dirs.insert(rel);
  return Status::Ok();
}

// Streams one entry into its file, counting the bytes libzip really inflates.
Status ExtractFile(Extraction* x, const PlannedEntry& p) {
  const std::string& archive = x->archive;
  ZipFilePtr zf(zip_fopen_index(x->za, p.index, 0));
  if (!zf) return BadEntry(archive, p.name, std::string("cannot be read: ") + zip_strerror(x->za));
  int fd = -1;
  ZDS_RETURN_IF_ERROR(x->fs->Open(JoinPath(x->root, p.rel), OpenMode::kCreateTrunc, &fd));
  ScopedFd guard(x->fs, fd);
  uint64_t bytes = 0;
  for (;;) {
    if (Cancelled(x->cancel)) return CancelledStatus("Unpacking");
    const zip_int64_t n = zip_fread(zf.get(), x->buffer.data(), x->buffer.size());
    if (n < 0) {
      // libzip checks the CRC-32 (and the size) when the entry's data ends.
      const int code = zip_error_code_zip(zip_file_get_error(zf.get()));
      if (code == ZIP_ER_CRC)
        return BadEntry(archive, p.name, "is damaged: its CRC-32 does not match its data");
      return BadEntry(archive, p.name, std::string("cannot be read: ") + zip_file_strerror(zf.get()));
    }
    if (n == 0) break;
    const uint64_t got = static_cast<uint64_t>(n);
    bytes += got;
    x->total += got;
    // libzip inflates past the declared size (it compares sizes only at the
    // end): stop at the first byte too many instead.
    if (bytes > p.size)
      return BadEntry(archive, p.name,
                      "inflates to more than its declared " + std::to_string(p.size) + " bytes");
    // With the declared total checked in PlanExtraction and each entry held
    // to its declared size this cannot trigger; it is the limit on the bytes
    // really inflated, which holds even if those checks were wrong.
    if (x->total > x->options.max_total_bytes)
      return BadArchive(archive, "its entries inflate to " + std::to_string(x->total) +
                                     " bytes and more, over the limit of " +
                                     std::to_string(x->options.max_total_bytes) +
                                     " bytes; pass a higher maxTotalBytes");
    // bytes > comp_size * max_ratio, without overflowing the product.
    if (bytes > kMiB && (p.comp_size == 0 || bytes / p.comp_size > x->options.max_ratio ||
                         (bytes / p.comp_size == x->options.max_ratio && bytes % p.comp_size != 0)))
      return BadEntry(archive, p.name,
                      "inflates to more than " + std::to_string(x->options.max_ratio) +
                          " times its compressed size of " + std::to_string(p.comp_size) +
                          " bytes (a zip bomb?); pass a higher maxRatio");
    size_t written = 0;
    ZDS_RETURN_IF_ERROR(x->fs->PWrite(fd, x->buffer.data(), static_cast<size_t>(got), bytes - got, &written));
    x->progress->AddBytes(got);
  }
  if (bytes != p.size)
    return BadEntry(archive, p.name,
                    "holds " + std::to_string(bytes) + " bytes but declares " + std::to_string(p.size));
  ZDS_RETURN_IF_ERROR(x->fs->Sync(fd));
  x->progress->EntryDone();
  return Status::Ok();
}

Status TargetState(FileSystem* fs, const std::string& target, bool* exists, bool* empty) {
  FileInfo info;
  ZDS_RETURN_IF_ERROR(fs->Stat(target, &info));
  *exists = info.exists;
  *empty = true;
  if (!info.exists) return Status::Ok();
  if (!info.is_dir) return Status(Code::kExists, "'" + target + "' exists and is a file, not a folder");
  std::vector<std::string> names;
  ZDS_RETURN_IF_ERROR(fs->ListDir(target, &names));
  *empty = names.empty();
  return Status::Ok();
}

// Puts the finished temp folder at `target`: a rename, so the target is never
// seen half-extracted. With overwrite the old target is moved aside first and
// removed once the new one is in place (put back if that rename fails).
Status PlaceTarget(FileSystem* fs, const std::string& tmp, const std::string& target, bool overwrite) {
  bool exists = false;
  bool empty = true;
  ZDS_RETURN_IF_ERROR(TargetState(fs, target, &exists, &empty));
  const std::string parent = DirName(target);
  if (!exists || empty) {
    // rename(2) replaces an empty folder.
    ZDS_RETURN_IF_ERROR(fs->Rename(tmp, target));
    return fs->SyncDir(parent);
  }
  if (!overwrite)
    return Status(Code::kExists, "'" + target + "' exists and is not empty; pass overwrite to replace it");
  const std::string old = tmp + ".old";
  RemoveTree(fs, old);
  ZDS_RETURN_IF_ERROR(fs->Rename(target, old));
  Status st = fs->Rename(tmp, target);
  if (!st.ok()) {
    fs->Rename(old, target);
    return st;
  }
  st = fs->SyncDir(parent);
  // The new store is in place either way; the old one goes (best effort: a
  // folder that cannot be removed stays as "<target>.unpack-<pid>.old").
  RemoveTree(fs, old);
  return st;
}

// ---------------------------------------------------------------- Verify

// "collections/<name>/meta/<file>" with a valid collection name.
bool CollectionFile(std::string_view entry, std::string* collection, std::string* file) {
  const std::string_view prefix = "collections/";
  if (entry.substr(0, prefix.size()) != prefix) return false;
  entry.remove_prefix(prefix.size());
  const size_t slash = entry.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view name = entry.substr(0, slash);
  const std::string_view rest = entry.substr(slash + 1);
  const std::string_view meta = "meta/";
  if (!IsValidName(name) || rest.substr(0, meta.size()) != meta) return false;
  const std::string_view f = rest.substr(meta.size());
  if (f != format::kDataFile && f != format::kIndexFile) return false;
  collection->assign(name.data(), name.size());
  file->assign(f.data(), f.size());
  return true;
}

bool IsBlank(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  }
  return true;
}

// Collects problems of one file, summarising past kMaxProblemsPerFile.
class ProblemSink {
 public:
  ProblemSink(std::vector<Problem>* out, std::string where) : out_(out), where_(std::move(where)) {}
  ~ProblemSink() {
    if (dropped_) out_->push_back({where_, std::to_string(dropped_) + " more problems not listed"});
  }
  ProblemSink(const ProblemSink&) = delete;
  ProblemSink& operator=(const ProblemSink&) = delete;
  void Add(const std::string& suffix, const std::string& what) {
    if (count_++ >= kMaxProblemsPerFile) {
      ++dropped_;
      return;
    }
    out_->push_back({where_ + suffix, what});
  }

 private:
  std::vector<Problem>* out_;
  std::string where_;
  size_t count_ = 0;
  size_t dropped_ = 0;
};

// Checks one collection's data.jsonl (and index.bin when given) from their
// bytes. `dir` is "collections/<name>/meta/", for the places named.
void VerifyCollection(const std::string& dir, std::string data, const std::string* index,
                      std::vector<Problem>* out) {
  const std::string data_where = dir + format::kDataFile;
  const std::string index_where = dir + format::kIndexFile;
  const size_t size = data.size();
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of a line.
  data.append(simdjson::SIMDJSON_PADDING, '\0');

  // The index first: its trailer says how much of data.jsonl it covers.
  DecodedIndex decoded;
  bool index_ok = false;
  uint64_t covered = size;
  ProblemSink index_problems(out, index_where);
  if (index) {
    const Status st = DecodeIndex(*index, &decoded);
    if (!st.ok()) {
      index_problems.Add("", st.message());
    } else {
      index_ok = true;
      if (decoded.has_trailer) {
        if (decoded.data_length > size) {
          index_problems.Add("", "covers " + std::to_string(decoded.data_length) +
                                     " bytes of data.jsonl, which holds " + std::to_string(size));
          index_ok = false;
        } else {
          covered = decoded.data_length;
          const uint64_t from = covered > format::kTailHashWindow ? covered - format::kTailHashWindow : 0;
          // A stale index disagrees with everything: one problem says it.
          if (TailHash(std::string_view(data.data() + from, static_cast<size_t>(covered - from))) !=
              decoded.tail_hash) {
            index_problems.Add("", "its tail hash does not match the bytes of data.jsonl before offset " +
                                       std::to_string(covered) + " (the index is stale)");
            index_ok = false;
          }
        }
      }
    }
  }

  // The live documents of the lines the index covers, as a scan makes them.
  simdjson::dom::parser parser;
  DocIndex live;
  ProblemSink data_problems(out, data_where);
  size_t pos = 0;
  uint64_t line_no = 1;
  bool boundary_ok = !index_ok || !decoded.has_trailer || covered == 0 || covered == size;
  while (pos < size) {
    const char* nl = static_cast<const char*>(std::memchr(data.data() + pos, '\n', size - pos));
    const bool complete = nl != nullptr;
    const size_t end = complete ? static_cast<size_t>(nl - data.data()) : size;
    const size_t len = end - pos;
    const size_t next = complete ? end + 1 : size;
    if (next == covered) boundary_ok = true;
    if (!(complete && IsBlank(data.data() + pos, len))) {
      ParsedLine parsed;
      const Status st = ParseLine(parser, data.data() + pos, len, &parsed);
      if (!st.ok()) {
        data_problems.Add(" line " + std::to_string(line_no),
                          complete ? st.message() : "torn last line (no newline): " + st.message());
      } else if (pos < covered) {
        if (parsed.tombstone) {
          live.Remove(parsed.id);
        } else {
          live.Put(parsed.id, LineRef{pos, static_cast<uint32_t>(len + 1)});
        }
      }
    }
    pos = next;
    ++line_no;
  }
  if (!index_ok) return;
  if (!boundary_ok)
    index_problems.Add(
        "", "covers " + std::to_string(covered) + " bytes of data.jsonl, which is not a line boundary");

  // An index with the zds trailer lists exactly the live documents. One
  // without it (another tool's) may leave out ids that tool deleted, and may
  // point at an older line of the same id (FORMAT.md "Opening and recovery",
  // 5c); its entries must still name live ids and whole lines of them.
  absl::flat_hash_set<std::string_view> listed;
  for (const IndexFileEntry& e : decoded.entries) {
    const std::string id = Printable(e.id);
    if (!listed.insert(e.id).second) {
      index_problems.Add("", "lists '" + id + "' twice");
      continue;
    }
    LineRef ref;
    if (!live.Find(e.id, &ref)) {
      index_problems.Add("", "lists '" + id + "' at offset " + std::to_string(e.ref.offset) +
                                 ", which is not a live document of data.jsonl");
      continue;
    }
    if (ref.offset == e.ref.offset && ref.length == e.ref.length) continue;
    bool acceptable = false;
    if (!decoded.has_trailer && e.ref.offset < size && e.ref.length <= size - e.ref.offset &&
        data[e.ref.offset + e.ref.length - 1] == '\n' &&
        (e.ref.offset == 0 || data[e.ref.offset - 1] == '\n')) {
      ParsedLine parsed;
      acceptable = ParseLine(parser, data.data() + e.ref.offset, e.ref.length - 1, &parsed).ok() &&
                   parsed.id == e.id && !parsed.tombstone;
    }
    if (!acceptable)
      index_problems.Add("", "points '" + id + "' at offset " + std::to_string(e.ref.offset) + " (length " +
                                 std::to_string(e.ref.length) + "), but its latest line is at offset " +
                                 std::to_string(ref.offset) + " (length " + std::to_string(ref.length) + ")");
  }
  if (decoded.has_trailer) {
    live.ForEach([&](std::string_view id, LineRef ref) {
      if (!listed.contains(id))
        index_problems.Add("", "does not list '" + Printable(id) + "' (its line is at offset " +
                                   std::to_string(ref.offset) + ")");
    });
  }
}

Status VerifyFolder(FileSystem* fs, const std::string& root, std::vector<Problem>* out) {
  const std::string collections = JoinPath(root, format::kCollectionsDir);
  FileInfo info;
  ZDS_RETURN_IF_ERROR(fs->Stat(collections, &info));
  if (!info.exists || !info.is_dir) {
    out->push_back({format::kCollectionsDir, "missing: '" + root + "' is not a zds store"});
    return Status::Ok();
  }
  std::vector<std::string> names;
  ZDS_RETURN_IF_ERROR(fs->ListDir(collections, &names));
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (!IsValidName(name)) continue;  // not a collection (FORMAT.md "Collections")
    const std::string meta = JoinPath(JoinPath(collections, name), format::kMetaDir);
    const std::string dir = std::string(format::kCollectionsDir) + "/" + name + "/" + format::kMetaDir + "/";
    const std::string data_path = JoinPath(meta, format::kDataFile);
    ZDS_RETURN_IF_ERROR(fs->Stat(data_path, &info));
    if (!info.exists) continue;  // empty or docs-mode collection: nothing to check
    std::string data;
    Status st = fs->ReadAll(data_path, &data);
    if (!st.ok()) {
      out->push_back({dir + format::kDataFile, "cannot be read: " + st.message()});
      continue;
    }
    const std::string index_path = JoinPath(meta, format::kIndexFile);
    ZDS_RETURN_IF_ERROR(fs->Stat(index_path, &info));
    std::string index;
    bool has_index = info.exists;
    if (has_index) {
      st = fs->ReadAll(index_path, &index);
      if (!st.ok()) {
        out->push_back({dir + format::kIndexFile, "cannot be read: " + st.message()});
        has_index = false;
      }
    }
    VerifyCollection(dir, std::move(data), has_index ? &index : nullptr, out);
  }
  return Status::Ok();
}

struct ArchiveCollection {
  bool data_ok = false;
  bool index_ok = false;
  std::string data;
  std::string index;
};

Status VerifyArchive(FileSystem* fs, const std::string& path, std::vector<Problem>* out) {
  ZipPtr za;
  // ZIP_CHECKCONS compares each local header with the central directory;
  // when only that fails, the archive is still read (and the reason shown).
  Status st = OpenZip(fs, path, ZIP_RDONLY | ZIP_CHECKCONS, &za);
  if (!st.ok()) {
    if (st.code() != Code::kBadArchive) return st;
    const Status loose = OpenZip(fs, path, ZIP_RDONLY, &za);
    if (!loose.ok()) return loose;
    out->push_back({"archive", st.message()});
  }
  const zip_int64_t n = zip_get_num_entries(za.get(), 0);
  std::vector<std::string> raw;
  st = ReadCentralNames(fs, path, &raw);
  if (!st.ok()) out->push_back({"archive", st.message()});
  std::map<std::string, ArchiveCollection> collections;
  std::vector<char> buffer(kCopyBufferSize);
  std::set<std::string> names_seen;
  for (zip_int64_t k = 0; k < n; ++k) {
    const zip_uint64_t i = static_cast<zip_uint64_t>(k);
    const char* name_c = zip_get_name(za.get(), i, ZIP_FL_ENC_GUESS);
    const std::string name = name_c ? name_c : "#" + std::to_string(i);
    const std::string where = "entry '" + Printable(name) + "'";
    // What Unpack would refuse, so that a clean verify means it unpacks.
    std::string rel;
    bool is_dir = false;
    std::string why = UnsafeName(static_cast<size_t>(k) < raw.size() ? raw[i] : name, &rel, &is_dir);
    if (why.empty() && !rel.empty() && !names_seen.insert(rel).second)
      why = "repeats the name of another entry";
    if (!why.empty()) out->push_back({where, why});
    zip_stat_t zst;
    if (zip_stat_index(za.get(), i, 0, &zst) != 0) {
      out->push_back({where, std::string("cannot be read: ") + zip_strerror(za.get())});
      continue;
    }
    std::string coll;
    std::string file;
    ArchiveCollection* keep = nullptr;
    std::string* bytes = nullptr;
    if (CollectionFile(name, &coll, &file)) {
      keep = &collections[coll];
      bytes = file == format::kDataFile ? &keep->data : &keep->index;
    }
    // Every entry is read to its end, where libzip checks the CRC-32.
    ZipFilePtr zf(zip_fopen_index(za.get(), i, 0));
    if (!zf) {
      out->push_back({where, std::string("cannot be read: ") + zip_strerror(za.get())});
      continue;
    }
    uint64_t got = 0;
    bool ok = true;
    for (;;) {
      const zip_int64_t r = zip_fread(zf.get(), buffer.data(), buffer.size());
      if (r < 0) {
        const int code = zip_error_code_zip(zip_file_get_error(zf.get()));
        out->push_back({where, code == ZIP_ER_CRC
                                   ? std::string("CRC-32 mismatch: the entry's data is damaged")
                                   : std::string("cannot be read: ") + zip_file_strerror(zf.get())});
        ok = false;
        break;
      }
      if (r == 0) break;
      got += static_cast<uint64_t>(r);
      // Kept bytes never outgrow the declared size: a lying entry stops here.
      if (got > zst.size) {
        out->push_back({where, "inflates to more than its declared " + std::to_string(zst.size) + " bytes"});
        ok = false;
        break;
      }
      if (bytes) bytes->append(buffer.data(), static_cast<size_t>(r));
    }
    if (ok && got != zst.size) {
      out->push_back(
          {where, "holds " + std::to_string(got) + " bytes but declares " + std::to_string(zst.size)});
      ok = false;
    }
    if (keep) (file == format::kDataFile ? keep->data_ok : keep->index_ok) = ok;
  }
  for (auto& [name, c] : collections) {
    if (!c.data_ok) continue;  // missing, or damaged (reported above)
    const std::string dir = std::string(format::kCollectionsDir) + "/" + name + "/" + format::kMetaDir + "/";
    VerifyCollection(dir, std::move(c.data), c.index_ok ? &c.index : nullptr, out);
  }
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------- public API

Status PackStore(FileSystem* fs, const std::string& root, const std::string& out, const PackOptions& options,
                 const ArchiveProgressFn& progress, const std::atomic<bool>* cancel) {
  if (options.deflate && (options.level < 1 || options.level > 9))
    return Status(Code::kInvalidArg,
                  "Expected a deflate level from 1 to 9, got " + std::to_string(options.level));
  FileInfo info;
  ZDS_RETURN_IF_ERROR(fs->Stat(root, &info));
  if (!info.exists) return Status(Code::kNotFound, "Store folder '" + root + "' does not exist");
  if (!info.is_dir) return Status(Code::kNotDir, "'" + root + "' is not a folder");
  FileInfo out_info;
  ZDS_RETURN_IF_ERROR(fs->Stat(out, &out_info));
  if (out_info.exists && out_info.is_dir)
    return Status(Code::kInvalidArg, "'" + out + "' is a folder; give the path of the archive file to write");

  std::vector<PackEntry> entries;
  std::vector<std::pair<uint64_t, uint64_t>> open_dirs{{info.device, info.inode}};
  ZDS_RETURN_IF_ERROR(CollectEntries(fs, root, std::string(), out_info, &open_dirs, &entries));
  uint64_t total = 0;
  for (const PackEntry& e : entries) total += e.size;
  ProgressReporter reporter(progress, total, entries.size());
  reporter.Start();
  if (Cancelled(cancel)) return CancelledStatus("Packing");

  TempName tmp(out + ".tmp-" + std::to_string(::getpid()));
  Status st = entries.empty() ? WriteEmptyArchive(fs, tmp.path())
                              : WriteZip(fs, entries, tmp.path(), out, options, &reporter, cancel);
  // libzip does not fsync; the rename publishes the archive only once its
  // bytes are durable, and the directory fsync makes the rename durable.
  if (st.ok()) st = SyncFile(fs, tmp.path());
  if (st.ok()) st = fs->Rename(tmp.path(), out);
  if (st.ok()) st = fs->SyncDir(DirName(out));
  if (!st.ok()) {
    fs->Unlink(tmp.path());
    return st;
  }
  reporter.Finish();
  return Status::Ok();
}

Status UnpackStore(FileSystem* fs, const std::string& archive, const std::string& target_arg,
                   const UnpackOptions& options, const ArchiveProgressFn& progress,
                   const std::atomic<bool>* cancel) {
  const std::string target = StripTrailingSlashes(target_arg);
  bool exists = false;
  bool empty = true;
  ZDS_RETURN_IF_ERROR(TargetState(fs, target, &exists, &empty));
  if (exists && !empty && !options.overwrite)
    return Status(Code::kExists, "'" + target + "' exists and is not empty; pass overwrite to replace it");
  if (exists && !empty) {
    // Replacing the target would delete the archive being unpacked.
    std::string archive_real;
    std::string target_real;
    if (fs->RealPath(archive, &archive_real).ok() && fs->RealPath(target, &target_real).ok() &&
        archive_real.compare(0, target_real.size() + 1, target_real + "/") == 0)
      return Status(Code::kInvalidArg,
                    "Archive '" + archive + "' lies inside '" + target + "', which overwrite would replace");
  }

  ZipPtr za;
  int zip_code = 0;
  Status st = OpenZip(fs, archive, ZIP_RDONLY | ZIP_CHECKCONS, &za, &zip_code);
  if (!st.ok()) {
    // libzip refuses two entries of the same name with "File already exists".
    if (zip_code == ZIP_ER_EXISTS) {
      std::vector<std::string> raw;
      std::set<std::string> seen;
      if (ReadCentralNames(fs, archive, &raw).ok()) {
        for (const std::string& name : raw) {
          if (!seen.insert(name).second) return BadEntry(archive, name, "appears twice");
        }
      }
      return BadArchive(archive, "two entries have the same name");
    }
    return st;
  }
  std::vector<PlannedEntry> plan;
  uint64_t declared_total = 0;
  ZDS_RETURN_IF_ERROR(PlanExtraction(fs, archive, za.get(), options, &plan, &declared_total));
  ProgressReporter reporter(progress, declared_total, plan.size());
  reporter.Start();

  TempName tmp(target + ".unpack-" + std::to_string(::getpid()));
  // A folder of this name is the leftover of a crashed unpack by a process
  // that had this pid: nobody else's data.
  RemoveTree(fs, tmp.path());
  Extraction x{fs, archive, za.get(), options, &reporter, cancel, tmp.path(), {}, 0, {}};
  x.buffer.resize(kCopyBufferSize);
  st = fs->MakeDirs(tmp.path());
  for (size_t i = 0; st.ok() && i < plan.size(); ++i) {
    const PlannedEntry& p = plan[i];
    if (Cancelled(cancel)) {
      st = CancelledStatus("Unpacking");
    } else if (p.is_dir) {
      st = EnsureDir(&x, p.rel);
      if (st.ok()) reporter.EntryDone();
    } else {
      const size_t slash = p.rel.rfind('/');
      st = EnsureDir(&x, slash == std::string::npos ? std::string() : p.rel.substr(0, slash));
      if (st.ok()) st = ExtractFile(&x, p);
    }
  }
  // Each file was fsynced; its name is durable once its folder is.
  for (auto it = x.dirs.begin(); st.ok() && it != x.dirs.end(); ++it)
    st = fs->SyncDir(JoinPath(tmp.path(), *it));
  if (st.ok()) st = fs->SyncDir(tmp.path());
  if (st.ok()) st = PlaceTarget(fs, tmp.path(), target, options.overwrite);
  if (!st.ok()) {
    RemoveTree(fs, tmp.path());
    return st;
  }
  reporter.Finish();
  return Status::Ok();
}

Status InspectArchive(FileSystem* fs, const std::string& archive, std::vector<CollectionListing>* out) {
  out->clear();
  ZipPtr za;
  ZDS_RETURN_IF_ERROR(OpenZip(fs, archive, ZIP_RDONLY, &za));
  std::map<std::string, CollectionListing> listing;
  std::map<std::string, zip_uint64_t> indexes;
  const zip_int64_t n = zip_get_num_entries(za.get(), 0);
  for (zip_int64_t k = 0; k < n; ++k) {
    const zip_uint64_t i = static_cast<zip_uint64_t>(k);
    const char* name = zip_get_name(za.get(), i, ZIP_FL_ENC_GUESS);
    std::string coll;
    std::string file;
    if (!name || !CollectionFile(name, &coll, &file)) continue;
    if (file == format::kIndexFile) {
      indexes[coll] = i;
      continue;
    }
    zip_stat_t st;
    if (zip_stat_index(za.get(), i, 0, &st) != 0)
      return BadEntry(archive, name, std::string("cannot be read: ") + zip_strerror(za.get()));
    CollectionListing& c = listing[coll];
    c.name = coll;
    c.data_bytes = st.size;
    c.compressed_bytes = st.comp_size;
    c.data_stored = st.comp_method == ZIP_CM_STORE;
  }
  for (const auto& [coll, i] : indexes) {
    const auto it = listing.find(coll);
    if (it == listing.end()) continue;
    it->second.has_index = true;
    // Only the 16-byte ZDSI header is read: magic, version, count.
    zip_stat_t st;
    ZipFilePtr zf(zip_fopen_index(za.get(), i, 0));
    if (!zf || zip_stat_index(za.get(), i, 0, &st) != 0) continue;
    char header[format::kIndexHeaderSize];
    size_t got = 0;
    while (got < sizeof(header)) {
      const zip_int64_t r = zip_fread(zf.get(), header + got, sizeof(header) - got);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    if (got != sizeof(header) || static_cast<uint32_t>(GetLE(header, 4)) != format::kIndexMagic ||
        static_cast<uint32_t>(GetLE(header + 4, 4)) != format::kIndexVersion)
      continue;
    const uint64_t count = GetLE(header + 8, 8);
    // The bound DecodeIndex applies: each entry takes at least 15 bytes.
    if (count > (st.size - format::kIndexHeaderSize) / (format::kIndexEntryFixedSize + 1)) continue;
    it->second.documents = static_cast<int64_t>(count);
  }
  for (auto& [name, c] : listing) out->push_back(std::move(c));
  return Status::Ok();
}

Status VerifyStore(FileSystem* fs, const std::string& path, std::vector<Problem>* out) {
  out->clear();
  if (LooksLikeArchive(fs, path)) return VerifyArchive(fs, path, out);
  FileInfo info;
  ZDS_RETURN_IF_ERROR(fs->Stat(path, &info));
  if (!info.exists) return Status(Code::kNotFound, "'" + path + "' does not exist");
  if (!info.is_dir)
    return Status(Code::kNotDir, "'" + path + "' is neither a store folder nor a .zds archive");
  return VerifyFolder(fs, path, out);
}

bool LooksLikeArchive(FileSystem* fs, const std::string& path) {
  FileInfo info;
  if (!fs->Stat(path, &info).ok() || !info.exists || info.is_dir || info.size < 4) return false;
  int fd = -1;
  if (!fs->Open(path, OpenMode::kRead, &fd).ok()) return false;
  ScopedFd guard(fs, fd);
  char magic[4];
  size_t got = 0;
  if (!fs->PRead(fd, magic, sizeof(magic), 0, &got).ok() || got != sizeof(magic)) return false;
  return std::memcmp(magic, "PK\x03\x04", 4) == 0 || std::memcmp(magic, "PK\x05\x06", 4) == 0;
}

}  // namespace zds
