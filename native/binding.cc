// Registers the addon's classes; each lives in its own file.
#include <napi.h>

#include "addon.h"
#include "errors.h"
#include "native_archive.h"
#include "native_collection.h"
#include "native_cursor.h"
#include "native_root.h"

namespace zds::node {

Addon::Addon(Napi::Env env, Napi::Object exports) {
  Napi::Function root = NativeRoot::Define(env);
  Napi::Function collection = NativeCollection::Define(env);
  Napi::Function cursor = NativeCursor::Define(env);
  root_ctor = Napi::Persistent(root);
  collection_ctor = Napi::Persistent(collection);
  cursor_ctor = Napi::Persistent(cursor);
  DefineAddon(exports, {
                           InstanceMethod("version", &Addon::Version),
                           InstanceMethod("setErrorFactory", &Addon::SetErrorFactory),
                           InstanceMethod("openScans", &Addon::OpenScans),
                           InstanceValue("NativeRoot", root),
                           InstanceValue("NativeCollection", collection),
                           InstanceValue("NativeCursor", cursor),
                       });
  DefineArchiveFunctions(env, exports);
}

// Runs when the environment (main thread, worker, or context) shuts down:
// handles still open release their engine objects, which flush and let go
// of the writer lock.
Addon::~Addon() {
  for (Releasable* r : live_) r->ReleaseForShutdown();
  live_.clear();
}

Napi::Value Addon::Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ZDS_VERSION);
}

// How many scans (engine cursors) are alive in the process.
Napi::Value Addon::OpenScans(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Cursor::LiveCount()));
}

Napi::Value Addon::SetErrorFactory(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) ThrowArg(info.Env(), "Expected a function for factory");
  error_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace zds::node

using ZdsAddon = zds::node::Addon;
NODE_API_NAMED_ADDON(zds, ZdsAddon)
