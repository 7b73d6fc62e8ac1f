// NativeRoot: the JS object behind a store root (lib/ wraps it privately).
#pragma once

#include <napi.h>

#include <memory>

#include "addon.h"
#include "engine/root.h"

namespace zds::node {

class NativeRoot : public Napi::ObjectWrap<NativeRoot>, public Releasable {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeRoot(const Napi::CallbackInfo& info);
  ~NativeRoot() override;
  void ReleaseForShutdown() override { root_.reset(); }

  // The engine root, or throws ECLOSED.
  std::shared_ptr<Root> Get(Napi::Env env);

 private:
  Napi::Value ListCollections(const Napi::CallbackInfo& info);
  Napi::Value CollectionExists(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Path(const Napi::CallbackInfo& info);
  Napi::Value ReadOnly(const Napi::CallbackInfo& info);

  std::shared_ptr<Root> root_;
  Addon* addon_;
};

}  // namespace zds::node
