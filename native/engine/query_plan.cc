#include "engine/query_plan.h"

#include <cmath>
#include <cstring>

namespace zds {

namespace {
Status Invalid(const std::string& message) { return Status(Code::kInvalidQuery, message); }

Status CountArg(const JsonValue* v, const char* what, uint64_t* out) {
  if (v == nullptr || v->type == JsonValue::Type::kNull) return Status::Ok();
  if (v->type != JsonValue::Type::kNumber || v->number < 0 || v->number > 9007199254740991.0 ||
      std::floor(v->number) != v->number)
    return Invalid(std::string("Expected a non-negative integer for ") + what);
  *out = static_cast<uint64_t>(v->number);
  return Status::Ok();
}
}  // namespace

size_t QueryPlan::FieldIndex(const std::string& name) {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i] == name) return i;
  }
  fields_.push_back(name);
  return fields_.size() - 1;
}

Status QueryPlan::Compile(std::string_view spec_json, std::shared_ptr<const QueryPlan>* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(spec_json.data(), spec_json.size()).get(root) != simdjson::SUCCESS)
    return Invalid("The query is not valid JSON");
  JsonValue spec;
  FromDom(root, &spec);
  if (!spec.is_object()) return Invalid("Expected a query object");
  auto plan = std::shared_ptr<QueryPlan>(new QueryPlan());

  const JsonValue* filter = spec.Field("filter");
  static const JsonValue kEmpty = [] {
    JsonValue v;
    v.type = JsonValue::Type::kObject;
    return v;
  }();
  ZDS_RETURN_IF_ERROR(Filter::Compile(
      filter != nullptr && filter->type != JsonValue::Type::kNull ? *filter : kEmpty, &plan->filter_));
  plan->fields_ = plan->filter_->fields();

  const JsonValue* fields = spec.Field("fields");
  if (fields != nullptr && fields->type != JsonValue::Type::kNull)
    ZDS_RETURN_IF_ERROR(Projection::Compile(*fields, &plan->projection_));

  const JsonValue* sort = spec.Field("sort");
  if (sort != nullptr && sort->type != JsonValue::Type::kNull) {
    if (!sort->is_array()) return Invalid("Expected an array of [path, 1 | -1] pairs for sort");
    for (const JsonValue& pair : sort->items) {
      if (!pair.is_array() || pair.items.size() != 2 || pair.items[0].type != JsonValue::Type::kString ||
          pair.items[1].type != JsonValue::Type::kNumber ||
          (pair.items[1].number != 1 && pair.items[1].number != -1))
        return Invalid("Expected a [path, 1 | -1] pair in sort");
      SortKey key;
      std::string first;
      ZDS_RETURN_IF_ERROR(ParsePath(pair.items[0].text, &first, &key.path));
      key.path.top = plan->FieldIndex(first);
      key.direction = static_cast<int>(pair.items[1].number);
      plan->sort_.push_back(std::move(key));
    }
  }

  const JsonValue* distinct = spec.Field("distinct");
  if (distinct != nullptr && distinct->type != JsonValue::Type::kNull) {
    if (distinct->type != JsonValue::Type::kString) return Invalid("Expected a field path for distinct");
    std::string first;
    ZDS_RETURN_IF_ERROR(ParsePath(distinct->text, &first, &plan->distinct_));
    plan->distinct_.top = plan->FieldIndex(first);
    plan->has_distinct_ = true;
  }

  std::vector<const QueryPath*> paths;
  plan->filter_->CollectPaths(&paths);
  for (const SortKey& key : plan->sort_) paths.push_back(&key.path);
  if (plan->has_distinct_) paths.push_back(&plan->distinct_);
  plan->needs_.resize(plan->fields_.size());
  for (const QueryPath* path : paths) {
    FieldNeeds* node = &plan->needs_[path->top];
    for (const QueryPath::Segment& seg : path->rest) {
      if (seg.index >= 0) node->any_index = true;
      node = node->Add(seg.key);
    }
    node->leaf = true;
  }
  std::vector<std::string> literals;
  plan->filter_->RequiredLiterals(&literals);
  for (const std::string& literal : literals) plan->literals_.emplace_back(literal);

  ZDS_RETURN_IF_ERROR(CountArg(spec.Field("skip"), "skip", &plan->skip_));
  ZDS_RETURN_IF_ERROR(CountArg(spec.Field("limit"), "limit", &plan->limit_));
  *out = std::move(plan);
  return Status::Ok();
}

