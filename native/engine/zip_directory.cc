#include "engine/zip_directory.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace zds {

namespace {

// Record signatures and fixed sizes (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.14-16).
constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64EndSize = 56;  // without its extensible data sector
constexpr size_t kZip64LocatorSize = 20;
// The end record sits in the last 22 bytes plus a comment of at most 65,535.
constexpr size_t kMaxEndSearch = kEndSize + 0xFFFF;
constexpr uint16_t kZip64ExtraId = 0x0001;

// General-purpose flag bits (APPNOTE 4.4.4).
constexpr uint16_t kFlagEncrypted = 1u << 0;
constexpr uint16_t kFlagStrongEncryption = 1u << 6;
constexpr uint16_t kFlagMaskedHeaders = 1u << 13;  // central directory encryption

// The whole central directory is read into memory at once; a real store's is
// about 100 bytes per file, so anything near this is a lie of a damaged or
// hostile end record, refused rather than allocated.
constexpr uint64_t kMaxCentralDirectory = 1ull << 30;

uint16_t Le16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}
uint32_t Le32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}
uint64_t Le64(const char* p) {
  return static_cast<uint64_t>(Le32(p)) | (static_cast<uint64_t>(Le32(p + 4)) << 32);
}

// a + b <= limit, without overflowing.
bool FitsWithin(uint64_t a, uint64_t b, uint64_t limit) { return a <= limit && b <= limit - a; }

class Reader {
 public:
  Reader(FileSystem* fs, int fd, const std::string& path) : fs_(fs), fd_(fd), path_(path) {}

  Status Bad(const std::string& why) const {
    return Status(Code::kBadArchive, "The archive '" + path_ + "' " + why);
  }
  Status BadEntry(const std::string& name, const std::string& why) const {
    return Status(Code::kBadArchive, "Entry '" + name + "' of the archive '" + path_ + "' " + why);
  }

  // Exactly len bytes at offset: the caller has checked the range against the
  // size, so a short read means the file shrank under us.
  Status ReadExact(uint64_t offset, size_t len, std::string* out) {
    ZDS_RETURN_IF_ERROR(fs_->ReadRange(fd_, offset, len, out));
    if (out->size() != len) return Bad("is truncated (it shrank while being read)");
    return Status::Ok();
  }

 private:
  FileSystem* fs_;
  int fd_;
  const std::string& path_;
};

// Entry names as the store sees them: '\\' is a separator too (some Windows
// tools write it), "./" prefixes and empty or "." segments carry nothing.
// Absolute names and ".." would place a file outside the store: refused.
Status NormalizeName(const Reader& r, const std::string& raw, std::string* out) {
  if (raw.find('\0') != std::string::npos) return r.BadEntry(raw, "has a NUL byte in its name");
  std::string name = raw;
  std::replace(name.begin(), name.end(), '\\', '/');
  if (!name.empty() && name[0] == '/') return r.BadEntry(raw, "has an absolute name");
  const bool dir = !name.empty() && name.back() == '/';
  out->clear();
  size_t pos = 0;
  while (pos <= name.size()) {
    size_t slash = name.find('/', pos);
    if (slash == std::string::npos) slash = name.size();
    const std::string_view seg(name.data() + pos, slash - pos);
    if (seg == "..") return r.BadEntry(raw, "has a '..' segment in its name");
    if (!seg.empty() && seg != ".") {
      if (!out->empty()) out->push_back('/');
      out->append(seg);
    }
    pos = slash + 1;
  }
  if (out->empty() && !dir) return r.BadEntry(raw, "has an empty name");
  if (dir && !out->empty()) out->push_back('/');
  return Status::Ok();
}

struct EndRecord {
  uint64_t entries = 0;
  uint64_t cd_size = 0;
  uint64_t cd_offset = 0;
  uint64_t cd_limit = 0;  // where the records after the central directory start
};

