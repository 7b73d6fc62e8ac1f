#include "engine/projection.h"

#include "engine/query.h"

namespace zds {

namespace {
Status Invalid(const std::string& message) { return Status(Code::kInvalidQuery, message); }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}
}  // namespace

simdjson::error_code RawJson(simdjson::ondemand::value value, std::string_view* out) {
  simdjson::ondemand::json_type type;
  auto error = value.type().get(type);
  if (error) return error;
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object object;
    error = value.get_object().get(object);
    if (error) return error;
    return object.raw_json().get(*out);
  }
  if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array array;
    error = value.get_array().get(array);
    if (error) return error;
    return array.raw_json().get(*out);
  }
  // raw_json_token() includes the blanks up to the next token.
  *out = TrimRight(value.raw_json_token());
  return simdjson::SUCCESS;
}

const Projection::Node* Projection::Node::Child(std::string_view k) const {
  for (const Node& c : children) {
    if (c.key == k) return &c;
  }
  return nullptr;
}

Status Projection::Compile(const JsonValue& spec, std::unique_ptr<Projection>* out) {
  if (!spec.is_object()) return Invalid("Expected an object or an array of paths for fields");
  auto p = std::unique_ptr<Projection>(new Projection());
  int includes = 0, excludes = 0;
  bool id_kept_explicitly = false;
  for (size_t i = 0; i < spec.keys.size(); ++i) {
    if (spec.items[i].type != JsonValue::Type::kBool)
      return Invalid("Expected 1, 0, true or false for fields['" + spec.keys[i] + "']");
    const bool keep = spec.items[i].boolean;
    if (spec.keys[i] == "_id") {
      p->keep_id_ = keep;
      id_kept_explicitly = keep;
      continue;
    }
    (keep ? includes : excludes)++;
    std::string first;
    QueryPath path;
    ZDS_RETURN_IF_ERROR(ParsePath(spec.keys[i], &first, &path));
    Node* node = &p->root_;
    std::vector<std::string> segs{first};
    for (const auto& s : path.rest) segs.push_back(s.key);
    for (const std::string& seg : segs) {
      if (node->leaf) break;  // a shorter path already covers this one
      Node* child = const_cast<Node*>(node->Child(seg));
      if (child == nullptr) {
        node->children.push_back(Node{seg, false, {}});
        child = &node->children.back();
      }
      node = child;
    }
    node->leaf = true;
    node->children.clear();
  }
  if (includes > 0 && excludes > 0)
    return Invalid(
        "Expected fields to keep or fields to drop, not both (only _id may be dropped from kept fields)");
  // {_id: 0} alone drops _id; {_id: 1} alone keeps only _id; {} keeps all.
  p->include_ = includes > 0 || (excludes == 0 && id_kept_explicitly);
  *out = std::move(p);
  return Status::Ok();
}

simdjson::error_code Projection::Apply(simdjson::ondemand::parser& parser, const char* json, size_t len,
                                       size_t capacity, std::string* out) const {
  simdjson::ondemand::document doc;
  auto error = parser.iterate(json, len, capacity).get(doc);
  if (error) return error;
  simdjson::ondemand::object object;
  error = doc.get_object().get(object);
  if (error) return error;
  return EmitObject(root_, object, true, out);
}

simdjson::error_code Projection::EmitObject(const Node& node, simdjson::ondemand::object object, bool top,
                                            std::string* out) const {
  out->push_back('{');
  bool first = true;
  for (auto field : object) {
    std::string_view key;
    auto error = field.unescaped_key().get(key);
    if (error) return error;
    const Node* child = nullptr;
    bool keep;
    if (top && key == "_id") {
      keep = keep_id_;
    } else {
      child = node.Child(key);
      keep = include_ ? child != nullptr : (child == nullptr || !child->leaf);
    }
    if (!keep) continue;
    simdjson::ondemand::value value;
    error = field.value().get(value);
    if (error) return error;
    const size_t mark = out->size();
    if (!first) out->push_back(',');
    AppendJsonString(key, out);
    out->push_back(':');
    if (child == nullptr || child->leaf) {
      std::string_view raw;
      error = RawJson(value, &raw);
      if (error) return error;
      out->append(raw.data(), raw.size());
    } else {
      simdjson::ondemand::json_type type;
      error = value.type().get(type);
      if (error) return error;
      if (type == simdjson::ondemand::json_type::object) {
        error = EmitObject(*child, value.get_object(), false, out);
      } else if (type == simdjson::ondemand::json_type::array) {
        error = EmitArray(*child, value.get_array(), out);
      } else if (include_) {
        out->resize(mark);  // a scalar has none of the kept sub-fields
        continue;
      } else {
        std::string_view raw;
        error = RawJson(value, &raw);
        out->append(raw.data(), raw.size());
      }
      if (error) return error;
    }
    first = false;
  }
  out->push_back('}');
  return simdjson::SUCCESS;
}

simdjson::error_code Projection::EmitArray(const Node& node, simdjson::ondemand::array array,
                                           std::string* out) const {
  out->push_back('[');
  bool first = true;
  for (auto element : array) {
    simdjson::ondemand::value value;
    auto error = element.get(value);
    if (error) return error;
    simdjson::ondemand::json_type type;
    error = value.type().get(type);
    if (error) return error;
    if (type == simdjson::ondemand::json_type::object) {
      if (!first) out->push_back(',');
      error = EmitObject(node, value.get_object(), false, out);
    } else if (include_) {
      continue;  // kept paths run through objects only
    } else {
      if (!first) out->push_back(',');
      std::string_view raw;
      error = RawJson(value, &raw);
      out->append(raw.data(), raw.size());
    }
    if (error) return error;
    first = false;
  }
  out->push_back(']');
  return simdjson::SUCCESS;
}

}  // namespace zds
