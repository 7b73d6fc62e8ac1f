// Scanning data.jsonl bytes line by line with simdjson: every complete line is
// fully validated (FORMAT.md "data.jsonl"), so recovery can tell a torn tail
// from a damaged line in the middle.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/doc_index.h"
#include "engine/status.h"

namespace simdjson::dom {
class parser;
}

namespace zds {

struct BadLine {
  uint64_t line_no;  // 1-based line number in data.jsonl
  uint64_t offset;
  std::string reason;
};

struct ScanOutcome {
  uint64_t lines = 0;            // complete lines seen, blank ones included
  uint64_t applied = 0;          // valid lines handed to the sink
  uint64_t valid_end = 0;        // absolute offset just past the last good line
  std::vector<BadLine> bad;      // malformed lines before the last one
  bool torn_tail = false;        // the last line was incomplete or malformed
  uint64_t torn_offset = 0;      // where the torn tail starts
  bool missing_newline = false;  // the last line is valid but lacks its '\n'
};

// A stored line without its '\n' and any '\r' before it (other tools write
// CRLF; the CR is JSON whitespace, but the bytes handed out stop before it).
inline std::string_view WithoutLineEnd(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

// What one line holds once validated.
struct ParsedLine {
  std::string_view id;
  LineRef ref;
  bool tombstone = false;
};

using LineSink = std::function<void(const ParsedLine&)>;

// Scans data[0, size) whose first byte sits at `base_offset` in data.jsonl and
// whose first line is line number `first_line_no`. `data` must stay readable
// for SIMDJSON_PADDING bytes past `size`.
void ScanJsonl(const char* data, size_t size, uint64_t base_offset, uint64_t first_line_no,
               const LineSink& sink, ScanOutcome* outcome);

// Validates one line (no '\n'): a JSON object with a valid string "_id".
// On success fills id (pointing into parser memory) and tombstone.
Status ParseLine(simdjson::dom::parser& parser, const char* line, size_t len, ParsedLine* out);

// Why a user line may not be stored; empty when fine. Used for pre-serialised
// input (writeJsonl) where the caller's bytes are not trusted.
std::string CheckUserLine(simdjson::dom::parser& parser, const char* line, size_t len,
                          std::string_view expected_id, bool* has_id, bool* empty);

}  // namespace zds
