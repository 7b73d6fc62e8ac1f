// Document ids and collection names (FORMAT.md "Document ids and collection names").
#pragma once

#include <string_view>

#include "engine/status.h"

namespace zds {

// True when s is a valid document id / collection name: 1..255 bytes of
// [A-Za-z0-9_.-], not starting with '.', and without "..".
bool IsValidName(std::string_view s);

Status ValidateDocId(std::string_view id);

// The id of a line zds wrote, which starts {"_id":"<id>" (FORMAT.md
// "data.jsonl"). False when the line does not start that way. The id is not
// validated; it ends at the first '"'.
bool LeadingId(std::string_view line, std::string_view* id);
Status ValidateCollectionName(std::string_view name);

}  // namespace zds
