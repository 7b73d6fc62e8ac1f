#include "engine/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace zds {

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

Status FileSystem::ReadAll(const std::string& path, std::string* out) {
  int fd = -1;
  ZDS_RETURN_IF_ERROR(Open(path, OpenMode::kRead, &fd));
  ScopedFd guard(this, fd);
  uint64_t size = 0;
  ZDS_RETURN_IF_ERROR(Size(fd, &size));
  return ReadRange(fd, 0, static_cast<size_t>(size), out);
}

Status FileSystem::ReadRange(int fd, uint64_t offset, size_t len, std::string* out) {
  out->resize(len);
  size_t got = 0;
  ZDS_RETURN_IF_ERROR(PRead(fd, out->data(), len, offset, &got));
  out->resize(got);
  return Status::Ok();
}

Status FileSystem::WriteFileAtomic(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".tmp";
  int fd = -1;
  ZDS_RETURN_IF_ERROR(Open(tmp, OpenMode::kCreateTrunc, &fd));
  ScopedFd guard(this, fd);
  size_t written = 0;
  Status st = PWrite(fd, data.data(), data.size(), 0, &written);
  if (st.ok()) st = Sync(fd);
  guard.Reset();
  if (st.ok()) st = Rename(tmp, path);
  if (!st.ok()) {
    Unlink(tmp);
    return st;
  }
  return SyncDir(DirName(path));
}

Status FileSystem::MakeDirs(const std::string& path) {
  FileInfo info;
  ZDS_RETURN_IF_ERROR(Stat(path, &info));
  if (info.exists) {
    if (!info.is_dir) return Status(Code::kNotDir, "'" + path + "' exists and is not a directory");
    return Status::Ok();
  }
  const std::string parent = DirName(path);
  if (parent != path) ZDS_RETURN_IF_ERROR(MakeDirs(parent));
  ZDS_RETURN_IF_ERROR(MakeDir(path));
  // The new entry is durable only once its parent directory is synced.
  return SyncDir(parent);
}

namespace {

class PosixFileSystem final : public FileSystem {
 public:
  Status Open(const std::string& path, OpenMode mode, int* fd) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::kRead:
        flags |= O_RDONLY;
        break;
      case OpenMode::kReadWrite:
        flags |= O_RDWR | O_CREAT;
        break;
      case OpenMode::kCreateTrunc:
        flags |= O_RDWR | O_CREAT | O_TRUNC;
        break;
    }
    int r;
    do {
      r = ::open(path.c_str(), flags, 0644);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      if (errno == ENOENT) return Status(Code::kNotFound, "'" + path + "' does not exist");
      return Status::FromErrno("open", path, errno);
    }
    *fd = r;
    return Status::Ok();
  }

  void Close(int fd) override { ::close(fd); }

  Status PRead(int fd, void* buf, size_t len, uint64_t offset, size_t* got) override {
    size_t done = 0;
    char* p = static_cast<char*>(buf);
    while (done < len) {
      ssize_t r = ::pread(fd, p + done, len - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        *got = done;
        return Status::FromErrno("read", "fd " + std::to_string(fd), errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *got = done;
    return Status::Ok();
  }

  Status PWrite(int fd, const void* buf, size_t len, uint64_t offset, size_t* written) override {
    size_t done = 0;
    const char* p = static_cast<const char*>(buf);
    while (done < len) {
      ssize_t r = ::pwrite(fd, p + done, len - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        *written = done;
        return Status::FromErrno("write", "fd " + std::to_string(fd), errno);
      }
      done += static_cast<size_t>(r);
    }
    *written = done;
    return Status::Ok();
  }

  Status Sync(int fd) override {
    if (::fdatasync(fd) != 0) return Status::FromErrno("fsync", "fd " + std::to_string(fd), errno);
    return Status::Ok();
  }

  void StartWriteback(int fd, uint64_t offset, uint64_t len) override {
#ifdef __linux__
    ::sync_file_range(fd, static_cast<off64_t>(offset), static_cast<off64_t>(len), SYNC_FILE_RANGE_WRITE);
#endif
  }

  Status MapReadOnly(int fd, size_t len, const char** addr) override {
    void* p = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return Status::FromErrno("mmap", "fd " + std::to_string(fd), errno);
    *addr = static_cast<const char*>(p);
    return Status::Ok();
  }

  void Unmap(const char* addr, size_t len) override { ::munmap(const_cast<char*>(addr), len); }

  Status Truncate(int fd, uint64_t size) override {
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
      return Status::FromErrno("truncate", "fd " + std::to_string(fd), errno);
    return Status::Ok();
  }

  Status Size(int fd, uint64_t* size) override {
    struct stat st;
    if (::fstat(fd, &st) != 0) return Status::FromErrno("stat", "fd " + std::to_string(fd), errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::Ok();
  }

  Status Stat(const std::string& path, FileInfo* info) override {
    struct stat st;
    *info = FileInfo();
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return Status::Ok();
      return Status::FromErrno("stat", path, errno);
    }
    Fill(st, info);
    return Status::Ok();
  }

  Status StatFd(int fd, FileInfo* info) override {
    struct stat st;
    if (::fstat(fd, &st) != 0) return Status::FromErrno("stat", "fd " + std::to_string(fd), errno);
    Fill(st, info);
    return Status::Ok();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return Status::FromErrno("rename", from, errno);
    return Status::Ok();
  }

  Status Unlink(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Status::FromErrno("unlink", path, errno);
    return Status::Ok();
  }

  Status MakeDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return Status::FromErrno("mkdir", path, errno);
    return Status::Ok();
  }

  Status SyncDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open directory", path, errno);
    int r = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (r != 0) return Status::FromErrno("fsync directory", path, err);
    return Status::Ok();
  }

  Status ListDir(const std::string& path, std::vector<std::string>* names) override {
    names->clear();
    DIR* dir = ::opendir(path.c_str());
    if (!dir) {
      if (errno == ENOENT) return Status::Ok();
      return Status::FromErrno("list directory", path, errno);
    }
    while (struct dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names->push_back(std::move(name));
    }
    ::closedir(dir);
    return Status::Ok();
  }

  Status TryLock(int fd, const std::string& path) override {
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) return Status(Code::kLocked, "'" + path + "' is locked");
      return Status::FromErrno("lock", path, errno);
    }
    return Status::Ok();
  }

  Status RealPath(const std::string& path, std::string* out) override {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return Status::FromErrno("resolve path", path, errno);
    *out = buf;
    return Status::Ok();
  }

 private:
  static void Fill(const struct stat& st, FileInfo* info) {
    info->exists = true;
    info->is_dir = S_ISDIR(st.st_mode);
    info->size = static_cast<uint64_t>(st.st_size);
    info->inode = static_cast<uint64_t>(st.st_ino);
    info->device = static_cast<uint64_t>(st.st_dev);
  }
};

}  // namespace

FileSystem* DefaultFileSystem() {
  static PosixFileSystem fs;
  return &fs;
}

}  // namespace zds
