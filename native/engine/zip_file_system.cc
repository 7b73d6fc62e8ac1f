#include "engine/zip_file_system.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <new>

namespace zds {

namespace {

// Compressed bytes read per step while inflating.
constexpr size_t kInflateChunk = 256 << 10;
// Deflate cannot expand a stream more than about 1032 times; an entry that
// claims more is lying, and believing it would allocate its claim.
constexpr uint64_t kMaxDeflateRatio = 1032;

// Lexical normalisation: no symlinks exist inside an archive, so "." and
// ".." segments and repeated slashes can be resolved on the string alone.
std::string NormalizePath(const std::string& path) {
  const bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string_view> segs;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    const std::string_view seg(path.data() + pos, slash - pos);
    if (seg == "..") {
      if (!segs.empty() && segs.back() != "..") {
        segs.pop_back();
      } else if (!absolute) {
        segs.push_back(seg);
      }
    } else if (!seg.empty() && seg != ".") {
      segs.push_back(seg);
    }
    pos = slash + 1;
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < segs.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segs[i]);
  }
  if (out.empty()) out = ".";
  return out;
}

std::string BaseName(const std::string& rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos ? rel : rel.substr(slash + 1);
}

std::string Parent(const std::string& rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

// zlib's crc32 takes a uInt length: large buffers go in pieces.
uint32_t Crc32(const char* data, uint64_t len) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (len > 0) {
    const uInt step = static_cast<uInt>(std::min<uint64_t>(len, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), step);
    data += step;
    len -= step;
  }
  return static_cast<uint32_t>(crc);
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

}  // namespace

struct ZipFileSystem::Stream {
  Stream() { std::memset(&zs, 0, sizeof(zs)); }
  ~Stream() {
    if (started) inflateEnd(&zs);
  }
  z_stream zs;
  bool started = false;
  bool ended = false;
  std::vector<char> in = std::vector<char>(kInflateChunk);
  uint64_t in_pos = 0;   // compressed bytes fed to zlib
  uint64_t out_pos = 0;  // inflated bytes produced so far
  uint32_t crc = 0;      // of the bytes produced so far
};

Status ZipFileSystem::Open(FileSystem* base, const std::string& archive_path, const std::string& mount_path,
                           std::unique_ptr<ZipFileSystem>* out) {
  if (mount_path.empty()) return Status(Code::kInvalidArg, "The mount path of an archive is empty");
  int fd = -1;
  ZDS_RETURN_IF_ERROR(base->Open(archive_path, OpenMode::kRead, &fd));
  // Owns fd from here on: every failure below closes it.
  std::unique_ptr<ZipFileSystem> fs(new ZipFileSystem(base, archive_path, NormalizePath(mount_path), fd));
  FileInfo info;
  ZDS_RETURN_IF_ERROR(base->StatFd(fd, &info));
  if (info.is_dir) return Status(Code::kBadArchive, "'" + archive_path + "' is a directory, not an archive");
  fs->device_ = info.device;
  ZDS_RETURN_IF_ERROR(ZipDirectory::Read(base, fd, archive_path, &fs->dir_));
  if (fs->dir_.entries().size() > static_cast<size_t>(INT_MAX - kFirstFd))
    return Status(Code::kBadArchive, "The archive '" + archive_path + "' has too many entries");
  for (const ZipEntry& e : fs->dir_.entries()) {
    // Unpacking refuses links too: their target is outside what the archive vouches for.
    if (e.is_symlink()) return fs->BadEntry(e, "is a symbolic link, which a store archive cannot hold");
  }
  ZDS_RETURN_IF_ERROR(fs->BuildTree());
  fs->slots_.reset(new Slot[fs->dir_.entries().size()]);

  // Stored entries are mapped with ::mmap on the descriptor, which is only
  // right when `base` hands out real descriptors of this very file (not, say,
  // the virtual ones of another ZipFileSystem). Otherwise MapReadOnly fails
  // and the engine falls back to reads.
  struct stat st;
  fs->can_mmap_ = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                  static_cast<uint64_t>(st.st_ino) == info.inode &&
                  static_cast<uint64_t>(st.st_dev) == info.device &&
                  static_cast<uint64_t>(st.st_size) == fs->dir_.archive_size();
  const long page = ::sysconf(_SC_PAGESIZE);
  if (page > 0) fs->page_size_ = static_cast<size_t>(page);
  *out = std::move(fs);
  return Status::Ok();
}

