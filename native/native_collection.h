// NativeCollection: the JS object behind one open collection handle.
#pragma once

#include <napi.h>

#include <memory>

#include "addon.h"
#include "engine/collection.h"

namespace zds::node {

class NativeCollection : public Napi::ObjectWrap<NativeCollection>, public Releasable {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeCollection(const Napi::CallbackInfo& info);
  ~NativeCollection() override;
  void ReleaseForShutdown() override { coll_.reset(); }

  static Napi::Value OpenAsync(const Napi::CallbackInfo& info);
  // The engine collection, or throws ECLOSED.
  std::shared_ptr<Collection> Get(Napi::Env env);

 private:
  Napi::Value Put(const Napi::CallbackInfo& info);
  Napi::Value WriteJsonl(const Napi::CallbackInfo& info);
  Napi::Value WriteJsonlAsync(const Napi::CallbackInfo& info);
  Napi::Value GetDoc(const Napi::CallbackInfo& info);
  Napi::Value GetMany(const Napi::CallbackInfo& info);
  Napi::Value Delete(const Napi::CallbackInfo& info);
  Napi::Value Exists(const Napi::CallbackInfo& info);
  Napi::Value Count(const Napi::CallbackInfo& info);
  Napi::Value ListIds(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value FlushAsync(const Napi::CallbackInfo& info);
  Napi::Value Compact(const Napi::CallbackInfo& info);
  Napi::Value CompactAsync(const Napi::CallbackInfo& info);
  Napi::Value Refresh(const Napi::CallbackInfo& info);
  Napi::Value Recovery(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);

  std::shared_ptr<Collection> coll_;
  Addon* addon_;
  std::string line_;  // reused scratch: put()'s line, get()'s line when not mapped
  std::string id_;    // reused scratch: get()'s id
};

}  // namespace zds::node