Status FindEnd(Reader& r, uint64_t size, EndRecord* end) {
  if (size < kEndSize) return r.Bad("is not a ZIP file (too short; truncated?)");
  const size_t tail_len = static_cast<size_t>(std::min<uint64_t>(size, kMaxEndSearch));
  const uint64_t tail_start = size - tail_len;
  std::string tail;
  ZDS_RETURN_IF_ERROR(r.ReadExact(tail_start, tail_len, &tail));
  // Search backwards, and accept a signature only where its comment ends the
  // file exactly: comment bytes can contain the signature too.
  size_t at = std::string::npos;
  for (size_t i = tail_len - kEndSize + 1; i-- > 0;) {
    if (Le32(tail.data() + i) == kEndSig && i + kEndSize + Le16(tail.data() + i + 20) == tail_len) {
      at = i;
      break;
    }
  }
  if (at == std::string::npos)
    return r.Bad("is not a ZIP file or is truncated: no end of central directory record");
  const char* e = tail.data() + at;
  const uint64_t end_pos = tail_start + at;
  uint32_t disk = Le16(e + 4);
  uint32_t cd_disk = Le16(e + 6);
  uint64_t disk_entries = Le16(e + 8);
  end->entries = Le16(e + 10);
  end->cd_size = Le32(e + 12);
  end->cd_offset = Le32(e + 16);
  end->cd_limit = end_pos;

  // A ZIP64 locator sits right before the end record whenever the writer
  // used ZIP64 for the directory; its record then holds the real values.
  bool zip64 = false;
  if (end_pos >= kZip64LocatorSize) {
    const uint64_t loc_pos = end_pos - kZip64LocatorSize;
    std::string loc;
    if (loc_pos >= tail_start) {
      loc = tail.substr(static_cast<size_t>(loc_pos - tail_start), kZip64LocatorSize);
    } else {
      ZDS_RETURN_IF_ERROR(r.ReadExact(loc_pos, kZip64LocatorSize, &loc));
    }
    if (Le32(loc.data()) == kZip64LocatorSig) {
      zip64 = true;
      const uint64_t rec_pos = Le64(loc.data() + 8);
      if (Le32(loc.data() + 4) != 0 || Le32(loc.data() + 16) > 1)
        return r.Bad("spans several disks, which is not supported");
      if (!FitsWithin(rec_pos, kZip64EndSize, loc_pos))
        return r.Bad("has a ZIP64 end record locator pointing outside the file");
      std::string rec;
      ZDS_RETURN_IF_ERROR(r.ReadExact(rec_pos, kZip64EndSize, &rec));
      if (Le32(rec.data()) != kZip64EndSig)
        return r.Bad("has a bad ZIP64 end of central directory signature");
      if (Le64(rec.data() + 4) < kZip64EndSize - 12 ||
          !FitsWithin(rec_pos + 12, Le64(rec.data() + 4), loc_pos))
        return r.Bad("has a ZIP64 end of central directory record of a wrong size");
      disk = Le32(rec.data() + 16);
      cd_disk = Le32(rec.data() + 20);
      disk_entries = Le64(rec.data() + 24);
      end->entries = Le64(rec.data() + 32);
      end->cd_size = Le64(rec.data() + 40);
      end->cd_offset = Le64(rec.data() + 48);
      end->cd_limit = rec_pos;
    }
  }
  if (!zip64 && (end->cd_size == 0xFFFFFFFF || end->cd_offset == 0xFFFFFFFF))
    return r.Bad("needs a ZIP64 end of central directory record, and has none (truncated?)");
  if (disk != 0 || cd_disk != 0 || disk_entries != end->entries)
    return r.Bad("spans several disks, which is not supported");
  if (!FitsWithin(end->cd_offset, end->cd_size, end->cd_limit))
    return r.Bad("has its central directory outside the file (truncated?)");
  if (end->cd_size > kMaxCentralDirectory) return r.Bad("has a central directory over 1 GiB");
  if (end->entries > end->cd_size / kCentralHeaderSize)
    return r.Bad("claims more entries than its central directory can hold");
  return Status::Ok();
}