ZipFileSystem::~ZipFileSystem() {
  // Mappings still out belong to callers that outlived the file system (a
  // bug); unmapping here at least does not leak the address space.
  for (auto& m : maps_) ::munmap(m.second.base, m.second.length);
  base_->Close(archive_fd_);
}

Status ZipFileSystem::BuildTree() {
  const std::vector<ZipEntry>& entries = dir_.entries();
  nodes_[""].is_dir = true;
  auto add = [this](const std::string& rel, bool is_dir, size_t entry) -> Status {
    auto it = nodes_.find(rel);
    if (it != nodes_.end()) {
      // Names are unique (ZipDirectory checks), so only a directory implied
      // by a path and an explicit "dir/" entry can meet here, which is fine.
      if (it->second.is_dir && is_dir) return Status::Ok();
      return Status(Code::kBadArchive,
                    "The archive '" + archive_path_ + "' holds '" + rel + "' as both a file and a directory");
    }
    Node& node = nodes_[rel];
    node.is_dir = is_dir;
    node.entry = entry;
    nodes_[Parent(rel)].children.push_back(BaseName(rel));
    return Status::Ok();
  };
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string rel = entries[i].name;
    if (entries[i].is_dir()) rel.pop_back();
    // Parents first, top down, so every node's parent exists when it is added.
    for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
      ZDS_RETURN_IF_ERROR(add(rel.substr(0, slash), true, 0));
    }
    ZDS_RETURN_IF_ERROR(add(rel, entries[i].is_dir(), i));
  }
  // Inodes: stable for a given archive. Files take their entry's index + 1,
  // directories the numbers after, in path order.
  std::vector<std::string> dirs;
  for (auto& [rel, node] : nodes_) {
    if (node.is_dir) {
      std::sort(node.children.begin(), node.children.end());
      dirs.push_back(rel);
    } else {
      node.inode = node.entry + 1;
    }
  }
  std::sort(dirs.begin(), dirs.end());
  for (size_t k = 0; k < dirs.size(); ++k) nodes_[dirs[k]].inode = entries.size() + 1 + k;
  return Status::Ok();
}

const ZipFileSystem::Node* ZipFileSystem::Lookup(const std::string& path) const {
  const std::string norm = NormalizePath(path);
  std::string rel;
  if (norm == mount_) {
    rel.clear();
  } else if (mount_ == "/" && norm.size() > 1 && norm[0] == '/') {
    rel = norm.substr(1);
  } else if (norm.size() > mount_.size() && norm.compare(0, mount_.size(), mount_) == 0 &&
             norm[mount_.size()] == '/') {
    rel = norm.substr(mount_.size() + 1);
  } else if (mount_ == "." && norm[0] != '/') {
    rel = norm;
  } else {
    return nullptr;
  }
  auto it = nodes_.find(rel);
  return it == nodes_.end() ? nullptr : &it->second;
}

Status ZipFileSystem::EntryOf(int fd, size_t* index) const {
  const size_t n = dir_.entries().size();
  if (fd < kFirstFd || static_cast<size_t>(fd - kFirstFd) >= n || dir_.entries()[fd - kFirstFd].is_dir())
    return Status(Code::kInvalidArg,
                  "fd " + std::to_string(fd) + " is not a file of the archive '" + archive_path_ + "'");
  *index = static_cast<size_t>(fd - kFirstFd);
  return Status::Ok();
}

Status ZipFileSystem::ReadOnlyError() const {
  return Status(Code::kReadOnly, "The store in '" + archive_path_ + "' is read-only: unpack it to write");
}

