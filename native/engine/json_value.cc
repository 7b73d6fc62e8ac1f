#include "engine/json_value.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace zds {

const JsonValue* JsonValue::Field(std::string_view key) const {
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return &items[i];
  }
  return nullptr;
}

bool JsonEqual(const JsonValue& a, const JsonValue& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case JsonValue::Type::kNull:
      return true;
    case JsonValue::Type::kBool:
      return a.boolean == b.boolean;
    case JsonValue::Type::kNumber:
      return a.number == b.number;
    case JsonValue::Type::kString:
      return a.text == b.text;
    case JsonValue::Type::kArray:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i) {
        if (!JsonEqual(a.items[i], b.items[i])) return false;
      }
      return true;
    case JsonValue::Type::kObject:
      if (a.keys.size() != b.keys.size()) return false;
      for (size_t i = 0; i < a.keys.size(); ++i) {
        const JsonValue* other = b.Field(a.keys[i]);
        if (other == nullptr || !JsonEqual(a.items[i], *other)) return false;
      }
      return true;
  }
  return false;
}

namespace {
template <typename T>
int Sign(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}
}  // namespace

int JsonCompare(const JsonValue& a, const JsonValue& b) {
  if (a.type != b.type) return Sign(static_cast<int>(a.type), static_cast<int>(b.type));
  switch (a.type) {
    case JsonValue::Type::kNull:
      return 0;
    case JsonValue::Type::kBool:
      return Sign(a.boolean, b.boolean);
    case JsonValue::Type::kNumber:
      return Sign(a.number, b.number);
    case JsonValue::Type::kString: {
      // std::string compares bytes as unsigned char: UTF-8 byte order, which
      // is Unicode code point order.
      const int c = a.text.compare(b.text);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case JsonValue::Type::kArray:
    case JsonValue::Type::kObject: {
      const size_t n = std::min(a.items.size(), b.items.size());
      for (size_t i = 0; i < n; ++i) {
        if (a.is_object()) {
          const int k = a.keys[i].compare(b.keys[i]);
          if (k != 0) return k < 0 ? -1 : 1;
        }
        const int c = JsonCompare(a.items[i], b.items[i]);
        if (c != 0) return c;
      }
      return Sign(a.items.size(), b.items.size());
    }
  }
  return 0;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

namespace {
void AppendNumber(double d, std::string* out) {
  // The shortest text that reads back as the same double, as JSON.stringify.
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, d);
  out->append(buf, result.ptr);
}

void Append(const JsonValue& v, bool canonical, std::string* out) {
  switch (v.type) {
    case JsonValue::Type::kNull:
      out->append("null");
      return;
    case JsonValue::Type::kBool:
      out->append(v.boolean ? "true" : "false");
      return;
    case JsonValue::Type::kNumber:
      AppendNumber(v.number == 0 ? 0 : v.number, out);  // -0 equals 0
      return;
    case JsonValue::Type::kString:
      AppendJsonString(v.text, out);
      return;
    case JsonValue::Type::kArray:
      out->push_back('[');
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0) out->push_back(',');
        Append(v.items[i], canonical, out);
      }
      out->push_back(']');
      return;
    case JsonValue::Type::kObject: {
      std::vector<size_t> order(v.keys.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      if (canonical) {
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return v.keys[a] < v.keys[b]; });
      }
      out->push_back('{');
      for (size_t i = 0; i < order.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendJsonString(v.keys[order[i]], out);
        out->push_back(':');
        Append(v.items[order[i]], canonical, out);
      }
      out->push_back('}');
      return;
    }
  }
}
}  // namespace

void AppendJson(const JsonValue& v, std::string* out) { Append(v, false, out); }
void AppendCanonical(const JsonValue& v, std::string* out) { Append(v, true, out); }

const FieldNeeds* FieldNeeds::Child(std::string_view key) const {
  for (const auto& c : children) {
    if (c.first == key) return &c.second;
  }
  return nullptr;
}

FieldNeeds* FieldNeeds::Add(std::string_view key) {
  for (auto& c : children) {
    if (c.first == key) return &c.second;
  }
  children.emplace_back(std::string(key), FieldNeeds());
  return &children.back().second;
}

void ClearValue(JsonValue* v) {
  v->type = JsonValue::Type::kNull;
  v->items.clear();
  v->keys.clear();
  v->text.clear();
}

