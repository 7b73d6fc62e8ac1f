// Projection: the `fields` option of a query (README "Queries", Options),
// applied to a line's raw bytes. Kept values are copied as their source text,
// so numbers and strings come out exactly as stored.
#pragma once

#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/json_value.h"
#include "engine/status.h"

namespace zds {

class Projection {
 public:
  // `spec` is an object of path -> true (keep) / false (drop).
  static Status Compile(const JsonValue& spec, std::unique_ptr<Projection>* out);

  // Appends the projected document to `out`. `json` must be followed by
  // SIMDJSON_PADDING readable bytes (`capacity` counts them).
  simdjson::error_code Apply(simdjson::ondemand::parser& parser, const char* json, size_t len,
                             size_t capacity, std::string* out) const;

 private:
  struct Node {
    std::string key;
    bool leaf = false;
    std::vector<Node> children;
    const Node* Child(std::string_view k) const;
  };
  simdjson::error_code EmitObject(const Node& node, simdjson::ondemand::object object, bool top,
                                  std::string* out) const;
  simdjson::error_code EmitArray(const Node& node, simdjson::ondemand::array array, std::string* out) const;

  Node root_;
  bool include_ = true;
  bool keep_id_ = true;
};

// The raw JSON text of a value (consumes it).
simdjson::error_code RawJson(simdjson::ondemand::value value, std::string_view* out);

}  // namespace zds