Status ZipFileSystem::BadEntry(const ZipEntry& e, const std::string& why) const {
  return Status(Code::kBadArchive, "Entry '" + e.name + "' of the archive '" + archive_path_ + "' " + why);
}

Status ZipFileSystem::Open(const std::string& path, OpenMode mode, int* fd) {
  if (mode != OpenMode::kRead) return ReadOnlyError();
  const Node* node = Lookup(path);
  if (!node) return Status(Code::kNotFound, "'" + path + "' does not exist");
  if (node->is_dir) return Status::FromErrno("open", path, EISDIR);
  const ZipEntry& e = dir_.entries()[node->entry];
  if (e.method == kZipMethodDeflate) {
    if (e.size / kMaxDeflateRatio > e.compressed_size + 1)
      return BadEntry(e, "claims an uncompressed size its compressed data cannot hold");
    if (e.size <= kStreamThreshold) ZDS_RETURN_IF_ERROR(EnsureInflated(node->entry));
  } else if (e.method != kZipMethodStored) {
    return BadEntry(e, "uses compression method " + std::to_string(e.method) +
                           "; only stored (0) and deflate (8) entries can be read");
  }
  *fd = kFirstFd + static_cast<int>(node->entry);
  return Status::Ok();
}

Status ZipFileSystem::EnsureInflated(size_t index) {
  Slot& slot = slots_[index];
  if (slot.inflated.load(std::memory_order_acquire)) return Status::Ok();
  // One mutex for all entries: inflating happens once per entry, and the
  // engine opens a collection's few files one after another anyway.
  std::lock_guard<std::mutex> lock(inflate_mu_);
  if (slot.inflated.load(std::memory_order_acquire)) return Status::Ok();
  std::unique_ptr<char[]> buffer;
  ZDS_RETURN_IF_ERROR(Inflate(dir_.entries()[index], &buffer));
  slot.buffer = std::move(buffer);
  slot.inflated.store(slot.buffer.get(), std::memory_order_release);
  return Status::Ok();
}

Status ZipFileSystem::Inflate(const ZipEntry& e, std::unique_ptr<char[]>* out) {
  if (e.size / kMaxDeflateRatio > e.compressed_size + 1 || e.size >= SIZE_MAX)
    return BadEntry(e, "claims an uncompressed size its compressed data cannot hold");
  // One spare byte: output that reaches it proves the stream is longer than
  // the directory says.
  const size_t cap = static_cast<size_t>(e.size) + 1;
  std::unique_ptr<char[]> buf(new (std::nothrow) char[cap]);
  if (!buf)
    return Status(Code::kIo, "Out of memory inflating entry '" + e.name + "' (" + std::to_string(e.size) +
                                 " bytes) of the archive '" + archive_path_ + "'");
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return Status(Code::kIo, "zlib could not start inflating");
  std::unique_ptr<z_stream, int (*)(z_stream*)> end_guard(&zs, inflateEnd);
  std::vector<char> in(kInflateChunk);
  uint64_t in_pos = 0;
  size_t produced = 0;
  zs.next_out = reinterpret_cast<Bytef*>(buf.get());
  bool ended = false;
  while (!ended) {
    if (zs.avail_in == 0) {
      if (in_pos >= e.compressed_size) break;
      const size_t want = static_cast<size_t>(std::min<uint64_t>(kInflateChunk, e.compressed_size - in_pos));
      size_t got = 0;
      ZDS_RETURN_IF_ERROR(base_->PRead(archive_fd_, in.data(), want, e.data_offset + in_pos, &got));
      if (got < want) return BadEntry(e, "is cut short: the archive shrank while open");
      in_pos += want;
      zs.next_in = reinterpret_cast<Bytef*>(in.data());
      zs.avail_in = static_cast<uInt>(want);
    }
    if (zs.avail_out == 0) {
      if (produced == cap)
        return BadEntry(e, "inflates to more than its size of " + std::to_string(e.size) + " bytes");
      zs.avail_out = static_cast<uInt>(std::min<size_t>(cap - produced, UINT_MAX));
    }
    const uInt before = zs.avail_out;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (rc == Z_STREAM_END) {
      ended = true;
    } else if (rc == Z_MEM_ERROR) {
      return Status(Code::kIo, "Out of memory inflating entry '" + e.name + "'");
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return BadEntry(e,
                      "holds invalid deflate data" + std::string(zs.msg ? std::string(": ") + zs.msg : ""));
    }
  }
  if (!ended) return BadEntry(e, "ends in the middle of its deflate stream");
  if (produced != e.size)
    return BadEntry(e, "inflates to " + std::to_string(produced) + " bytes, not the " +
                           std::to_string(e.size) + " its directory entry says");
  const uint32_t crc = Crc32(buf.get(), produced);
  if (crc != e.crc32)
    return BadEntry(e, "fails its CRC-32 check (" + Hex32(crc) + ", expected " + Hex32(e.crc32) + ")");
  *out = std::move(buf);
  return Status::Ok();
}

