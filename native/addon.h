// Per-environment state of the addon. Node may load zds in several contexts
// of one process (worker_threads, Electron, VS Code extension hosts), so
// nothing JavaScript-side lives in globals: each environment gets its own
// Addon with its own constructors and error factory.
#pragma once

#include <napi.h>

#include <unordered_set>

namespace zds::node {

class Releasable {
 public:
  virtual ~Releasable() = default;
  // Drops engine references when the environment shuts down.
  virtual void ReleaseForShutdown() = 0;
};

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports);
  ~Addon();

  static Addon* Of(Napi::Env env) { return env.GetInstanceData<Addon>(); }

  Napi::FunctionReference root_ctor;
  Napi::FunctionReference collection_ctor;
  Napi::FunctionReference cursor_ctor;
  Napi::FunctionReference error_factory;  // (code, message) => ZdsError

  // Live handles of this environment, released on teardown.
  void Track(Releasable* r) { live_.insert(r); }
  void Untrack(Releasable* r) { live_.erase(r); }

 private:
  Napi::Value Version(const Napi::CallbackInfo& info);
  Napi::Value SetErrorFactory(const Napi::CallbackInfo& info);
  Napi::Value OpenScans(const Napi::CallbackInfo& info);
  std::unordered_set<Releasable*> live_;
};

}  // namespace zds::node
