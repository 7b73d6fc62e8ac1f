#include "fault_fs.h"

#include <algorithm>

namespace zds_test {

const char* OpName(Op op) {
  switch (op) {
    case Op::kOpen:
      return "open";
    case Op::kClose:
      return "close";
    case Op::kPRead:
      return "pread";
    case Op::kPWrite:
      return "pwrite";
    case Op::kSync:
      return "fdatasync";
    case Op::kTruncate:
      return "ftruncate";
    case Op::kSize:
      return "fstat(size)";
    case Op::kStat:
      return "stat";
    case Op::kStatFd:
      return "fstat";
    case Op::kRename:
      return "rename";
    case Op::kUnlink:
      return "unlink";
    case Op::kMakeDir:
      return "mkdir";
    case Op::kSyncDir:
      return "fsync(dir)";
    case Op::kListDir:
      return "readdir";
    case Op::kTryLock:
      return "flock";
    case Op::kRealPath:
      return "realpath";
  }
  return "?";
}

void FaultyFileSystem::Inject(const Fault& f) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back(f);
}

void FaultyFileSystem::FailNthPWrite(uint64_t n, int err, const std::string& path_contains) {
  Fault f;
  f.op = Op::kPWrite;
  f.err = err;
  f.path_contains = path_contains;
  f.skip = n > 0 ? n - 1 : 0;
  Inject(f);
}

void FaultyFileSystem::ShortPWrite(size_t k, int err, const std::string& path_contains) {
  Fault f;
  f.op = Op::kPWrite;
  f.err = err;
  f.path_contains = path_contains;
  f.short_bytes = k;
  Inject(f);
}

void FaultyFileSystem::FailSync(int err, const std::string& path_contains, int64_t times) {
  Fault f;
  f.op = Op::kSync;
  f.err = err;
  f.path_contains = path_contains;
  f.times = times;
  Inject(f);
}

void FaultyFileSystem::FailRename(int err, const std::string& path_contains, int64_t times) {
  Fault f;
  f.op = Op::kRename;
  f.err = err;
  f.path_contains = path_contains;
  f.times = times;
  Inject(f);
}

void FaultyFileSystem::FailSyncDir(int err, const std::string& path_contains, int64_t times) {
  Fault f;
  f.op = Op::kSyncDir;
  f.err = err;
  f.path_contains = path_contains;
  f.times = times;
  Inject(f);
}

void FaultyFileSystem::FailTruncate(int err, const std::string& path_contains, int64_t times) {
  Fault f;
  f.op = Op::kTruncate;
  f.err = err;
  f.path_contains = path_contains;
  f.times = times;
  Inject(f);
}

void FaultyFileSystem::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

uint64_t FaultyFileSystem::Count(Op op, std::string_view path_contains) const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const auto& c : calls_) {
    if (c.op == op && (path_contains.empty() || c.path.find(path_contains) != std::string::npos)) ++n;
  }
  return n;
}

uint64_t FaultyFileSystem::Bytes(Op op, std::string_view path_contains) const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const auto& c : calls_) {
    if (c.op == op && (path_contains.empty() || c.path.find(path_contains) != std::string::npos))
      n += c.bytes;
  }
  return n;
}

std::vector<std::string> FaultyFileSystem::MutatingCalls() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& c : calls_) {
    bool mutating = false;
    switch (c.op) {
      case Op::kOpen:
        mutating = c.mode != zds::OpenMode::kRead;
        break;
      case Op::kPWrite:
      case Op::kSync:
      case Op::kTruncate:
      case Op::kRename:
      case Op::kUnlink:
      case Op::kMakeDir:
      case Op::kSyncDir:
      case Op::kTryLock:
        mutating = true;
        break;
      default:
        break;
    }
    if (mutating) out.push_back(std::string(OpName(c.op)) + " " + c.path);
  }
  return out;
}

uint64_t FaultyFileSystem::injected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return injected_;
}

void FaultyFileSystem::ResetCounts() {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.clear();
  injected_ = 0;
}

std::vector<CallRecord> FaultyFileSystem::Calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

std::string FaultyFileSystem::PathOf(int fd) const {
  auto it = fd_paths_.find(fd);
  return it == fd_paths_.end() ? "fd " + std::to_string(fd) : it->second;
}

bool FaultyFileSystem::Hit(Op op, const std::string& path, const std::string& path2, uint64_t bytes,
                           Fault* rule) {
  calls_.push_back({op, path2.empty() ? path : path + " -> " + path2, bytes});
  for (Fault& f : rules_) {
    if (f.op != op || f.times == 0) continue;
    if (!f.path_contains.empty() && path.find(f.path_contains) == std::string::npos &&
        path2.find(f.path_contains) == std::string::npos)
      continue;
    if (f.skip > 0) {
      --f.skip;
      continue;
    }
    if (f.times > 0) --f.times;
    ++injected_;
    *rule = f;
    return true;
  }
  return false;
}

zds::Status FaultyFileSystem::Injected(Op op, const std::string& path, int err) {
  return zds::Status::FromErrno(std::string(OpName(op)) + " (injected)", path, err);
}