ZipFileSystem::Slot::Slot() = default;
ZipFileSystem::Slot::~Slot() = default;

bool ZipFileSystem::HeldInMemory(std::string_view name) const {
  for (size_t i = 0; i < dir_.entries().size(); ++i) {
    if (dir_.entries()[i].name == name) return slots_[i].inflated.load(std::memory_order_acquire) != nullptr;
  }
  return false;
}

Status ZipFileSystem::ReadStreamed(size_t index, char* buf, size_t n, uint64_t offset, bool* done) {
  const ZipEntry& e = dir_.entries()[index];
  Slot& slot = slots_[index];
  std::lock_guard<std::mutex> lock(slot.stream_mu);
  *done = false;
  if (!slot.stream) slot.stream = std::make_unique<Stream>();
  Stream* st = slot.stream.get();
  if (offset < st->out_pos) {
    // Back to the start is a new scan: stream again. Anywhere else is
    // random access, served by inflating the entry whole once.
    if (offset != 0) return Status::Ok();
    slot.stream = std::make_unique<Stream>();
    st = slot.stream.get();
  }
  if (!st->started) {
    if (inflateInit2(&st->zs, -MAX_WBITS) != Z_OK) return Status(Code::kIo, "zlib could not start inflating");
    st->started = true;
  }
  // Bytes before `offset` are inflated into `skip` and dropped; then the
  // read's own bytes go straight into `buf`.
  std::vector<char> skip;
  uint64_t target_end = offset + n;
  while (st->out_pos < target_end) {
    if (st->ended) return BadEntry(e, "ends before its size of " + std::to_string(e.size) + " bytes");
    if (st->zs.avail_in == 0) {
      if (st->in_pos >= e.compressed_size) return BadEntry(e, "ends in the middle of its deflate stream");
      const size_t want =
          static_cast<size_t>(std::min<uint64_t>(kInflateChunk, e.compressed_size - st->in_pos));
      size_t got = 0;
      ZDS_RETURN_IF_ERROR(base_->PRead(archive_fd_, st->in.data(), want, e.data_offset + st->in_pos, &got));
      if (got < want) return BadEntry(e, "is cut short: the archive shrank while open");
      st->in_pos += want;
      st->zs.next_in = reinterpret_cast<Bytef*>(st->in.data());
      st->zs.avail_in = static_cast<uInt>(want);
    }
    char* out;
    size_t room;
    if (st->out_pos < offset) {
      if (skip.empty()) skip.resize(kInflateChunk);
      out = skip.data();
      room = static_cast<size_t>(std::min<uint64_t>(skip.size(), offset - st->out_pos));
    } else {
      out = buf + (st->out_pos - offset);
      room = static_cast<size_t>(target_end - st->out_pos);
    }
    st->zs.next_out = reinterpret_cast<Bytef*>(out);
    st->zs.avail_out = static_cast<uInt>(std::min<size_t>(room, UINT_MAX));
    const uInt before = st->zs.avail_out;
    const int rc = inflate(&st->zs, Z_NO_FLUSH);
    const size_t produced = before - st->zs.avail_out;
    st->crc = static_cast<uint32_t>(
        crc32(st->crc, reinterpret_cast<const Bytef*>(out), static_cast<uInt>(produced)));
    st->out_pos += produced;
    if (rc == Z_STREAM_END) {
      st->ended = true;
    } else if (rc == Z_MEM_ERROR) {
      return Status(Code::kIo, "Out of memory inflating entry '" + e.name + "'");
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return BadEntry(
          e, "holds invalid deflate data" + std::string(st->zs.msg ? std::string(": ") + st->zs.msg : ""));
    }
  }
  if (st->out_pos > e.size)
    return BadEntry(e, "inflates to more than its size of " + std::to_string(e.size) + " bytes");
  if (st->out_pos == e.size && st->crc != e.crc32)
    return BadEntry(e, "fails its CRC-32 check (" + Hex32(st->crc) + ", expected " + Hex32(e.crc32) + ")");
  *done = true;
  return Status::Ok();
}