simdjson::error_code Materialize(simdjson::ondemand::value value, JsonValue* out, const FieldNeeds* needs) {
  simdjson::ondemand::json_type type;
  auto error = value.type().get(type);
  if (error) return error;
  // Below a leaf everything is read. Elsewhere only the path onwards
  // matters: the object keys it names and the objects inside arrays (whole
  // arrays when a numeric segment follows); a scalar ends every path and
  // stays null.
  const bool whole = needs == nullptr || needs->leaf;
  switch (type) {
    case simdjson::ondemand::json_type::null: {
      out->type = JsonValue::Type::kNull;
      // is_null() validates the literal; a bare "nul" must not pass.
      bool is_null = false;
      error = value.is_null().get(is_null);
      if (error) return error;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
    case simdjson::ondemand::json_type::boolean:
      if (!whole) return simdjson::SUCCESS;
      out->type = JsonValue::Type::kBool;
      return value.get_bool().get(out->boolean);
    case simdjson::ondemand::json_type::number:
      if (!whole) return simdjson::SUCCESS;
      out->type = JsonValue::Type::kNumber;
      return value.get_double().get(out->number);
    case simdjson::ondemand::json_type::string: {
      if (!whole) return simdjson::SUCCESS;
      out->type = JsonValue::Type::kString;
      std::string_view s;
      error = value.get_string().get(s);
      if (error) return error;
      out->text.assign(s.data(), s.size());
      return simdjson::SUCCESS;
    }
    case simdjson::ondemand::json_type::array: {
      out->type = JsonValue::Type::kArray;
      const FieldNeeds* each = whole || needs->any_index ? nullptr : needs;
      simdjson::ondemand::array array;
      error = value.get_array().get(array);
      if (error) return error;
      for (auto element : array) {
        simdjson::ondemand::value item;
        error = element.get(item);
        if (error) return error;
        if (each != nullptr) {
          simdjson::ondemand::json_type item_type;
          error = item.type().get(item_type);
          if (error) return error;
          if (item_type != simdjson::ondemand::json_type::object) continue;
        }
        out->items.emplace_back();
        error = Materialize(item, &out->items.back(), each);
        if (error) return error;
      }
      return simdjson::SUCCESS;
    }
    case simdjson::ondemand::json_type::object: {
      out->type = JsonValue::Type::kObject;
      simdjson::ondemand::object object;
      error = value.get_object().get(object);
      if (error) return error;
      for (auto field : object) {
        std::string_view key;
        error = field.unescaped_key().get(key);
        if (error) return error;
        const FieldNeeds* child = whole ? nullptr : needs->Child(key);
        if (!whole && child == nullptr) continue;
        out->keys.emplace_back(key);
        out->items.emplace_back();
        error = Materialize(field.value(), &out->items.back(), child);
        if (error) return error;
      }
      return simdjson::SUCCESS;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

void FromDom(simdjson::dom::element element, JsonValue* out) {
  switch (element.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      out->type = JsonValue::Type::kNull;
      return;
    case simdjson::dom::element_type::BOOL:
      out->type = JsonValue::Type::kBool;
      out->boolean = element.get_bool().value_unsafe();
      return;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      out->type = JsonValue::Type::kNumber;
      out->number = element.get_double().value_unsafe();
      return;
    case simdjson::dom::element_type::STRING:
      out->type = JsonValue::Type::kString;
      out->text = std::string(element.get_string().value_unsafe());
      return;
    case simdjson::dom::element_type::ARRAY: {
      out->type = JsonValue::Type::kArray;
      simdjson::dom::array array;
      if (element.get_array().get(array) != simdjson::SUCCESS) return;
      for (simdjson::dom::element item : array) {
        out->items.emplace_back();
        FromDom(item, &out->items.back());
      }
      return;
    }
    case simdjson::dom::element_type::OBJECT: {
      out->type = JsonValue::Type::kObject;
      simdjson::dom::object object;
      if (element.get_object().get(object) != simdjson::SUCCESS) return;
      for (simdjson::dom::key_value_pair field : object) {
        out->keys.emplace_back(field.key);
        out->items.emplace_back();
        FromDom(field.value, &out->items.back());
      }
      return;
    }
  }
}

}  // namespace zds