// Replaces saturated 32-bit fields with their values from the ZIP64 extended
// information extra field (APPNOTE 4.5.3), which lists only those fields, in
// this order.
Status ApplyZip64Extra(const Reader& r, const std::string& name, const char* extra, size_t len, ZipEntry* e,
                       uint32_t* disk_start) {
  const bool need_size = e->size == 0xFFFFFFFF;
  const bool need_csize = e->compressed_size == 0xFFFFFFFF;
  const bool need_offset = e->local_header_offset == 0xFFFFFFFF;
  const bool need_disk = *disk_start == 0xFFFF;
  if (!need_size && !need_csize && !need_offset && !need_disk) return Status::Ok();
  size_t pos = 0;
  while (pos + 4 <= len) {
    const uint16_t id = Le16(extra + pos);
    const size_t field_len = Le16(extra + pos + 2);
    if (field_len > len - pos - 4) break;
    if (id == kZip64ExtraId) {
      const char* f = extra + pos + 4;
      size_t at = 0;
      auto take = [&](uint64_t* v, size_t width) {
        if (at + width > field_len) return false;
        *v = width == 8 ? Le64(f + at) : Le32(f + at);
        at += width;
        return true;
      };
      uint64_t disk = 0;
      if ((need_size && !take(&e->size, 8)) || (need_csize && !take(&e->compressed_size, 8)) ||
          (need_offset && !take(&e->local_header_offset, 8)) || (need_disk && !take(&disk, 4))) {
        return r.BadEntry(name, "has a ZIP64 extra field too short for the sizes it must hold");
      }
      if (need_disk) *disk_start = static_cast<uint32_t>(disk);
      return Status::Ok();
    }
    pos += 4 + field_len;
  }
  return r.BadEntry(name, "has 32-bit fields marked as ZIP64 but no ZIP64 extra field");
}

}  // namespace

bool ZipEntry::is_symlink() const {
  constexpr uint32_t kTypeMask = 0170000;
  constexpr uint32_t kSymlink = 0120000;
  return (version_made_by >> 8) == 3 && ((external_attributes >> 16) & kTypeMask) == kSymlink;
}

const ZipEntry* ZipDirectory::Find(std::string_view name) const {
  std::string_view key = name;
  if (!key.empty() && key.back() == '/') key.remove_suffix(1);
  auto key_of = [this](size_t i) {
    std::string_view k = entries_[i].name;
    if (!k.empty() && k.back() == '/') k.remove_suffix(1);
    return k;
  };
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), key,
                             [&](size_t i, std::string_view k) { return key_of(i) < k; });
  if (it == sorted_.end() || key_of(*it) != key || entries_[*it].name != name) return nullptr;
  return &entries_[*it];
}