Status ZipFileSystem::PRead(int fd, void* buf, size_t len, uint64_t offset, size_t* got) {
  *got = 0;
  size_t index = 0;
  ZDS_RETURN_IF_ERROR(EntryOf(fd, &index));
  const ZipEntry& e = dir_.entries()[index];
  if (offset >= e.size || len == 0) return Status::Ok();
  const size_t n = static_cast<size_t>(std::min<uint64_t>(len, e.size - offset));
  Slot& slot = slots_[index];
  if (e.method == kZipMethodDeflate) {
    const char* data = slot.inflated.load(std::memory_order_acquire);
    if (!data) {
      bool done = false;
      ZDS_RETURN_IF_ERROR(ReadStreamed(index, static_cast<char*>(buf), n, offset, &done));
      if (done) {
        *got = n;
        return Status::Ok();
      }
      ZDS_RETURN_IF_ERROR(EnsureInflated(index));
      data = slot.inflated.load(std::memory_order_acquire);
    }
    std::memcpy(buf, data + offset, n);
    *got = n;
    return Status::Ok();
  }
  if (e.method != kZipMethodStored)
    return Status(Code::kInvalidArg, "fd " + std::to_string(fd) + " was not opened");
  size_t r = 0;
  Status st = base_->PRead(archive_fd_, buf, n, e.data_offset + offset, &r);
  *got = r;
  ZDS_RETURN_IF_ERROR(st);
  if (r < n) return BadEntry(e, "is cut short: the archive shrank while open");
  // Stored entries have their CRC-32 checked the first time one read covers
  // the whole entry, which is what ReadAll and a full ReadRange do (the
  // manifest, and data.jsonl when its first scan chunk holds it all): it
  // costs no extra I/O. Entries only mapped or read piecewise (index.bin,
  // large data.jsonl) are not checked here; the engine validates index.bin
  // by its own CRC and every line of data.jsonl as JSON.
  if (offset == 0 && n == e.size && !slot.crc_checked.load(std::memory_order_relaxed)) {
    const uint32_t crc = Crc32(static_cast<const char*>(buf), n);
    if (crc != e.crc32)
      return BadEntry(e, "fails its CRC-32 check (" + Hex32(crc) + ", expected " + Hex32(e.crc32) + ")");
    slot.crc_checked.store(true, std::memory_order_relaxed);
  }
  return Status::Ok();
}

