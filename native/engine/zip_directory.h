// ZipDirectory: a reader of a ZIP file's central directory (APPNOTE.TXT 4.3),
// written by hand because libzip has no API that gives where an entry's data
// starts in the file, which reading a store in place needs to memory-map
// stored entries without copying them. It finds the end of central directory
// record (and the ZIP64 one when the classic fields are saturated), reads
// every central directory header with its ZIP64 extra field, and follows each
// entry to its local header to learn the data offset. Everything is checked
// against the file's size; anything malformed is kBadArchive naming the entry.
// Only the directory is read: entry data is left to the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/file_system.h"
#include "engine/status.h"

namespace zds {

// Compression methods (APPNOTE 4.4.5) this project reads.
inline constexpr uint16_t kZipMethodStored = 0;
inline constexpr uint16_t kZipMethodDeflate = 8;

struct ZipEntry {
  // As in the archive, with '\\' read as '/', leading "./" and empty or "."
  // segments dropped. Directory entries keep their trailing '/'.
  std::string name;
  uint16_t version_made_by = 0;
  uint16_t flags = 0;  // general-purpose bits
  uint16_t method = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;  // uncompressed
  uint64_t local_header_offset = 0;
  uint64_t data_offset = 0;  // first byte of the (compressed) data
  uint32_t external_attributes = 0;

  bool is_dir() const { return !name.empty() && name.back() == '/'; }
  // Unix mode bits live in the high half of the external attributes when the
  // entry was made on Unix (version_made_by's high byte is 3).
  bool is_symlink() const;
};

class ZipDirectory {
 public:
  // Reads the central directory of the archive open as `fd` on `fs`;
  // `archive_path` only names the archive in messages.
  static Status Read(FileSystem* fs, int fd, const std::string& archive_path, ZipDirectory* out);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The entry named exactly `name` (directories with their trailing '/'), or null.
  const ZipEntry* Find(std::string_view name) const;
  uint64_t archive_size() const { return archive_size_; }
  uint64_t central_directory_offset() const { return cd_offset_; }

 private:
  std::vector<ZipEntry> entries_;
  std::vector<size_t> sorted_;  // indexes of entries_ by name without the trailing '/'
  uint64_t archive_size_ = 0;
  uint64_t cd_offset_ = 0;
};

}  // namespace zds
