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
  ~Root();

  bool read_only() const { return read_only_; }
  const std::string& path() const { return path_; }  // canonical
  FileSystem* fs() const { return fs_; }

  // Opens a collection; writable roots create it and share one Collection per name.
  Status OpenCollection(const std::string& name, const CollectionOptions& options,
                        std::shared_ptr<Collection>* out);
  Status ListCollections(std::vector<std::string>* names);
  Status CollectionExists(const std::string& name, bool* exists);
  std::string CollectionDir(const std::string& name) const;

 private:
  Root(FileSystem* fs, std::string path, bool read_only)
      : fs_(fs), path_(std::move(path)), read_only_(read_only) {}
  Status AcquireLock();

  FileSystem* const fs_;
  const std::string path_;
  const bool read_only_;
  ScopedFd lock_fd_;
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<Collection>> collections_;
};

}  // namespace zds