Status ZipFileSystem::MapReadOnly(int fd, size_t len, const char** addr) {
  size_t index = 0;
  ZDS_RETURN_IF_ERROR(EntryOf(fd, &index));
  const ZipEntry& e = dir_.entries()[index];
  // Past the entry's end lie other entries' bytes, not a SIGBUS as with a
  // real file: refused.
  if (len == 0 || len > e.size)
    return Status(Code::kInvalidArg, "Cannot map " + std::to_string(len) + " bytes of '" + e.name + "' (" +
                                         std::to_string(e.size) + " bytes)");
  if (e.method == kZipMethodDeflate) {
    // A streamed entry has no bytes to map until something reads it out of
    // order: refusing sends the engine to PRead, so scans stream.
    const char* data = slots_[index].inflated.load(std::memory_order_acquire);
    if (!data) return Status(Code::kInvalidArg, "'" + e.name + "' is streamed, not held in memory: read it");
    *addr = data;  // Unmap finds no mapping for it and does nothing
    return Status::Ok();
  }
  if (!can_mmap_) return Status(Code::kIo, "The archive '" + archive_path_ + "' cannot be memory-mapped");
  // mmap offsets must be page-aligned: map from the page holding the data's
  // first byte and hand out the address of that byte.
  const uint64_t aligned = e.data_offset - e.data_offset % page_size_;
  const size_t delta = static_cast<size_t>(e.data_offset - aligned);
  const size_t length = len + delta;
  void* p = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, archive_fd_, static_cast<off_t>(aligned));
  if (p == MAP_FAILED) return Status::FromErrno("mmap", archive_path_, errno);
  const char* user = static_cast<const char*>(p) + delta;
  {
    std::lock_guard<std::mutex> lock(maps_mu_);
    maps_[user] = ArchiveMap{p, length};
  }
  *addr = user;
  return Status::Ok();
}

void ZipFileSystem::Unmap(const char* addr, size_t len) {
  ArchiveMap m{nullptr, 0};
  {
    std::lock_guard<std::mutex> lock(maps_mu_);
    auto it = maps_.find(addr);
    if (it == maps_.end()) return;  // an inflated buffer: owned by its slot
    m = it->second;
    maps_.erase(it);
  }
  ::munmap(m.base, m.length);
}

Status ZipFileSystem::Size(int fd, uint64_t* size) {
  size_t index = 0;
  ZDS_RETURN_IF_ERROR(EntryOf(fd, &index));
  *size = dir_.entries()[index].size;
  return Status::Ok();
}

Status ZipFileSystem::StatFd(int fd, FileInfo* info) {
  size_t index = 0;
  ZDS_RETURN_IF_ERROR(EntryOf(fd, &index));
  *info = FileInfo();
  info->exists = true;
  info->size = dir_.entries()[index].size;
  info->inode = index + 1;
  info->device = device_;
  return Status::Ok();
}

Status ZipFileSystem::Stat(const std::string& path, FileInfo* info) {
  // Like the POSIX one: a missing path is not an error, just !exists.
  *info = FileInfo();
  const Node* node = Lookup(path);
  if (!node) return Status::Ok();
  info->exists = true;
  info->is_dir = node->is_dir;
  info->size = node->is_dir ? 0 : dir_.entries()[node->entry].size;
  info->inode = node->inode;
  info->device = device_;
  return Status::Ok();
}

Status ZipFileSystem::ListDir(const std::string& path, std::vector<std::string>* names) {
  names->clear();
  const Node* node = Lookup(path);
  if (!node) return Status::Ok();  // as the POSIX one does for a missing folder
  if (!node->is_dir) return Status::FromErrno("list directory", path, ENOTDIR);
  *names = node->children;
  return Status::Ok();
}

Status ZipFileSystem::RealPath(const std::string& path, std::string* out) {
  if (!Lookup(path))
    return Status(Code::kNotFound, "'" + path + "' does not exist in '" + archive_path_ + "'");
  *out = NormalizePath(path);
  return Status::Ok();
}

Status ZipFileSystem::PWrite(int fd, const void* buf, size_t len, uint64_t offset, size_t* written) {
  *written = 0;
  return ReadOnlyError();
}
Status ZipFileSystem::Sync(int fd) { return ReadOnlyError(); }
Status ZipFileSystem::Truncate(int fd, uint64_t size) { return ReadOnlyError(); }
Status ZipFileSystem::Rename(const std::string& from, const std::string& to) { return ReadOnlyError(); }
Status ZipFileSystem::Unlink(const std::string& path) { return ReadOnlyError(); }
Status ZipFileSystem::MakeDir(const std::string& path) { return ReadOnlyError(); }
Status ZipFileSystem::SyncDir(const std::string& path) { return ReadOnlyError(); }
Status ZipFileSystem::TryLock(int fd, const std::string& path) { return ReadOnlyError(); }

}  // namespace zds
