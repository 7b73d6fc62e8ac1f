// FaultyFileSystem: a zds::FileSystem that delegates to the real POSIX one
// (zds::DefaultFileSystem()) and can be told to fail chosen calls: the Nth
// PWrite with EIO or ENOSPC, a short PWrite (k bytes land, then ENOSPC), a
// failing Sync (fdatasync), Rename, SyncDir or Truncate. It also records every
// call so tests can assert how many syscalls an operation made ("no fsync per
// document").
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/file_system.h"

namespace zds_test {

enum class Op {
  kOpen,
  kClose,
  kPRead,
  kPWrite,
  kSync,
  kTruncate,
  kSize,
  kStat,
  kStatFd,
  kRename,
  kUnlink,
  kMakeDir,
  kSyncDir,
  kListDir,
  kTryLock,
  kRealPath,
};

const char* OpName(Op op);

// One injected failure rule. A call matches when its operation is `op` and,
// if `path_contains` is set, the path it acts on contains that text (for
// descriptor calls, the path the descriptor was opened with; for Rename,
// either side).
struct Fault {
  Op op = Op::kPWrite;
  int err = EIO;
  std::string path_contains;
  uint64_t skip = 0;  // matching calls that succeed before the first failure
  int64_t times = 1;  // failures to inject; -1 = every matching call from then on
  // PWrite only: this many bytes really land before the error (a short
  // write); SIZE_MAX = none. Clamped to the write's length.
  size_t short_bytes = SIZE_MAX;
};

struct CallRecord {
  Op op;
  std::string path;
  uint64_t bytes;                             // PRead/PWrite: bytes requested; Truncate: the new size
  zds::OpenMode mode = zds::OpenMode::kRead;  // Open only
};

class FaultyFileSystem final : public zds::FileSystem {
 public:
  explicit FaultyFileSystem(zds::FileSystem* base = zds::DefaultFileSystem()) : base_(base) {}

  // ---- Switches ----
  void Inject(const Fault& f);
  // The nth (1-based, counted from now) matching PWrite fails with err.
  void FailNthPWrite(uint64_t n, int err = EIO, const std::string& path_contains = "");
  // The next matching PWrite writes only k bytes, then fails with err.
  void ShortPWrite(size_t k, int err = ENOSPC, const std::string& path_contains = "");
  void FailSync(int err = EIO, const std::string& path_contains = "", int64_t times = 1);
  void FailRename(int err = EIO, const std::string& path_contains = "", int64_t times = 1);
  void FailSyncDir(int err = EIO, const std::string& path_contains = "", int64_t times = 1);
  void FailTruncate(int err = EIO, const std::string& path_contains = "", int64_t times = 1);
  void ClearFaults();

  // ---- Accounting ----
  // Calls of `op` whose path contains `path_contains` (all when empty).
  uint64_t Count(Op op, std::string_view path_contains = "") const;
  // Sum of the bytes requested by matching PRead/PWrite calls.
  uint64_t Bytes(Op op, std::string_view path_contains = "") const;
  // Calls that change the file system (writes, truncations, syncs, renames,
  // unlinks, mkdirs, locks, and opens other than read-only), one line each.
  std::vector<std::string> MutatingCalls() const;
  uint64_t injected() const;  // failures injected so far
  void ResetCounts();
  std::vector<CallRecord> Calls() const;

  // ---- zds::FileSystem ----
  zds::Status Open(const std::string& path, zds::OpenMode mode, int* fd) override;
  void Close(int fd) override;
  zds::Status PRead(int fd, void* buf, size_t len, uint64_t offset, size_t* got) override;
  zds::Status PWrite(int fd, const void* buf, size_t len, uint64_t offset, size_t* written) override;
  zds::Status Sync(int fd) override;
  zds::Status Truncate(int fd, uint64_t size) override;
  zds::Status Size(int fd, uint64_t* size) override;
  zds::Status Stat(const std::string& path, zds::FileInfo* info) override;
  zds::Status StatFd(int fd, zds::FileInfo* info) override;
  zds::Status Rename(const std::string& from, const std::string& to) override;
  zds::Status Unlink(const std::string& path) override;
  zds::Status MakeDir(const std::string& path) override;
  zds::Status SyncDir(const std::string& path) override;
  zds::Status ListDir(const std::string& path, std::vector<std::string>* names) override;
  zds::Status TryLock(int fd, const std::string& path) override;
  zds::Status RealPath(const std::string& path, std::string* out) override;
  // Mapped reads bypass fault injection: a failing disk shows up in PRead,
  // PWrite and Sync, which the engine uses for everything it must survive.
  zds::Status MapReadOnly(int fd, size_t len, const char** addr) override {
    return base_->MapReadOnly(fd, len, addr);
  }
  void Unmap(const char* addr, size_t len) override { base_->Unmap(addr, len); }

 private:
  // Records the call; returns true (and the rule) when it must fail.
  bool Hit(Op op, const std::string& path, const std::string& path2, uint64_t bytes, Fault* rule);
  std::string PathOf(int fd) const;  // requires mu_
  static zds::Status Injected(Op op, const std::string& path, int err);

  zds::FileSystem* const base_;
  mutable std::mutex mu_;
  std::map<int, std::string> fd_paths_;
  std::vector<Fault> rules_;
  std::vector<CallRecord> calls_;
  uint64_t injected_ = 0;
};

}  // namespace zds_test
