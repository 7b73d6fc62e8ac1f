#include "engine/names.h"

#include <string>

#include "engine/format.h"

namespace zds {

bool IsValidName(std::string_view s) {
  if (s.empty() || s.size() > format::kMaxIdBytes || s[0] == '.') return false;
  char prev = 0;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

bool LeadingId(std::string_view line, std::string_view* id) {
  constexpr std::string_view kPrefix = "{\"_id\":\"";
  if (line.size() <= kPrefix.size() || line.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  const size_t end = line.find('"', kPrefix.size());
  if (end == std::string_view::npos) return false;
  *id = line.substr(kPrefix.size(), end - kPrefix.size());
  return true;
}

namespace {
std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 64)) {
    out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  }
  if (s.size() > 64) out += "...";
  return out + "'";
}
}  // namespace

Status ValidateDocId(std::string_view id) {
  if (IsValidName(id)) return Status::Ok();
  return Status(Code::kInvalidId,
                "Invalid document id " + Quote(id) +
                    ": ids are 1 to 255 bytes of A-Z a-z 0-9 _ - ., do not start with '.' and "
                    "do not contain '..'");
}

Status ValidateCollectionName(std::string_view name) {
  if (IsValidName(name)) return Status::Ok();
  return Status(Code::kInvalidId,
                "Invalid collection name " + Quote(name) +
                    ": names are 1 to 255 bytes of A-Z a-z 0-9 _ - ., do not start with '.' and "
                    "do not contain '..'");
}

}  // namespace zds
