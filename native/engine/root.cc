#include "engine/root.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "engine/format.h"
#include "engine/names.h"
#include "engine/zip_file_system.h"

namespace zds {

namespace {

// Writable roots of this process by canonical path. Weak, so the lock goes
// with the last handle.
std::mutex g_registry_mu;
std::map<std::string, std::weak_ptr<Root>>& Registry() {
  static auto* registry = new std::map<std::string, std::weak_ptr<Root>>();
  return *registry;
}

std::string LockInfoText() {
  char host[256] = "unknown";
  gethostname(host, sizeof(host) - 1);
  char when[64];
  std::time_t now = std::time(nullptr);
  std::tm tm_utc;
  gmtime_r(&now, &tm_utc);
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  return "pid=" + std::to_string(getpid()) + "\nhostname=" + host + "\ntimestamp=" + when + "\n";
}

std::string HolderFromLockText(const std::string& text) {
  std::string pid, host, since;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    if (line.rfind("pid=", 0) == 0) pid = line.substr(4);
    if (line.rfind("hostname=", 0) == 0) host = line.substr(9);
    if (line.rfind("timestamp=", 0) == 0) since = line.substr(10);
    pos = nl + 1;
  }
  if (pid.empty()) return "another process";
  std::string out = "process " + pid;
  if (!host.empty()) out += " on " + host;
  if (!since.empty()) out += " since " + since;
  return out;
}

}  // namespace

Status Root::Open(FileSystem* fs, const std::string& path, bool read_only, std::shared_ptr<Root>* out) {
  if (path.empty()) return Status(Code::kInvalidArg, "The store path is empty");
  FileInfo info;
  ZDS_RETURN_IF_ERROR(fs->Stat(path, &info));
  if (info.exists && !info.is_dir)
    return Status(Code::kNotDir, "The store root '" + path + "' is a file, not a directory");
  if (!info.exists) {
    if (read_only) return Status(Code::kNotFound, "No store at '" + path + "' (opened read-only)");
    ZDS_RETURN_IF_ERROR(fs->MakeDirs(JoinPath(path, format::kCollectionsDir)));
  }
  std::string canonical;
  ZDS_RETURN_IF_ERROR(fs->RealPath(path, &canonical));
  if (read_only) {
    out->reset(new Root(fs, canonical, true));
    return Status::Ok();
  }
  // Declared before the guard: if opening fails, ~Root (which takes the
  // registry mutex) must run after the guard has released it.
  std::shared_ptr<Root> root;
  std::lock_guard<std::mutex> lock(g_registry_mu);
  auto& registry = Registry();
  auto it = registry.find(canonical);
  if (it != registry.end()) {
    if (auto existing = it->second.lock()) {
      *out = existing;
      return Status::Ok();
    }
  }
  root.reset(new Root(fs, canonical, false));
  ZDS_RETURN_IF_ERROR(fs->MakeDirs(JoinPath(canonical, format::kCollectionsDir)));
  ZDS_RETURN_IF_ERROR(root->AcquireLock());
  registry[canonical] = root;
  *out = root;
  return Status::Ok();
}

Status Root::OpenArchive(FileSystem* base, const std::string& archive, std::shared_ptr<Root>* out) {
  std::string canonical;
  ZDS_RETURN_IF_ERROR(base->RealPath(archive, &canonical));
  std::unique_ptr<ZipFileSystem> zip;
  ZDS_RETURN_IF_ERROR(ZipFileSystem::Open(base, canonical, canonical, &zip));
  FileSystem* fs = zip.get();
  std::shared_ptr<Root> root(new Root(fs, canonical, true));
  root->owned_fs_ = std::move(zip);
  *out = std::move(root);
  return Status::Ok();
}

