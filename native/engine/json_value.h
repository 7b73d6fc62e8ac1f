// JsonValue: a small owned JSON tree. Queries materialise only the fields a
// filter or sort key reaches into this form, so the operator semantics
// (query.cc) work on plain C++ values and can be tested and fuzzed without a
// parser. The order and equality here are the ones README "Queries" documents.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zds {

struct JsonValue {
  // Declared in the documented cross-type sort order (README "Queries").
  enum class Type : uint8_t { kNull, kNumber, kString, kObject, kArray, kBool };

  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;               // kString
  std::vector<JsonValue> items;   // kArray elements, or kObject values
  std::vector<std::string> keys;  // kObject keys, parallel to items

  bool is_array() const { return type == Type::kArray; }
  bool is_object() const { return type == Type::kObject; }
  // The value under `key` of an object (the first when repeated), or nullptr.
  const JsonValue* Field(std::string_view key) const;
};

// Deep equality: numbers by value, objects by key/value pairs in any order.
bool JsonEqual(const JsonValue& a, const JsonValue& b);
// The total order: type rank, then within the type (README "Queries").
int JsonCompare(const JsonValue& a, const JsonValue& b);
// Compact JSON text of `v` appended to `out`.
void AppendJson(const JsonValue& v, std::string* out);
// A text equal for exactly the JsonEqual values (keys sorted, numbers exact):
// the key distinct() dedupes on.
void AppendCanonical(const JsonValue& v, std::string* out);
// A JSON string literal (quotes and escapes) for `s` appended to `out`.
void AppendJsonString(std::string_view s, std::string* out);

// The parts of a top-level field a query reads: paths as a tree. A leaf (a
// path ends here) needs the whole value; elsewhere only the named keys of
// objects (and of objects in arrays) are read.
struct FieldNeeds {
  bool leaf = false;
  bool any_index = false;  // a numeric segment follows: arrays are read whole
  std::vector<std::pair<std::string, FieldNeeds>> children;
  const FieldNeeds* Child(std::string_view key) const;
  FieldNeeds* Add(std::string_view key);
};

// Empties `v` for reuse, keeping its top-level capacity.
void ClearValue(JsonValue* v);
// Reads a parsed value into `out` (consuming it), only as far as `needs`
// asks; nullptr reads it whole.
simdjson::error_code Materialize(simdjson::ondemand::value value, JsonValue* out,
                                 const FieldNeeds* needs = nullptr);
// The same for the DOM API, used to read query specs.
void FromDom(simdjson::dom::element element, JsonValue* out);

}  // namespace zds
