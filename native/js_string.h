// Document text to JavaScript strings. V8 decodes UTF-8 byte by byte, while
// Latin-1 is a straight copy into a one-byte string; ASCII is both, and most
// JSON is ASCII, so it is checked first (8 bytes at a time) and takes the
// copy.
#pragma once

#include <napi.h>

#include <cstdint>
#include <cstring>
#include <string_view>

namespace zds::node {

inline bool IsAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t any = 0;
  for (; n >= 32; p += 32, n -= 32) {
    uint64_t w[4];
    std::memcpy(w, p, 32);
    any |= w[0] | w[1] | w[2] | w[3];
  }
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    any |= w;
  }
  uint64_t tail = 0;
  for (; n > 0; ++p, --n) tail |= static_cast<unsigned char>(*p);
  return ((any | tail) & 0x8080808080808080ULL) == 0;
}

// A JS string of UTF-8 text.
inline Napi::String JsString(Napi::Env env, std::string_view text) {
  napi_value out;
  const napi_status st = IsAscii(text) ? napi_create_string_latin1(env, text.data(), text.size(), &out)
                                       : napi_create_string_utf8(env, text.data(), text.size(), &out);
  NAPI_THROW_IF_FAILED(env, st, Napi::String());
  return Napi::String(env, out);
}

}  // namespace zds::node
