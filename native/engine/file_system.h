// FileSystem: every byte the engine reads or writes goes through this small
// interface, so tests can swap in a fault-injecting implementation (EIO,
// ENOSPC, short writes, failing fsync) without touching the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/status.h"

namespace zds {

enum class OpenMode {
  kRead,         // O_RDONLY
  kReadWrite,    // O_RDWR | O_CREAT
  kCreateTrunc,  // O_RDWR | O_CREAT | O_TRUNC (temp files)
};

struct FileInfo {
  bool exists = false;
  bool is_dir = false;
  uint64_t size = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Status Open(const std::string& path, OpenMode mode, int* fd) = 0;
  virtual void Close(int fd) = 0;
  // Reads up to len bytes at offset; *got < len only at end of file.
  virtual Status PRead(int fd, void* buf, size_t len, uint64_t offset, size_t* got) = 0;
  // Writes all len bytes at offset. On failure *written says how many landed.
  virtual Status PWrite(int fd, const void* buf, size_t len, uint64_t offset, size_t* written) = 0;
  virtual Status Sync(int fd) = 0;  // fdatasync: data and the size that reaches it
  // A hint to start writing [offset, offset+len) back to the device now, so
  // the Sync() that follows has less to wait for. Never blocks on the I/O
  // and never fails: durability still comes only from Sync().
  virtual void StartWriteback(int fd, uint64_t offset, uint64_t len) {}
  // Maps [0, len) of a file read-only. Readers of the mapping must stay
  // inside data the engine has written (FORMAT.md "Durability" says what a
  // truncation by another program does to a mapped reader).
  virtual Status MapReadOnly(int fd, size_t len, const char** addr) = 0;
  virtual void Unmap(const char* addr, size_t len) = 0;
  virtual Status Truncate(int fd, uint64_t size) = 0;
  virtual Status Size(int fd, uint64_t* size) = 0;
  virtual Status Stat(const std::string& path, FileInfo* info) = 0;
  virtual Status StatFd(int fd, FileInfo* info) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Unlink(const std::string& path) = 0;
  virtual Status MakeDir(const std::string& path) = 0;  // ok if it already exists
  virtual Status SyncDir(const std::string& path) = 0;
  virtual Status ListDir(const std::string& path, std::vector<std::string>* names) = 0;
  // Non-blocking exclusive advisory lock (flock); kLocked when held elsewhere.
  virtual Status TryLock(int fd, const std::string& path) = 0;
  virtual Status RealPath(const std::string& path, std::string* out) = 0;

  // Convenience built on the primitives above.
  Status ReadAll(const std::string& path, std::string* out);
  Status ReadRange(int fd, uint64_t offset, size_t len, std::string* out);
  // Write a whole file durably and atomically: temp file, fsync, rename,
  // fsync of the directory.
  Status WriteFileAtomic(const std::string& path, const std::string& data);
  // Creates path and every missing parent, fsyncing each parent that gained an entry.
  Status MakeDirs(const std::string& path);
};

// The process-wide POSIX implementation.
FileSystem* DefaultFileSystem();

std::string DirName(const std::string& path);
std::string JoinPath(const std::string& a, const std::string& b);

// A read-only mapping of the first `size` bytes of a file; shared so a get
// can finish with it while a compaction or growth replaces it.
class Mapping {
 public:
  Mapping(FileSystem* fs, const char* addr, size_t size) : fs_(fs), addr_(addr), size_(size) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (addr_) fs_->Unmap(addr_, size_);
  }
  const char* data() const { return addr_; }
  size_t size() const { return size_; }

 private:
  FileSystem* fs_;
  const char* addr_;
  size_t size_;
};

// RAII owner of a descriptor opened through a FileSystem.
class ScopedFd {
 public:
  ScopedFd() = default;
  ScopedFd(FileSystem* fs, int fd) : fs_(fs), fd_(fd) {}
  ScopedFd(ScopedFd&& o) noexcept : fs_(o.fs_), fd_(o.fd_) { o.fd_ = -1; }
  ScopedFd& operator=(ScopedFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fs_ = o.fs_;
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() { Reset(); }
  void Reset() {
    if (fd_ >= 0 && fs_) fs_->Close(fd_);
    fd_ = -1;
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  FileSystem* fs_ = nullptr;
  int fd_ = -1;
};

}  // namespace zds
