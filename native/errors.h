// Turning engine Status values into ZdsError exceptions, and the small
// argument guards the native layer re-checks even though TypeScript
// validated first (a direct call must never crash the process).
#pragma once

#include <napi.h>

#include <string>
#include <string_view>

#include "engine/status.h"

namespace zds::node {

// A ZdsError (made by the factory TypeScript registered) for code + message.
Napi::Value MakeError(Napi::Env env, const char* code, const std::string& message);
Napi::Value MakeError(Napi::Env env, const Status& status);
[[noreturn]] void Throw(Napi::Env env, const Status& status);
[[noreturn]] void ThrowArg(Napi::Env env, const std::string& message);

inline void Check(Napi::Env env, const Status& status) {
  if (!status.ok()) Throw(env, status);
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* what);
// The UTF-8 bytes of a string argument, read with one N-API call into
// `scratch`, whose size is kept at its capacity so it is
// never zero-filled again. The view lives until scratch is next used.
std::string_view ReadUtf8(const Napi::CallbackInfo& info, size_t i, const char* what, std::string* scratch);
Napi::Object ArgObject(const Napi::CallbackInfo& info, size_t i, const char* what);
uint32_t ArgUint(const Napi::CallbackInfo& info, size_t i, const char* what, uint32_t fallback);
bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* what, bool fallback);

}  // namespace zds::node
