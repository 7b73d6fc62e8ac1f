#include "errors.h"

#include "addon.h"

namespace zds::node {

Napi::Value MakeError(Napi::Env env, const char* code, const std::string& message) {
  Addon* addon = Addon::Of(env);
  if (addon && !addon->error_factory.IsEmpty()) {
    return addon->error_factory.Call({Napi::String::New(env, code), Napi::String::New(env, message)});
  }
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err.Value();
}

Napi::Value MakeError(Napi::Env env, const Status& status) {
  return MakeError(env, CodeName(status.code()), status.message());
}

void Throw(Napi::Env env, const Status& status) { throw Napi::Error(env, MakeError(env, status)); }

void ThrowArg(Napi::Env env, const std::string& message) {
  throw Napi::Error(env, MakeError(env, "EINVALIDARG", message));
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsString())
    ThrowArg(info.Env(), std::string("Expected a string for ") + what);
  return info[i].As<Napi::String>().Utf8Value();
}

std::string_view ReadUtf8(const Napi::CallbackInfo& info, size_t i, const char* what, std::string* scratch) {
  if (info.Length() <= i || !info[i].IsString())
    ThrowArg(info.Env(), std::string("Expected a string for ") + what);
  napi_env env = info.Env();
  napi_value v = info[i];
  if (scratch->size() < 4096) scratch->resize(4096);
  size_t copied = 0;
  if (napi_get_value_string_utf8(env, v, scratch->data(), scratch->size(), &copied) != napi_ok)
    ThrowArg(info.Env(), std::string("Unreadable string for ") + what);
  // Room for the NUL and a whole UTF-8 sequence left over means nothing was cut.
  if (copied + 5 <= scratch->size()) return std::string_view(scratch->data(), copied);
  size_t len = 0;
  napi_get_value_string_utf8(env, v, nullptr, 0, &len);
  scratch->resize(len + 1);
  napi_get_value_string_utf8(env, v, scratch->data(), scratch->size(), &copied);
  return std::string_view(scratch->data(), copied);
}

Napi::Object ArgObject(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsObject())
    ThrowArg(info.Env(), std::string("Expected an object for ") + what);
  return info[i].As<Napi::Object>();
}

uint32_t ArgUint(const Napi::CallbackInfo& info, size_t i, const char* what, uint32_t fallback) {
  if (info.Length() <= i || info[i].IsUndefined()) return fallback;
  if (!info[i].IsNumber()) ThrowArg(info.Env(), std::string("Expected a number for ") + what);
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 4294967295.0))
    ThrowArg(info.Env(), std::string("Expected a non-negative integer for ") + what);
  return static_cast<uint32_t>(v);
}

bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* what, bool fallback) {
  if (info.Length() <= i || info[i].IsUndefined()) return fallback;
  if (!info[i].IsBoolean()) ThrowArg(info.Env(), std::string("Expected a boolean for ") + what);
  return info[i].As<Napi::Boolean>().Value();
}

}  // namespace zds::node
