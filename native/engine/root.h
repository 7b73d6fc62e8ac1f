// Root: an open store folder (FORMAT.md "Store layout"). A writable Root holds
// the store's writer lock; one process has at most one writable Root per
// folder, shared by every handle, so handles share writers and indexes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/collection.h"
#include "engine/file_system.h"
#include "engine/status.h"

namespace zds {

class Root : public std::enable_shared_from_this<Root> {
 public:
  // Opens (rw: creates) the store at `path`. Writable roots are shared within
  // the process; a second process gets kLocked naming the holder.
  static Status Open(FileSystem* fs, const std::string& path, bool read_only, std::shared_ptr<Root>* out);
  // Opens the store inside a .zds archive, read-only and in place
  // (FORMAT.md "Archives"): its files are read through a ZipFileSystem the
  // root owns. path() is the archive's canonical path.
  static Status OpenArchive(FileSystem* base, const std::string& archive, std::shared_ptr<Root>* out);

  ~Root();

  bool read_only() const { return read_only_; }
  const std::string& path() const { return path_; }  // canonical
  FileSystem* fs() const { return fs_; }
  // What keeps fs() alive for readers that may outlive the root's handles:
  // the root itself when it owns its file system (an archive), else nothing
  // (holding a writable root would hold its writer lock).
  std::shared_ptr<const void> KeepFileSystem() const {
    return owned_fs_ ? std::shared_ptr<const void>(shared_from_this()) : nullptr;
  }

  // Opens a collection; writable roots create it and share one Collection per name.
  Status OpenCollection(const std::string& name, const CollectionOptions& options,
                        std::shared_ptr<Collection>* out);
  Status ListCollections(std::vector<std::string>* names);
  // Flushes every collection open on this root (data, index.bin and
  // manifest), so the folder on disk holds every acknowledged write.
  Status CheckpointAll();
  Status CollectionExists(const std::string& name, bool* exists);
  std::string CollectionDir(const std::string& name) const;

 private:
  Root(FileSystem* fs, std::string path, bool read_only)
      : fs_(fs), path_(std::move(path)), read_only_(read_only) {}
  Status AcquireLock();

  std::unique_ptr<FileSystem> owned_fs_;  // an archive's: outlives everything that reads through it
  FileSystem* const fs_;
  const std::string path_;
  const bool read_only_;
  ScopedFd lock_fd_;
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<Collection>> collections_;
};

}  // namespace zds