Status ZipDirectory::Read(FileSystem* fs, int fd, const std::string& archive_path, ZipDirectory* out) {
  *out = ZipDirectory();
  Reader r(fs, fd, archive_path);
  uint64_t size = 0;
  ZDS_RETURN_IF_ERROR(fs->Size(fd, &size));
  EndRecord end;
  ZDS_RETURN_IF_ERROR(FindEnd(r, size, &end));

  std::string cd;
  ZDS_RETURN_IF_ERROR(r.ReadExact(end.cd_offset, static_cast<size_t>(end.cd_size), &cd));
  std::vector<ZipEntry> entries;
  std::vector<std::string> raw_names;
  entries.reserve(static_cast<size_t>(end.entries));
  raw_names.reserve(static_cast<size_t>(end.entries));
  size_t pos = 0;
  for (uint64_t n = 0; n < end.entries; ++n) {
    if (cd.size() - pos < kCentralHeaderSize)
      return r.Bad("has a central directory shorter than its " + std::to_string(end.entries) + " entries");
    const char* h = cd.data() + pos;
    if (Le32(h) != kCentralHeaderSig)
      return r.Bad("has a bad central directory header signature at entry " + std::to_string(n));
    const size_t name_len = Le16(h + 28);
    const size_t extra_len = Le16(h + 30);
    const size_t comment_len = Le16(h + 32);
    if (cd.size() - pos - kCentralHeaderSize < name_len + extra_len + comment_len)
      return r.Bad("has a central directory header running past the directory at entry " + std::to_string(n));
    std::string raw(h + kCentralHeaderSize, name_len);
    ZipEntry e;
    e.version_made_by = Le16(h + 4);
    e.flags = Le16(h + 8);
    e.method = Le16(h + 10);
    e.crc32 = Le32(h + 16);
    e.compressed_size = Le32(h + 20);
    e.size = Le32(h + 24);
    uint32_t disk_start = Le16(h + 34);
    e.external_attributes = Le32(h + 38);
    e.local_header_offset = Le32(h + 42);
    ZDS_RETURN_IF_ERROR(
        ApplyZip64Extra(r, raw, h + kCentralHeaderSize + name_len, extra_len, &e, &disk_start));
    if (disk_start != 0) return r.BadEntry(raw, "lives on another disk of a split archive");
    if (e.flags & (kFlagEncrypted | kFlagStrongEncryption | kFlagMaskedHeaders))
      return r.BadEntry(raw, "is encrypted, which is not supported");
    ZDS_RETURN_IF_ERROR(NormalizeName(r, raw, &e.name));
    if (e.method == kZipMethodStored && e.compressed_size != e.size && !e.is_dir())
      return r.BadEntry(raw, "is stored but its compressed and uncompressed sizes differ");
    pos += kCentralHeaderSize + name_len + extra_len + comment_len;
    entries.push_back(std::move(e));
    raw_names.push_back(std::move(raw));
  }
  if (pos != cd.size())
    return r.Bad("has " + std::to_string(cd.size() - pos) + " stray bytes after its " +
                 std::to_string(end.entries) + " central directory entries");

  // Each local header says how long its own name and extra field are, which
  // may differ from the central copy (ZIP64 sizes, time stamps): that is
  // what places the data.
  std::string local;
  for (size_t i = 0; i < entries.size(); ++i) {
    ZipEntry& e = entries[i];
    const std::string& raw = raw_names[i];
    if (!FitsWithin(e.local_header_offset, kLocalHeaderSize + raw.size(), end.cd_offset))
      return r.BadEntry(raw, "has its local header outside the file");
    ZDS_RETURN_IF_ERROR(r.ReadExact(e.local_header_offset, kLocalHeaderSize + raw.size(), &local));
    if (Le32(local.data()) != kLocalHeaderSig) return r.BadEntry(raw, "has a bad local header signature");
    const size_t local_name_len = Le16(local.data() + 26);
    const size_t local_extra_len = Le16(local.data() + 28);
    if (local_name_len != raw.size() || local.compare(kLocalHeaderSize, raw.size(), raw) != 0)
      return r.BadEntry(raw, "has a different name in its local header");
    e.data_offset = e.local_header_offset + kLocalHeaderSize + local_name_len + local_extra_len;
    if (!FitsWithin(e.data_offset, e.compressed_size, end.cd_offset))
      return r.BadEntry(raw, "has its data outside the file (truncated?)");
  }
  // Entries sharing bytes are how "overlapping" zip bombs inflate one small
  // stream many times; no honest writer produces them.
  std::vector<size_t> by_offset(entries.size());
  for (size_t i = 0; i < by_offset.size(); ++i) by_offset[i] = i;
  std::sort(by_offset.begin(), by_offset.end(), [&](size_t a, size_t b) {
    return entries[a].local_header_offset < entries[b].local_header_offset;
  });
  for (size_t k = 1; k < by_offset.size(); ++k) {
    const ZipEntry& prev = entries[by_offset[k - 1]];
    if (prev.data_offset + prev.compressed_size > entries[by_offset[k]].local_header_offset)
      return r.BadEntry(raw_names[by_offset[k]],
                        "overlaps the data of entry '" + raw_names[by_offset[k - 1]] + "'");
  }

  // A "./" entry names the root itself and carries nothing.
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].name.empty()) out->entries_.push_back(std::move(entries[i]));
  }
  auto key_of = [out](size_t i) {
    std::string_view k = out->entries_[i].name;
    if (!k.empty() && k.back() == '/') k.remove_suffix(1);
    return k;
  };
  out->sorted_.resize(out->entries_.size());
  for (size_t i = 0; i < out->sorted_.size(); ++i) out->sorted_[i] = i;
  std::sort(out->sorted_.begin(), out->sorted_.end(),
            [&](size_t a, size_t b) { return key_of(a) < key_of(b); });
  for (size_t k = 1; k < out->sorted_.size(); ++k) {
    if (key_of(out->sorted_[k - 1]) == key_of(out->sorted_[k])) {
      const std::string name = std::string(key_of(out->sorted_[k]));
      *out = ZipDirectory();
      return r.Bad("holds '" + name + "' twice");
    }
  }
  out->archive_size_ = size;
  out->cd_offset_ = end.cd_offset;
  return Status::Ok();
}

}  // namespace zds
