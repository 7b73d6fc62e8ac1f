// Document ids and collection names (FORMAT.md "Document ids and collection names").
#pragma once

#include <string_view>

#include "engine/status.h"

namespace zds {

// True when s is a valid document id / collection name: 1..255 bytes of
// [A-Za-z0-9_.-], not starting with '.', and without "..".
bool IsValidName(std::string_view s);

Status ValidateDocId(std::string_view id);
Status ValidateCollectionName(std::string_view name);

}  // namespace zds
