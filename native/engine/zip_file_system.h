// ZipFileSystem: the store folder inside a .zds archive (a ZIP of the folder)
// presented read-only as if it were on disk, so the unchanged engine (Root,
// Collection, Cursor) can open a store straight from the archive.
//
// The archive appears at `mount_path`: the entry "collections/c/meta/data.jsonl"
// is the file "<mount_path>/collections/c/meta/data.jsonl", directories are
// implied by entry names (and by explicit "dir/" entries), and mount_path
// itself is the root directory. Stored entries are read, and memory-mapped,
// straight from the archive. Deflated ones up to kStreamThreshold are
// inflated into memory once, on their first Open; larger ones are streamed:
// reads that move forward (a scan, the engine's tail check) inflate as they
// go, holding only zlib's window, and the first read that goes back (a get,
// or a second reader) or a mapping inflates the entry into memory once.
// Every write, lock and sync is refused with kReadOnly.
//
// Thread-safe: the engine reads from several threads at once. The directory
// is immutable after Open; inflating is serialised by a mutex, and reads of
// an entry once open take no lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/file_system.h"
#include "engine/status.h"
#include "engine/zip_directory.h"

namespace zds {

class ZipFileSystem final : public FileSystem {
 public:
  // Deflated entries larger than this are streamed rather than inflated
  // into memory at Open.
  static constexpr uint64_t kStreamThreshold = 16u << 20;
  // True when the entry `name` is held inflated in memory (for tests).
  bool HeldInMemory(std::string_view name) const;
  // Opens `archive_path` through `base` (kept open until destruction) and
  // reads its central directory. `base` must outlive the result. Fails with
  // kBadArchive when the archive is malformed, holds encrypted or symbolic
  // link entries, or names one path as both a file and a directory.
  static Status Open(FileSystem* base, const std::string& archive_path, const std::string& mount_path,
                     std::unique_ptr<ZipFileSystem>* out);
  ~ZipFileSystem() override;
  ZipFileSystem(const ZipFileSystem&) = delete;
  ZipFileSystem& operator=(const ZipFileSystem&) = delete;

  const std::string& archive_path() const { return archive_path_; }
  const std::string& mount_path() const { return mount_; }  // lexically normalised
  const std::vector<ZipEntry>& entries() const { return dir_.entries(); }
  // The entry named exactly `name` (relative to the archive root, directories
  // with their trailing '/'), or null.
  const ZipEntry* FindEntry(std::string_view name) const { return dir_.Find(name); }

  // FileSystem. Descriptors are virtual (kFirstFd + entry index): passing
  // them to another FileSystem, or another's to this one, is a bug.
  Status Open(const std::string& path, OpenMode mode, int* fd) override;
  void Close(int fd) override {}
  Status PRead(int fd, void* buf, size_t len, uint64_t offset, size_t* got) override;
  Status PWrite(int fd, const void* buf, size_t len, uint64_t offset, size_t* written) override;
  Status Sync(int fd) override;
  void StartWriteback(int fd, uint64_t offset, uint64_t len) override {}
  Status MapReadOnly(int fd, size_t len, const char** addr) override;
  void Unmap(const char* addr, size_t len) override;
  Status Truncate(int fd, uint64_t size) override;
  Status Size(int fd, uint64_t* size) override;
  Status Stat(const std::string& path, FileInfo* info) override;
  Status StatFd(int fd, FileInfo* info) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Unlink(const std::string& path) override;
  Status MakeDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status ListDir(const std::string& path, std::vector<std::string>* names) override;
  Status TryLock(int fd, const std::string& path) override;
  Status RealPath(const std::string& path, std::string* out) override;

  static constexpr int kFirstFd = 1000;

 private:
  // A file or directory of the tree the entries imply, keyed by its path
  // relative to the archive root ("" is the root).
  struct Node {
    bool is_dir = false;
    size_t entry = 0;  // files: index into entries()
    uint64_t inode = 0;
    std::vector<std::string> children;  // directories: sorted names
  };
  // Per-entry state shared by every reader thread.
  // A forward-only inflate of one large deflated entry.
  struct Stream;
  struct Slot {
    // Deflated entries: the inflated bytes, published once complete.
    std::atomic<const char*> inflated{nullptr};
    std::unique_ptr<char[]> buffer;  // owns `inflated`; written under inflate_mu_
    // Large deflated entries until they are inflated whole.
    std::mutex stream_mu;
    std::unique_ptr<Stream> stream;
    Slot();
    ~Slot();  // in the .cc, where Stream is complete
    // Stored entries: the CRC-32 was checked on a whole read.
    std::atomic<bool> crc_checked{false};
  };
  struct ArchiveMap {
    void* base;
    size_t length;
  };

  ZipFileSystem(FileSystem* base, std::string archive_path, std::string mount, int fd)
      : base_(base), archive_path_(std::move(archive_path)), mount_(std::move(mount)), archive_fd_(fd) {}
  Status BuildTree();
  // The node `path` names, or null when it is not inside the archive.
  const Node* Lookup(const std::string& path) const;
  Status EntryOf(int fd, size_t* index) const;
  Status EnsureInflated(size_t index);
  // Serves a read of a large deflated entry from its stream; *done is false
  // when the read goes back and the entry must be inflated whole instead.
  Status ReadStreamed(size_t index, char* buf, size_t n, uint64_t offset, bool* done);
  Status Inflate(const ZipEntry& e, std::unique_ptr<char[]>* out);
  Status ReadOnlyError() const;
  Status BadEntry(const ZipEntry& e, const std::string& why) const;

  FileSystem* const base_;
  const std::string archive_path_;
  const std::string mount_;
  const int archive_fd_;
  bool can_mmap_ = false;  // archive_fd_ is a real descriptor of the archive
  uint64_t device_ = 0;
  size_t page_size_ = 4096;
  ZipDirectory dir_;
  std::unordered_map<std::string, Node> nodes_;
  std::unique_ptr<Slot[]> slots_;

  std::mutex inflate_mu_;
  std::mutex maps_mu_;
  std::unordered_map<const char*, ArchiveMap> maps_;  // returned address -> what to munmap
};

}  // namespace zds
