// .zds archives: a store folder as a standard ZIP (FORMAT.md "Archives").
// Pack writes one with libzip; Unpack extracts one safely (zip-slip, bombs,
// CRCs); Inspect lists it without reading the data; Verify checks a folder or
// an archive and reports every problem with its place. No Node-API here: the
// binding (native/native_archive.cc) runs these on the threadpool.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/file_system.h"
#include "engine/status.h"

namespace zds {

// Called (on the calling thread) as work advances; `done` and `total` count
// bytes of entry data (uncompressed).
struct ArchiveProgress {
  uint64_t done = 0;
  uint64_t total = 0;
  uint64_t entries_done = 0;
  uint64_t entries_total = 0;
};
using ArchiveProgressFn = std::function<void(const ArchiveProgress&)>;

struct PackOptions {
  // Deflate entries (data.jsonl and index.bin too) instead of storing them.
  // Stored is the default so an archive can be read in place.
  bool deflate = false;
  int level = 6;  // 1..9, with deflate
};

// Writes a ZIP of every file of the store folder `root` except the writer lock
// (FORMAT.md "Archives": entry names relative to the root, '/' separators,
// directories as entries of their own) to `out`: written to a temp file
// beside `out` and renamed over it only when complete. Entries whose bytes
// are already compressed (by extension: .zds .zip .gz .bz2 .xz .zst .7z .png
// .jpg .jpeg .gif .webp .mp3 .mp4 .parquet; or by a sample of their first
// 64 KiB not deflating below 95%) are stored even with `deflate`. ZIP64 is
// used where a size or offset needs it. The caller holds the store's writer
// lock and has flushed; Pack only reads.
Status PackStore(FileSystem* fs, const std::string& root, const std::string& out, const PackOptions& options,
                 const ArchiveProgressFn& progress, const std::atomic<bool>* cancel);

struct UnpackOptions {
  uint64_t max_total_bytes = 64ull << 30;  // bytes inflated, counted while streaming
  uint64_t max_entries = 1'000'000;
  uint64_t max_ratio = 1000;  // inflated / compressed bytes, per entry (entries over 1 MiB)
  bool overwrite = false;     // replace a non-empty target folder
};

// Extracts `archive` into the folder `target` (FORMAT.md "Archives",
// "Unpacking"): every entry is checked before anything is written (names:
// absolute, a ".." segment with '/' or '\\' separators, a NUL, a drive letter,
// a symlink, a repeated name, anything that would land outside the target;
// entry count), then extracted into a temp folder beside `target`, counting
// the bytes actually inflated against the limits and checking each CRC; the
// temp folder is renamed into place only when all went well. A target that
// exists and is not empty is refused (kExists) unless `overwrite`.
// Malformed, truncated or refused archives give kBadArchive and leave no
// target and no temp folder behind.
Status UnpackStore(FileSystem* fs, const std::string& archive, const std::string& target,
                   const UnpackOptions& options, const ArchiveProgressFn& progress,
                   const std::atomic<bool>* cancel);

struct CollectionListing {
  std::string name;
  int64_t documents = -1;         // from index.bin's header; -1 when the archive holds no index
  uint64_t data_bytes = 0;        // data.jsonl, uncompressed
  uint64_t compressed_bytes = 0;  // data.jsonl as stored in the archive
  bool data_stored = true;        // data.jsonl is stored (readable in place), not deflated
  bool has_index = false;
};

// Lists an archive's collections from its central directory and the
// 16-byte header of each index.bin, without reading data.jsonl.
Status InspectArchive(FileSystem* fs, const std::string& archive, std::vector<CollectionListing>* out);

struct Problem {
  std::string where;  // "collections/<name>/meta/data.jsonl line 12", "entry 'x'", ...
  std::string what;
};

// Checks a store folder or a .zds archive without changing anything: every
// entry's CRC (archives), that index.bin decodes and matches data.jsonl
// (same live documents at the same lines), that every line of data.jsonl is
// one JSON object with a valid string "_id". Problems go to `out`; the Status
// fails only when the path cannot be read at all.
Status VerifyStore(FileSystem* fs, const std::string& path, std::vector<Problem>* out);

// True when `path` names a file that starts like a ZIP (local header or
// empty-archive end record), i.e. should be opened as an archive.
bool LooksLikeArchive(FileSystem* fs, const std::string& path);

}  // namespace zds
