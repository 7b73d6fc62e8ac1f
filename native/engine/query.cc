#include "engine/query.h"

#include <re2/re2.h>

namespace zds {

namespace {

// Filters nest through $and/$or/$nor, $not and $elemMatch; the limit keeps
// a hostile filter from exhausting the stack.
constexpr int kMaxDepth = 64;

Status Invalid(const std::string& message) { return Status(Code::kInvalidQuery, message); }

bool IsOperator(std::string_view key) { return !key.empty() && key[0] == '$'; }

bool AllOperators(const JsonValue& object) {
  for (const std::string& key : object.keys) {
    if (!IsOperator(key)) return false;
  }
  return true;
}

bool AnyOperator(const JsonValue& object) {
  for (const std::string& key : object.keys) {
    if (IsOperator(key)) return true;
  }
  return false;
}

long SegmentIndex(std::string_view s) {
  if (s.empty() || s.size() > 9) return -1;
  if (s.size() > 1 && s[0] == '0') return -1;
  long n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

int TypeBit(std::string_view name) {
  if (name == "null") return 1 << static_cast<int>(JsonValue::Type::kNull);
  if (name == "boolean") return 1 << static_cast<int>(JsonValue::Type::kBool);
  if (name == "number") return 1 << static_cast<int>(JsonValue::Type::kNumber);
  if (name == "string") return 1 << static_cast<int>(JsonValue::Type::kString);
  if (name == "array") return 1 << static_cast<int>(JsonValue::Type::kArray);
  if (name == "object") return 1 << static_cast<int>(JsonValue::Type::kObject);
  return 0;
}

constexpr unsigned kArrayBit = 1u << static_cast<int>(JsonValue::Type::kArray);

// True when f holds for a candidate, or for an element of a candidate array
// (README "Queries", Arrays).
template <typename F>
bool AnyExpanded(const std::vector<const JsonValue*>& cands, F f) {
  for (const JsonValue* c : cands) {
    if (f(*c)) return true;
    if (c->is_array()) {
      for (const JsonValue& e : c->items) {
        if (f(e)) return true;
      }
    }
  }
  return false;
}

bool EqualsAny(const std::vector<const JsonValue*>& cands, const JsonValue& operand) {
  if (operand.type == JsonValue::Type::kNull && cands.empty()) return true;
  return AnyExpanded(cands, [&](const JsonValue& v) { return JsonEqual(v, operand); });
}

}  // namespace

Status ParsePath(std::string_view text, std::string* first, QueryPath* out) {
  out->text = std::string(text);
  out->rest.clear();
  if (text.empty()) return Invalid("Expected a non-empty field path in the filter");
  size_t start = 0;
  bool is_first = true;
  while (true) {
    const size_t dot = text.find('.', start);
    const std::string_view seg =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (seg.empty())
      return Invalid("Expected a field path without empty segments but received '" + out->text + "'");
    if (is_first) {
      *first = std::string(seg);
      is_first = false;
    } else {
      out->rest.push_back(QueryPath::Segment{std::string(seg), SegmentIndex(seg)});
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return Status::Ok();
}

void ResolvePath(const JsonValue* top, const QueryPath& path, std::vector<const JsonValue*>* out) {
  out->clear();
  if (top == nullptr) return;
  out->push_back(top);
  if (path.rest.empty()) return;
  // ResolvePath never calls itself, so one scratch vector per thread serves.
  thread_local std::vector<const JsonValue*> next;
  for (const QueryPath::Segment& seg : path.rest) {
    next.clear();
    for (const JsonValue* v : *out) {
      if (v->is_object()) {
        if (const JsonValue* f = v->Field(seg.key)) next.push_back(f);
      } else if (v->is_array()) {
        for (const JsonValue& e : v->items) {
          if (!e.is_object()) continue;
          if (const JsonValue* f = e.Field(seg.key)) next.push_back(f);
        }
        if (seg.index >= 0 && static_cast<size_t>(seg.index) < v->items.size())
          next.push_back(&v->items[seg.index]);
      }
    }
    out->swap(next);
    if (out->empty()) return;
  }
}

Filter::~Filter() = default;

Status Filter::Compile(const JsonValue& spec, std::unique_ptr<Filter>* out) {
  auto filter = std::unique_ptr<Filter>(new Filter());
  ZDS_RETURN_IF_ERROR(filter->CompileFilter(spec, 0, &filter->root_));
  filter->conjuncts_.resize(filter->fields_.size());
  for (const Node& c : filter->root_.children) {
    if (c.kind == Node::Kind::kField) filter->conjuncts_[c.path.top].push_back(&c);
  }
  *out = std::move(filter);
  return Status::Ok();
}

Status Filter::CompileFilter(const JsonValue& spec, int depth, Node* out) {
  if (depth > kMaxDepth) return Invalid("The filter nests deeper than 64 levels");
  if (!spec.is_object()) return Invalid("Expected a filter object");
  out->kind = Node::Kind::kAnd;
  for (size_t i = 0; i < spec.keys.size(); ++i) {
    const std::string& key = spec.keys[i];
    const JsonValue& value = spec.items[i];
    Node child;
    if (IsOperator(key)) {
      if (key == "$and") {
        child.kind = Node::Kind::kAnd;
      } else if (key == "$or") {
        child.kind = Node::Kind::kOr;
      } else if (key == "$nor") {
        child.kind = Node::Kind::kNor;
      } else {
        return Invalid("Expected a field path or $and, $or, $nor at the top of a filter but received '" +
                       key + "'");
      }
      if (!value.is_array() || value.items.empty())
        return Invalid("Expected a non-empty array of filters for " + key);
      for (const JsonValue& sub : value.items) {
        if (!sub.is_object()) return Invalid("Expected a filter object in the array of " + key);
        child.children.emplace_back();
        ZDS_RETURN_IF_ERROR(CompileFilter(sub, depth + 1, &child.children.back()));
      }
    } else {
      ZDS_RETURN_IF_ERROR(CompileField(key, value, depth, &child));
    }
    out->children.push_back(std::move(child));
  }
  return Status::Ok();
}

Status Filter::CompileField(std::string_view path, const JsonValue& cond, int depth, Node* out) {
  out->kind = Node::Kind::kField;
  std::string first;
  ZDS_RETURN_IF_ERROR(ParsePath(path, &first, &out->path));
  size_t top = 0;
  while (top < fields_.size() && fields_[top] != first) ++top;
  if (top == fields_.size()) fields_.push_back(first);
  out->path.top = top;
  if (cond.is_object() && AnyOperator(cond)) {
    if (!AllOperators(cond))
      return Invalid("Expected only operators ($...) or only fields in the condition on '" + out->path.text +
                     "'");
    return CompileOps(out->path.text, cond, depth, &out->conds);
  }
  Cond eq;
  eq.op = Op::kEq;
  eq.operand = cond;
  out->conds.push_back(std::move(eq));
  return Status::Ok();
}

Status Filter::CompileOps(const std::string& path, const JsonValue& ops, int depth, std::vector<Cond>* out) {
  if (depth > kMaxDepth) return Invalid("The filter nests deeper than 64 levels");
  const JsonValue* options = ops.Field("$options");
  if (options != nullptr) {
    if (ops.Field("$regex") == nullptr) return Invalid("Expected $options next to $regex on '" + path + "'");
    if (options->type != JsonValue::Type::kString)
      return Invalid("Expected a string of flags for $options on '" + path + "'");
    for (char c : options->text) {
      if (c != 'i' && c != 'm' && c != 's' && c != 'u')
        return Invalid("Expected regex flags from \"imsu\" for $options on '" + path + "' but received '" +
                       options->text + "'");
    }
  }
  for (size_t i = 0; i < ops.keys.size(); ++i) {
    const std::string& op = ops.keys[i];
    const JsonValue& arg = ops.items[i];
    Cond c;
    c.operand = arg;
    if (op == "$eq" || op == "$ne") {
      c.op = op == "$eq" ? Op::kEq : Op::kNe;
    } else if (op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte") {
      c.op = op == "$gt" ? Op::kGt : op == "$gte" ? Op::kGte : op == "$lt" ? Op::kLt : Op::kLte;
      if (arg.type != JsonValue::Type::kNumber && arg.type != JsonValue::Type::kString)
        return Invalid("Expected a number or a string for " + op + " on '" + path + "'");
    } else if (op == "$in" || op == "$nin" || op == "$all") {
      c.op = op == "$in" ? Op::kIn : op == "$nin" ? Op::kNin : Op::kAll;
      if (!arg.is_array()) return Invalid("Expected an array for " + op + " on '" + path + "'");
    } else if (op == "$exists") {
      c.op = Op::kExists;
      if (arg.type != JsonValue::Type::kBool)
        return Invalid("Expected true or false for $exists on '" + path + "'");
    } else if (op == "$type") {
      c.op = Op::kType;
      std::vector<const JsonValue*> names;
      if (arg.is_array()) {
        for (const JsonValue& n : arg.items) names.push_back(&n);
      } else {
        names.push_back(&arg);
      }
      if (names.empty()) return Invalid("Expected at least one type name for $type on '" + path + "'");
      for (const JsonValue* n : names) {
        const int bit = n->type == JsonValue::Type::kString ? TypeBit(n->text) : 0;
        if (bit == 0)
          return Invalid(
              "Expected \"null\", \"boolean\", \"number\", \"string\", \"array\" or \"object\" for $type on "
              "'" +
              path + "'");
        c.type_mask |= static_cast<unsigned>(bit);
      }
    } else if (op == "$size") {
      c.op = Op::kSize;
      if (arg.type != JsonValue::Type::kNumber || arg.number < 0 ||
          arg.number != static_cast<double>(static_cast<long long>(arg.number)))
        return Invalid("Expected a non-negative integer for $size on '" + path + "'");
    } else if (op == "$elemMatch") {
      c.op = Op::kElemMatch;
      if (!arg.is_object()) return Invalid("Expected an object for $elemMatch on '" + path + "'");
      if (AllOperators(arg)) {
        ZDS_RETURN_IF_ERROR(CompileOps(path, arg, depth + 1, &c.conds));
      } else {
        auto sub = std::shared_ptr<Filter>(new Filter());
        ZDS_RETURN_IF_ERROR(sub->CompileFilter(arg, depth + 1, &sub->root_));
        c.elem_filter = std::move(sub);
      }
    } else if (op == "$regex") {
      c.op = Op::kRegex;
      if (arg.type != JsonValue::Type::kString)
        return Invalid("Expected a pattern string for $regex on '" + path + "'");
      std::string flags;
      if (options != nullptr) {
        for (char f : options->text) {
          if (f != 'u' && flags.find(f) == std::string::npos) flags.push_back(f);
        }
      }
      const std::string pattern = flags.empty() ? arg.text : "(?" + flags + ")" + arg.text;
      RE2::Options re_options;
      re_options.set_log_errors(false);
      auto re = std::make_shared<RE2>(pattern, re_options);
      if (!re->ok())
        return Invalid("Expected an RE2 regular expression for $regex on '" + path + "' but '" + arg.text +
                       "' is not one: " + re->error());
      c.regex = std::move(re);
    } else if (op == "$options") {
      continue;  // read with $regex above
    } else if (op == "$not") {
      c.op = Op::kNot;
      if (!arg.is_object() || arg.keys.empty() || !AllOperators(arg))
        return Invalid("Expected an object of operators or a RegExp for $not on '" + path + "'");
      ZDS_RETURN_IF_ERROR(CompileOps(path, arg, depth + 1, &c.conds));
    } else {
      return Invalid("Unknown query operator '" + op + "' on '" + path + "'");
    }
    out->push_back(std::move(c));
  }
  return Status::Ok();
}

bool Filter::Matches(const JsonValue* const* tops) const { return Eval(root_, tops); }

bool Filter::MayMatch(size_t top, const JsonValue& value) const {
  if (top >= conjuncts_.size()) return true;
  // Not re-entered: conditions reach Eval (with its own vector), never MayMatch.
  thread_local std::vector<const JsonValue*> cands;
  for (const Node* c : conjuncts_[top]) {
    ResolvePath(&value, c->path, &cands);
    if (!EvalConds(c->conds, cands)) return false;
  }
  return true;
}

namespace {
template <typename NodeT, typename F>
void VisitFields(const NodeT& node, F&& f) {
  for (const NodeT& c : node.children) {
    if (c.kind == NodeT::Kind::kField) {
      f(c);
    } else {
      VisitFields(c, f);
    }
  }
}
}  // namespace

void Filter::CollectPaths(std::vector<const QueryPath*>* out) const {
  VisitFields(root_, [&](const Node& n) { out->push_back(&n.path); });
}

void Filter::RequiredLiterals(std::vector<std::string>* out) const {
  // Only conditions every match must meet: the top-level conjunction (and
  // nested $and), each $eq/$all of a string.
  std::vector<const Node*> stack{&root_};
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    for (const Node& c : node->children) {
      if (c.kind == Node::Kind::kAnd) stack.push_back(&c);
      if (c.kind != Node::Kind::kField) continue;
      for (const Cond& cond : c.conds) {
        std::vector<const JsonValue*> strings;
        if (cond.op == Op::kEq && cond.operand.type == JsonValue::Type::kString)
          strings.push_back(&cond.operand);
        if (cond.op == Op::kAll) {
          for (const JsonValue& v : cond.operand.items) {
            if (v.type == JsonValue::Type::kString) strings.push_back(&v);
          }
        }
        for (const JsonValue* v : strings) {
          std::string literal;
          AppendJsonString(v->text, &literal);
          out->push_back(std::move(literal));
        }
      }
    }
  }
}

bool Filter::MatchesObject(const JsonValue& object) const {
  std::vector<const JsonValue*> tops(fields_.size());
  for (size_t i = 0; i < fields_.size(); ++i) tops[i] = object.Field(fields_[i]);
  return Eval(root_, tops.data());
}

bool Filter::Eval(const Node& node, const JsonValue* const* tops) const {
  switch (node.kind) {
    case Node::Kind::kAnd:
      for (const Node& c : node.children) {
        if (!Eval(c, tops)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (const Node& c : node.children) {
        if (Eval(c, tops)) return true;
      }
      return false;
    case Node::Kind::kNor:
      for (const Node& c : node.children) {
        if (Eval(c, tops)) return false;
      }
      return true;
    case Node::Kind::kField: {
      std::vector<const JsonValue*> cands;
      ResolvePath(tops[node.path.top], node.path, &cands);
      return EvalConds(node.conds, cands);
    }
  }
  return false;
}

bool Filter::EvalConds(const std::vector<Cond>& conds, const std::vector<const JsonValue*>& cands) {
  for (const Cond& c : conds) {
    if (!EvalCond(c, cands)) return false;
  }
  return true;
}

bool Filter::EvalCond(const Cond& cond, const std::vector<const JsonValue*>& cands) {
  switch (cond.op) {
    case Op::kEq:
      return EqualsAny(cands, cond.operand);
    case Op::kNe:
      return !EqualsAny(cands, cond.operand);
    case Op::kGt:
    case Op::kGte:
    case Op::kLt:
    case Op::kLte:
      return AnyExpanded(cands, [&](const JsonValue& v) {
        if (v.type != cond.operand.type) return false;
        const int c = JsonCompare(v, cond.operand);
        switch (cond.op) {
          case Op::kGt:
            return c > 0;
          case Op::kGte:
            return c >= 0;
          case Op::kLt:
            return c < 0;
          default:
            return c <= 0;
        }
      });
    case Op::kIn:
    case Op::kNin: {
      bool any = false;
      for (const JsonValue& v : cond.operand.items) {
        if (EqualsAny(cands, v)) {
          any = true;
          break;
        }
      }
      return cond.op == Op::kIn ? any : !any;
    }
    case Op::kAll:
      if (cond.operand.items.empty()) return false;
      for (const JsonValue& v : cond.operand.items) {
        if (!EqualsAny(cands, v)) return false;
      }
      return true;
    case Op::kExists:
      return cond.operand.boolean == !cands.empty();
    case Op::kType:
      if ((cond.type_mask & kArrayBit) != 0) {
        for (const JsonValue* c : cands) {
          if (c->is_array()) return true;
        }
      }
      return AnyExpanded(cands, [&](const JsonValue& v) {
        return !v.is_array() && (cond.type_mask & (1u << static_cast<int>(v.type))) != 0;
      });
    case Op::kSize:
      for (const JsonValue* c : cands) {
        if (c->is_array() && static_cast<double>(c->items.size()) == cond.operand.number) return true;
      }
      return false;
    case Op::kElemMatch:
      for (const JsonValue* c : cands) {
        if (!c->is_array()) continue;
        for (const JsonValue& e : c->items) {
          if (cond.elem_filter) {
            if (e.is_object() && cond.elem_filter->MatchesObject(e)) return true;
          } else if (EvalConds(cond.conds, {&e})) {
            return true;
          }
        }
      }
      return false;
    case Op::kRegex:
      return AnyExpanded(cands, [&](const JsonValue& v) {
        return v.type == JsonValue::Type::kString && RE2::PartialMatch(v.text, *cond.regex);
      });
    case Op::kNot:
      return !EvalConds(cond.conds, cands);
  }
  return false;
}

}  // namespace zds