int CompareSortValues(const QueryPlan& plan, const SortValues& a, const SortValues& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    const int c = JsonCompare(a[i], b[i]);
    if (c != 0) return c * plan.sort()[i].direction;
  }
  return 0;
}

LineMatcher::LineMatcher(std::shared_ptr<const QueryPlan> plan)
    : plan_(std::move(plan)), values_(plan_->fields().size()), tops_(plan_->fields().size()) {}

Status LineMatcher::Match(const char* json, size_t len, size_t capacity, bool* match, SortValues* sort) {
  const std::vector<std::string>& names = plan_->fields();
  std::fill(tops_.begin(), tops_.end(), nullptr);
  // Lines without escapes hold strings (keys and values) as their plain
  // bytes: one missing literal rules the line out without parsing it, and
  // keys compare without unescaping.
  const bool plain = std::memchr(json, '\\', len) == nullptr;
  if (!plan_->literals().empty() && plain) {
    for (const LiteralSearch& literal : plan_->literals()) {
      if (!literal.In(json, len)) {
        *match = false;
        return Status::Ok();
      }
    }
  }
  size_t found = 0;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  auto error = parser_.iterate(json, len, capacity).get(doc);
  if (!error) error = doc.get_object().get(object);
  // Fields are read in one pass; the first of a repeated key counts, and the
  // pass stops once every wanted field is in hand.
  if (!error && !names.empty()) {
    for (auto field : object) {
      size_t i = 0;
      if (plain) {
        simdjson::ondemand::raw_json_string raw;
        error = field.key().get(raw);
        if (error) break;
        const char* k = raw.raw();
        const size_t room =
            static_cast<size_t>(json + len - k);  // the key, its quote and the rest of the line
        while (i < names.size() &&
               (tops_[i] != nullptr || names[i].size() >= room ||
                std::memcmp(k, names[i].data(), names[i].size()) != 0 || k[names[i].size()] != '"'))
          ++i;
      } else {
        std::string_view key;
        error = field.unescaped_key().get(key);
        if (error) break;
        while (i < names.size() && (tops_[i] != nullptr || names[i] != key)) ++i;
      }
      if (i == names.size()) continue;
      JsonValue& v = values_[i];
      ClearValue(&v);
      error = Materialize(field.value(), &v, &plan_->needs()[i]);
      if (error) break;
      tops_[i] = &v;
      // A failed top-level condition settles it: the rest is not read.
      if (!plan_->filter().MayMatch(i, v)) {
        *match = false;
        return Status::Ok();
      }
      if (++found == names.size()) break;
    }
  }
  if (error)
    return Status(Code::kCorrupt,
                  std::string("A line of data.jsonl is not valid JSON: ") + simdjson::error_message(error));
  *match = plan_->filter().Matches(tops_.data());
  if (*match && sort != nullptr) {
    sort->clear();
    for (const SortKey& key : plan_->sort()) {
      ResolvePath(tops_[key.path.top], key.path, &scratch_);
      sort->emplace_back();
      if (scratch_.empty()) continue;  // missing sorts as null
      const JsonValue* pick = scratch_.front();
      if (pick->is_array() && !pick->items.empty()) {
        // An array sorts by its smallest element ascending, largest descending.
        const JsonValue* best = &pick->items.front();
        for (const JsonValue& e : pick->items) {
          const int c = JsonCompare(e, *best);
          if (key.direction > 0 ? c < 0 : c > 0) best = &e;
        }
        pick = best;
      }
      sort->back() = *pick;
    }
  }
  return Status::Ok();
}

Status LineMatcher::Project(const char* json, size_t len, size_t capacity, std::string* out) {
  const Projection* p = plan_->projection();
  if (p == nullptr) {
    out->append(json, len);
    return Status::Ok();
  }
  const size_t mark = out->size();
  auto error = p->Apply(parser_, json, len, capacity, out);
  if (error) {
    out->resize(mark);
    return Status(Code::kCorrupt,
                  std::string("A line of data.jsonl is not valid JSON: ") + simdjson::error_message(error));
  }
  return Status::Ok();
}

void LineMatcher::DistinctValues(std::vector<const JsonValue*>* out) {
  out->clear();
  const QueryPath* path = plan_->distinct();
  if (path == nullptr) return;
  ResolvePath(tops_[path->top], *path, &scratch_);
  for (const JsonValue* c : scratch_) {
    if (c->is_array()) {
      for (const JsonValue& e : c->items) out->push_back(&e);
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace zds
