// Filter: a compiled MongoDB-style filter (README "Queries" is the spec).
// Compile checks the whole filter up front, so a bad one is refused before
// any scanning starts; Matches then runs on materialised top-level fields
// (JsonValue) and never fails. Matches is const and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json_value.h"
#include "engine/status.h"

namespace re2 {
class RE2;
}

namespace zds {

// A dotted path split into its first segment (a top-level field, by index
// into Filter::fields()) and the rest.
struct QueryPath {
  struct Segment {
    std::string key;
    long index = -1;  // >= 0 when the segment is a non-negative integer
  };
  std::string text;  // as written, for messages
  size_t top = 0;
  std::vector<Segment> rest;
};

// Parses "a.b.0" (refusing empty segments); `top` is left for the caller.
Status ParsePath(std::string_view text, std::string* first, QueryPath* out);
// The values a path reaches from a top-level value (nullptr when missing):
// README "Queries", Paths.
void ResolvePath(const JsonValue* top, const QueryPath& path, std::vector<const JsonValue*>* out);

class Filter {
 public:
  // `spec` is the filter object.
  static Status Compile(const JsonValue& spec, std::unique_ptr<Filter>* out);
  ~Filter();

  // Top-level field names the filter reads, in the order Matches wants them.
  const std::vector<std::string>& fields() const { return fields_; }
  // True when the filter is {}.
  bool match_all() const { return root_.children.empty(); }
  // tops[i] is the value of fields()[i], or nullptr when the field is missing.
  bool Matches(const JsonValue* const* tops) const;
  // False only when a top-level condition on fields()[top] alone fails for
  // `value`: the document cannot match, whatever its other fields hold.
  bool MayMatch(size_t top, const JsonValue& value) const;
  // Matches against the fields of an object (for $elemMatch).
  bool MatchesObject(const JsonValue& object) const;
  // Every path the filter reads from a document (not those inside $elemMatch).
  void CollectPaths(std::vector<const QueryPath*>* out) const;
  // Strings a matching line must hold as JSON text when it has no escapes:
  // the JSON literals of string equalities every match needs.
  void RequiredLiterals(std::vector<std::string>* out) const;

 private:
  enum class Op {
    kEq,
    kNe,
    kGt,
    kGte,
    kLt,
    kLte,
    kIn,
    kNin,
    kExists,
    kType,
    kSize,
    kAll,
    kElemMatch,
    kRegex,
    kNot
  };
  struct Cond {
    Op op;
    JsonValue operand;
    unsigned type_mask = 0;               // $type: bit per JsonValue::Type
    std::shared_ptr<re2::RE2> regex;      // $regex
    std::vector<Cond> conds;              // $not, and $elemMatch on values
    std::shared_ptr<Filter> elem_filter;  // $elemMatch on object elements
  };
  struct Node {
    enum class Kind { kAnd, kOr, kNor, kField } kind = Kind::kAnd;
    std::vector<Node> children;
    QueryPath path;
    std::vector<Cond> conds;
  };

  Status CompileFilter(const JsonValue& spec, int depth, Node* out);
  Status CompileField(std::string_view path, const JsonValue& cond, int depth, Node* out);
  Status CompileOps(const std::string& path, const JsonValue& ops, int depth, std::vector<Cond>* out);
  bool Eval(const Node& node, const JsonValue* const* tops) const;
  static bool EvalConds(const std::vector<Cond>& conds, const std::vector<const JsonValue*>& cands);
  static bool EvalCond(const Cond& cond, const std::vector<const JsonValue*>& cands);

  std::vector<std::string> fields_;
  Node root_;
  // The top-level conditions, by the field they read (for MayMatch).
  std::vector<std::vector<const Node*>> conjuncts_;
};

}  // namespace zds
