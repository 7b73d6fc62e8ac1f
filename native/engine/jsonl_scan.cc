#include "engine/jsonl_scan.h"

#include <simdjson.h>

#include <cstring>

#include "engine/format.h"
#include "engine/names.h"

namespace zds {

namespace {

bool IsBlank(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  }
  return true;
}

}  // namespace

Status ParseLine(simdjson::dom::parser& parser, const char* line, size_t len, ParsedLine* out) {
  simdjson::dom::element root;
  auto err = parser.parse(line, len, false).get(root);
  if (err) return Status(Code::kCorrupt, std::string("invalid JSON (") + simdjson::error_message(err) + ")");
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return Status(Code::kCorrupt, "not a JSON object");
  std::string_view id;
  if (obj["_id"].get_string().get(id)) return Status(Code::kCorrupt, "no string \"_id\" field");
  if (!IsValidName(id)) return Status(Code::kCorrupt, "invalid \"_id\"");
  out->id = id;
  out->tombstone = false;
  simdjson::dom::element marker;
  if (!obj[format::kReservedKey].get(marker)) {
    std::string_view v;
    if (marker.get_string().get(v) || v != format::kTombstoneValue)
      return Status(Code::kCorrupt, "unknown \"$zds\" marker");
    out->tombstone = true;
  }
  return Status::Ok();
}

std::string CheckUserLine(simdjson::dom::parser& parser, const char* line, size_t len,
                          std::string_view expected_id, bool* has_id, bool* empty) {
  simdjson::dom::element root;
  auto err = parser.parse(line, len, false).get(root);
  if (err) return std::string("is not valid JSON (") + simdjson::error_message(err) + ")";
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return "is not a JSON object";
  *empty = obj.size() == 0;
  simdjson::dom::element marker;
  if (!obj[format::kReservedKey].get(marker)) return "uses the reserved top-level key \"$zds\"";
  simdjson::dom::element idv;
  *has_id = !obj["_id"].get(idv);
  if (*has_id) {
    std::string_view id;
    if (idv.get_string().get(id) || id != expected_id)
      return "has an \"_id\" that differs from the id given for it ('" + std::string(expected_id) + "')";
  }
  return std::string();
}

void ScanJsonl(const char* data, size_t size, uint64_t base_offset, uint64_t first_line_no,
               const LineSink& sink, ScanOutcome* outcome) {
  simdjson::dom::parser parser;
  *outcome = ScanOutcome();
  outcome->valid_end = base_offset;
  size_t pos = 0;
  uint64_t line_no = first_line_no;
  while (pos < size) {
    const char* nl = static_cast<const char*>(std::memchr(data + pos, '\n', size - pos));
    const bool complete = nl != nullptr;
    const size_t end = complete ? static_cast<size_t>(nl - data) : size;
    const size_t len = end - pos;
    const size_t next = complete ? end + 1 : size;
    const bool last = next >= size;
    if (complete && IsBlank(data + pos, len)) {
      ++outcome->lines;
      outcome->valid_end = base_offset + next;
    } else {
      ParsedLine parsed;
      Status st = ParseLine(parser, data + pos, len, &parsed);
      if (st.ok()) {
        parsed.ref = LineRef{base_offset + pos, static_cast<uint32_t>(len + 1)};
        sink(parsed);
        ++outcome->lines;
        ++outcome->applied;
        outcome->valid_end = base_offset + next;
        if (!complete) outcome->missing_newline = true;
      } else if (last) {
        outcome->torn_tail = true;
        outcome->torn_offset = base_offset + pos;
        if (complete) ++outcome->lines;
      } else {
        ++outcome->lines;
        outcome->bad.push_back({line_no, base_offset + pos, st.message()});
        outcome->valid_end = base_offset + next;
      }
    }
    ++line_no;
    pos = next;
  }
}

}  // namespace zds
