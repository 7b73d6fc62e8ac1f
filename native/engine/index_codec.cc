#include "engine/index_codec.h"

#include <zlib.h>

#include <cstring>

#include "engine/format.h"
#include "engine/names.h"

namespace zds {

namespace {

// The format is little-endian; these helpers keep it so on any host.
void PutU16(std::string* out, uint16_t v) {
  const char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  out->append(b, 2);
}
void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetLE(const char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

Status Corrupt(const std::string& why) { return Status(Code::kCorrupt, "index.bin is corrupt: " + why); }

uint32_t Crc32(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed large buffers in pieces.
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t n = std::min<size_t>(bytes.size() - pos, 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + pos), static_cast<uInt>(n));
    pos += n;
  }
  return static_cast<uint32_t>(crc);
}

Status DecodeText(std::string_view bytes, DecodedIndex* out) {
  out->kind = DecodedIndex::Kind::kText;
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < bytes.size()) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) nl = bytes.size();
    std::string_view line = bytes.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const size_t t1 = line.find('\t');
    const size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string_view::npos)
      return Corrupt("text index line " + std::to_string(line_no) + " is not id<TAB>offset<TAB>length");
    std::string_view id = line.substr(0, t1);
    uint64_t nums[2];
    std::string_view parts[2] = {line.substr(t1 + 1, t2 - t1 - 1), line.substr(t2 + 1)};
    for (int i = 0; i < 2; ++i) {
      if (parts[i].empty() || parts[i].size() > 19)
        return Corrupt("text index line " + std::to_string(line_no) + " has a bad number");
      uint64_t v = 0;
      for (char c : parts[i]) {
        if (c < '0' || c > '9')
          return Corrupt("text index line " + std::to_string(line_no) + " has a bad number");
        v = v * 10 + static_cast<uint64_t>(c - '0');
      }
      nums[i] = v;
    }
    if (!IsValidName(id) || nums[1] == 0 || nums[1] > UINT32_MAX)
      return Corrupt("text index line " + std::to_string(line_no) + " has an invalid entry");
    out->entries.push_back({id, LineRef{nums[0], static_cast<uint32_t>(nums[1])}});
  }
  return Status::Ok();
}

}  // namespace

uint64_t TailHash(std::string_view window) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : window) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

namespace {

// Where the entries end when `bytes` carries a zds trailer whose checksum
// matches; 0 when there is none (or it does not match: the reason is set).
size_t VerifiedTrailer(std::string_view bytes, DecodedIndex* out, std::string* bad) {
  if (bytes.size() < format::kIndexHeaderSize + format::kTrailerSize) return 0;
  const size_t end = bytes.size() - format::kTrailerSize;
  const char* t = bytes.data() + end;
  if (static_cast<uint32_t>(GetLE(t, 4)) != format::kTrailerMagic) return 0;
  if (static_cast<uint32_t>(GetLE(t + 4, 4)) != format::kTrailerVersion) {
    *bad = "unsupported trailer version";
    return 0;
  }
  if (static_cast<uint32_t>(GetLE(t + 24, 4)) != Crc32(bytes.substr(0, end))) {
    *bad = "checksum mismatch";
    return 0;
  }
  out->has_trailer = true;
  out->data_length = GetLE(t + 8, 8);
  out->tail_hash = GetLE(t + 16, 8);
  return end;
}

}  // namespace

Status DecodeIndex(std::string_view bytes, DecodedIndex* out, const IndexEntrySink& sink) {
  *out = DecodedIndex();
  if (bytes.size() < format::kIndexHeaderSize ||
      static_cast<uint32_t>(GetLE(bytes.data(), 4)) != format::kIndexMagic) {
    // Not ZDSI: older tools wrote "id\toffset\tlength" lines.
    if (bytes.size() >= 4 && std::memcmp(bytes.data(), "ISDZ", 4) == 0) return Corrupt("truncated header");
    return DecodeText(bytes, out);
  }
  const uint32_t version = static_cast<uint32_t>(GetLE(bytes.data() + 4, 4));
  if (version != format::kIndexVersion) return Corrupt("unsupported version " + std::to_string(version));
  const uint64_t count = GetLE(bytes.data() + 8, 8);
  // Each entry takes at least 15 bytes: a count beyond that is a lie.
  if (count > (bytes.size() - format::kIndexHeaderSize) / (format::kIndexEntryFixedSize + 1))
    return Corrupt("entry count " + std::to_string(count) + " exceeds the file size");
  std::string bad_trailer;
  const size_t trailer_at = VerifiedTrailer(bytes, out, &bad_trailer);
  if (!bad_trailer.empty()) return Corrupt(bad_trailer);
  const bool trusted = trailer_at != 0;
  const std::string_view entries = trusted ? bytes.substr(0, trailer_at) : bytes;
  out->kind = DecodedIndex::Kind::kBinary;
  const bool to_sink = sink && trusted;
  if (!to_sink) out->entries.reserve(static_cast<size_t>(count));
  size_t pos = format::kIndexHeaderSize;
  for (uint64_t i = 0; i < count; ++i) {
    if (entries.size() - pos < 2) return Corrupt("entry " + std::to_string(i) + " is truncated");
    const size_t id_len = static_cast<size_t>(GetLE(entries.data() + pos, 2));
    pos += 2;
    if (entries.size() - pos < id_len + 12) return Corrupt("entry " + std::to_string(i) + " is truncated");
    std::string_view id = entries.substr(pos, id_len);
    pos += id_len;
    const uint64_t offset = GetLE(entries.data() + pos, 8);
    const uint32_t length = static_cast<uint32_t>(GetLE(entries.data() + pos + 8, 4));
    pos += 12;
    if (!trusted && !IsValidName(id)) return Corrupt("entry " + std::to_string(i) + " has an invalid id");
    if (length == 0) return Corrupt("entry " + std::to_string(i) + " has length 0");
    if (!to_sink) {
      out->entries.push_back({id, LineRef{offset, length}});
    } else if (!sink(id, LineRef{offset, length})) {
      return Status::Ok();
    }
  }
  if (pos != entries.size()) {
    if (trusted) return Corrupt("the trailer does not follow the last entry");
    return Corrupt(std::to_string(entries.size() - pos) + " unexpected bytes after the entries");
  }
  return Status::Ok();
}

std::string EncodeIndex(const DocIndex& index, uint64_t data_length, uint64_t tail_hash) {
  std::string out;
  out.reserve(format::kIndexHeaderSize + index.size() * 32 + format::kTrailerSize);
  PutU32(&out, format::kIndexMagic);
  PutU32(&out, format::kIndexVersion);
  PutU64(&out, index.size());
  index.ForEach([&](std::string_view id, LineRef ref) {
    PutU16(&out, static_cast<uint16_t>(id.size()));
    out.append(id.data(), id.size());
    PutU64(&out, ref.offset);
    PutU32(&out, ref.length);
  });
  const uint32_t crc = Crc32(out);
  PutU32(&out, format::kTrailerMagic);
  PutU32(&out, format::kTrailerVersion);
  PutU64(&out, data_length);
  PutU64(&out, tail_hash);
  PutU32(&out, crc);
  PutU32(&out, 0);
  return out;
}

}  // namespace zds
