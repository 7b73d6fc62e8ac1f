// QueryPlan: a whole query (filter, projection, sort, skip, limit) compiled
// from the spec JSON that lib/query.ts writes:
//   {"filter":{...},"fields":{"path":true,...}|null,"sort":[["path",1|-1],...],
//    "skip":n,"limit":n|null,"distinct":"path"|null}
// LineMatcher evaluates it on lines; it holds a parser, so one per scan.
#pragma once

#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json_value.h"
#include "engine/projection.h"
#include "engine/query.h"
#include "engine/status.h"
#include "engine/substring.h"

namespace zds {

struct SortKey {
  QueryPath path;
  int direction = 1;
};

class QueryPlan {
 public:
  static Status Compile(std::string_view spec_json, std::shared_ptr<const QueryPlan>* out);

  const Filter& filter() const { return *filter_; }
  const Projection* projection() const { return projection_.get(); }
  const std::vector<SortKey>& sort() const { return sort_; }
  const QueryPath* distinct() const { return has_distinct_ ? &distinct_ : nullptr; }
  uint64_t skip() const { return skip_; }
  uint64_t limit() const { return limit_; }  // UINT64_MAX: none
  // Top-level fields to read from each line: the filter's first, then the
  // sort keys' and distinct's (QueryPath::top indexes this list).
  const std::vector<std::string>& fields() const { return fields_; }
  // How much of each top-level field to read (parallel to fields()).
  const std::vector<FieldNeeds>& needs() const { return needs_; }
  // A line with no '\\' that lacks one of these cannot match (Filter::RequiredLiterals).
  const std::vector<LiteralSearch>& literals() const { return literals_; }
  // True when lines need not be parsed to be selected (no filter, no sort).
  bool selects_all_in_order() const { return filter_->match_all() && sort_.empty(); }

 private:
  size_t FieldIndex(const std::string& name);

  std::unique_ptr<Filter> filter_;
  std::unique_ptr<Projection> projection_;
  std::vector<SortKey> sort_;
  QueryPath distinct_;
  bool has_distinct_ = false;
  uint64_t skip_ = 0;
  uint64_t limit_ = UINT64_MAX;
  std::vector<std::string> fields_;
  std::vector<FieldNeeds> needs_;
  std::vector<LiteralSearch> literals_;
};

// Sort keys of one document, compared by SortOrder.
using SortValues = std::vector<JsonValue>;
// a before b in the plan's sort order (0 when tied).
int CompareSortValues(const QueryPlan& plan, const SortValues& a, const SortValues& b);

class LineMatcher {
 public:
  explicit LineMatcher(std::shared_ptr<const QueryPlan> plan);

  // Reads the fields the plan needs from a line and tests the filter. `json`
  // must be followed by SIMDJSON_PADDING readable bytes. On a match, fills
  // `sort` (when the plan sorts) and keeps the fields for Distinct().
  Status Match(const char* json, size_t len, size_t capacity, bool* match, SortValues* sort);
  // Appends the projected document (or the line itself) to out.
  Status Project(const char* json, size_t len, size_t capacity, std::string* out);
  // The distinct path's values in the last matched line, arrays unwrapped.
  void DistinctValues(std::vector<const JsonValue*>* out);

  const QueryPlan& plan() const { return *plan_; }

 private:
  std::shared_ptr<const QueryPlan> plan_;
  simdjson::ondemand::parser parser_;
  std::vector<JsonValue> values_;
  std::vector<const JsonValue*> tops_;
  std::vector<const JsonValue*> scratch_;
};

}  // namespace zds