Root::~Root() {
  // Release the flock first: once this root's weak_ptr in the registry has
  // expired, another thread of this process may open the store again, and
  // its new Root must find the lock free (every collection of this root is
  // gone, so nothing writes any more). The file stays: unlinking it would
  // let a waiter lock an inode that a newcomer no longer sees.
  lock_fd_.Reset();
  if (!read_only_) {
    std::lock_guard<std::mutex> lock(g_registry_mu);
    auto it = Registry().find(path_);
    if (it != Registry().end() && it->second.expired()) Registry().erase(it);
  }
}

Status Root::AcquireLock() {
  const std::string dir = JoinPath(path_, format::kLockDir);
  ZDS_RETURN_IF_ERROR(fs_->MakeDirs(dir));
  const std::string lock_path = JoinPath(dir, format::kLockFile);
  int fd = -1;
  ZDS_RETURN_IF_ERROR(fs_->Open(lock_path, OpenMode::kReadWrite, &fd));
  ScopedFd guard(fs_, fd);
  Status st = fs_->TryLock(fd, lock_path);
  if (st.code() == Code::kLocked) {
    std::string text;
    fs_->ReadAll(lock_path, &text);
    return Status(Code::kLocked, "The store '" + path_ + "' is locked for writing by " +
                                     HolderFromLockText(text) +
                                     "; open it read-only or close the other writer");
  }
  ZDS_RETURN_IF_ERROR(st);
  const std::string info = LockInfoText();
  size_t written = 0;
  ZDS_RETURN_IF_ERROR(fs_->Truncate(fd, 0));
  ZDS_RETURN_IF_ERROR(fs_->PWrite(fd, info.data(), info.size(), 0, &written));
  lock_fd_ = std::move(guard);
  return Status::Ok();
}

std::string Root::CollectionDir(const std::string& name) const {
  return JoinPath(JoinPath(path_, format::kCollectionsDir), name);
}

Status Root::OpenCollection(const std::string& name, const CollectionOptions& options,
                            std::shared_ptr<Collection>* out) {
  ZDS_RETURN_IF_ERROR(ValidateCollectionName(name));
  CollectionOptions opts = options;
  opts.read_only = opts.read_only || read_only_;
  // Read-only handles get their own Collection: sharing one would make later writers read-only.
  if (read_only_ || opts.read_only) return Collection::Open(fs_, shared_from_this(), name, opts, out);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = collections_.find(name);
  if (it != collections_.end()) {
    if (auto existing = it->second.lock()) {
      existing->SetBatchSize(opts.batch_size);
      *out = existing;
      return Status::Ok();
    }
  }
  std::shared_ptr<Collection> coll;
  ZDS_RETURN_IF_ERROR(Collection::Open(fs_, shared_from_this(), name, opts, &coll));
  collections_[name] = coll;
  *out = coll;
  return Status::Ok();
}

Status Root::CheckpointAll() {
  std::vector<std::shared_ptr<Collection>> open;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& entry : collections_) {
      if (auto c = entry.second.lock()) open.push_back(std::move(c));
    }
  }
  for (const auto& c : open) ZDS_RETURN_IF_ERROR(c->Checkpoint());
  return Status::Ok();
}

Status Root::ListCollections(std::vector<std::string>* names) {
  std::vector<std::string> entries;
  const std::string dir = JoinPath(path_, format::kCollectionsDir);
  ZDS_RETURN_IF_ERROR(fs_->ListDir(dir, &entries));
  names->clear();
  for (auto& e : entries) {
    if (!IsValidName(e)) continue;
    FileInfo info;
    ZDS_RETURN_IF_ERROR(fs_->Stat(JoinPath(dir, e), &info));
    if (info.is_dir) names->push_back(e);
  }
  std::sort(names->begin(), names->end());
  return Status::Ok();
}

Status Root::CollectionExists(const std::string& name, bool* exists) {
  ZDS_RETURN_IF_ERROR(ValidateCollectionName(name));
  FileInfo info;
  ZDS_RETURN_IF_ERROR(fs_->Stat(CollectionDir(name), &info));
  *exists = info.exists && info.is_dir;
  return Status::Ok();
}

}  // namespace zds
