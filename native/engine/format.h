// On-disk constants. Every value here is specified in FORMAT.md; the section
// is named beside each group. Change FORMAT.md first.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zds::format {

// FORMAT.md "Store layout"
inline constexpr const char* kCollectionsDir = "collections";
inline constexpr const char* kMetaDir = "meta";
inline constexpr const char* kDocsDir = "docs";
inline constexpr const char* kDataFile = "data.jsonl";
inline constexpr const char* kIndexFile = "index.bin";
inline constexpr const char* kManifestFile = "manifest.json";
inline constexpr const char* kLockDir = ".zds";
inline constexpr const char* kLockFile = ".zds_write.lock";
inline constexpr const char* kCompactTempSuffix = ".compact.tmp";
inline constexpr const char* kTempSuffix = ".tmp";  // WriteFileAtomic's temp files

// FORMAT.md "index.bin: ZDSI v1"
inline constexpr uint32_t kIndexMagic = 0x5A445349;  // bytes on disk "ISDZ" (49 53 44 5A)
inline constexpr uint32_t kIndexVersion = 1;
inline constexpr size_t kIndexHeaderSize = 16;             // magic u32, version u32, count u64
inline constexpr size_t kIndexEntryFixedSize = 2 + 8 + 4;  // id_len u16 + offset u64 + length u32

// FORMAT.md "index.bin: the zds trailer"
inline constexpr uint32_t kTrailerMagic = 0x5A445358;  // bytes on disk "XSDZ" (58 53 44 5A)
inline constexpr uint32_t kTrailerVersion = 1;
inline constexpr size_t kTrailerSize = 32;       // magic, version, data_length, tail_hash, crc32, reserved
inline constexpr size_t kTailHashWindow = 4096;  // bytes of data.jsonl hashed before data_length

struct IndexHeader {
  uint32_t magic;
  uint32_t version;
  uint64_t count;
};
static_assert(sizeof(IndexHeader) == kIndexHeaderSize, "ZDSI header is 16 bytes");

struct IndexTrailer {
  uint32_t magic;
  uint32_t version;
  uint64_t data_length;
  uint64_t tail_hash;
  uint32_t crc32;
  uint32_t reserved;
};
static_assert(sizeof(IndexTrailer) == kTrailerSize, "zds trailer is 32 bytes");

// FORMAT.md "Document ids and collection names"
inline constexpr size_t kMaxIdBytes = 255;

// FORMAT.md "Tombstones": a delete is the line {"_id":"<id>","$zds":"delete"}.
inline constexpr const char* kReservedKey = "$zds";
inline constexpr const char* kTombstoneValue = "delete";

}  // namespace zds::format