zds::Status FaultyFileSystem::Open(const std::string& path, zds::OpenMode mode, int* fd) {
  Fault rule;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool fail = Hit(Op::kOpen, path, "", 0, &rule);
    calls_.back().mode = mode;
    if (fail) return Injected(Op::kOpen, path, rule.err);
  }
  zds::Status st = base_->Open(path, mode, fd);
  if (st.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    fd_paths_[*fd] = path;
  }
  return st;
}

void FaultyFileSystem::Close(int fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back({Op::kClose, PathOf(fd), 0});
    fd_paths_.erase(fd);
  }
  base_->Close(fd);
}

zds::Status FaultyFileSystem::PRead(int fd, void* buf, size_t len, uint64_t offset, size_t* got) {
  Fault rule;
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    path = PathOf(fd);
    if (Hit(Op::kPRead, path, "", len, &rule)) {
      *got = 0;
      return Injected(Op::kPRead, path, rule.err);
    }
  }
  return base_->PRead(fd, buf, len, offset, got);
}

zds::Status FaultyFileSystem::PWrite(int fd, const void* buf, size_t len, uint64_t offset, size_t* written) {
  Fault rule;
  std::string path;
  bool fail;
  {
    std::lock_guard<std::mutex> lock(mu_);
    path = PathOf(fd);
    fail = Hit(Op::kPWrite, path, "", len, &rule);
  }
  if (!fail) return base_->PWrite(fd, buf, len, offset, written);
  *written = 0;
  if (rule.short_bytes != SIZE_MAX) {
    const size_t k = std::min(rule.short_bytes, len);
    size_t done = 0;
    if (k > 0) {
      zds::Status st = base_->PWrite(fd, buf, k, offset, &done);
      if (!st.ok()) {
        *written = done;
        return st;
      }
    }
    *written = done;
  }
  return Injected(Op::kPWrite, path, rule.err);
}

zds::Status FaultyFileSystem::Sync(int fd) {
  Fault rule;
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    path = PathOf(fd);
    if (Hit(Op::kSync, path, "", 0, &rule)) return Injected(Op::kSync, path, rule.err);
  }
  return base_->Sync(fd);
}

zds::Status FaultyFileSystem::Truncate(int fd, uint64_t size) {
  Fault rule;
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    path = PathOf(fd);
    if (Hit(Op::kTruncate, path, "", size, &rule)) return Injected(Op::kTruncate, path, rule.err);
  }
  return base_->Truncate(fd, size);
}

zds::Status FaultyFileSystem::Size(int fd, uint64_t* size) {
  Fault rule;
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    path = PathOf(fd);
    if (Hit(Op::kSize, path, "", 0, &rule)) return Injected(Op::kSize, path, rule.err);
  }
  return base_->Size(fd, size);
}

zds::Status FaultyFileSystem::Stat(const std::string& path, zds::FileInfo* info) {
  Fault rule;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Hit(Op::kStat, path, "", 0, &rule)) return Injected(Op::kStat, path, rule.err);
  }
  return base_->Stat(path, info);
}

zds::Status FaultyFileSystem::StatFd(int fd, zds::FileInfo* info) {
  Fault rule;
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    path = PathOf(fd);
    if (Hit(Op::kStatFd, path, "", 0, &rule)) return Injected(Op::kStatFd, path, rule.err);
  }
  return base_->StatFd(fd, info);
}

zds::Status FaultyFileSystem::Rename(const std::string& from, const std::string& to) {
  Fault rule;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Hit(Op::kRename, from, to, 0, &rule)) return Injected(Op::kRename, from, rule.err);
  }
  return base_->Rename(from, to);
}

zds::Status FaultyFileSystem::Unlink(const std::string& path) {
  Fault rule;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Hit(Op::kUnlink, path, "", 0, &rule)) return Injected(Op::kUnlink, path, rule.err);
  }
  return base_->Unlink(path);
}

zds::Status FaultyFileSystem::MakeDir(const std::string& path) {
  Fault rule;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Hit(Op::kMakeDir, path, "", 0, &rule)) return Injected(Op::kMakeDir, path, rule.err);
  }
  return base_->MakeDir(path);
}

zds::Status FaultyFileSystem::SyncDir(const std::string& path) {
  Fault rule;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Hit(Op::kSyncDir, path, "", 0, &rule)) return Injected(Op::kSyncDir, path, rule.err);
  }
  return base_->SyncDir(path);
}

zds::Status FaultyFileSystem::ListDir(const std::string& path, std::vector<std::string>* names) {
  Fault rule;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Hit(Op::kListDir, path, "", 0, &rule)) return Injected(Op::kListDir, path, rule.err);
  }
  return base_->ListDir(path, names);
}

zds::Status FaultyFileSystem::TryLock(int fd, const std::string& path) {
  Fault rule;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Hit(Op::kTryLock, path, "", 0, &rule)) return Injected(Op::kTryLock, path, rule.err);
  }
  return base_->TryLock(fd, path);
}

zds::Status FaultyFileSystem::RealPath(const std::string& path, std::string* out) {
  Fault rule;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Hit(Op::kRealPath, path, "", 0, &rule)) return Injected(Op::kRealPath, path, rule.err);
  }
  return base_->RealPath(path, out);
}

}  // namespace zds_test
