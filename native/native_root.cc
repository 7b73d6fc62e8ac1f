#include "native_root.h"

#include "engine/archive.h"
#include "errors.h"

namespace zds::node {

Napi::Function NativeRoot::Define(Napi::Env env) {
  return DefineClass(env, "NativeRoot",
                     {
                         InstanceMethod<&NativeRoot::ListCollections>("listCollections"),
                         InstanceMethod<&NativeRoot::CollectionExists>("collectionExists"),
                         InstanceMethod<&NativeRoot::Close>("close"),
                         InstanceAccessor<&NativeRoot::Path>("path"),
                         InstanceAccessor<&NativeRoot::ReadOnly>("readOnly"),
                     });
}

NativeRoot::NativeRoot(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeRoot>(info), addon_(Addon::Of(info.Env())) {
  const std::string path = ArgString(info, 0, "path");
  const bool read_only = ArgBool(info, 1, "readOnly", false);
  // A .zds archive opens read-only, in place (FORMAT.md "Archives").
  if (LooksLikeArchive(DefaultFileSystem(), path)) {
    Check(info.Env(), Root::OpenArchive(DefaultFileSystem(), path, &root_));
  } else {
    Check(info.Env(), Root::Open(DefaultFileSystem(), path, read_only, &root_));
  }
  addon_->Track(this);
}

NativeRoot::~NativeRoot() { addon_->Untrack(this); }

std::shared_ptr<Root> NativeRoot::Get(Napi::Env env) {
  if (!root_) Throw(env, Status(Code::kClosed, "The store is closed"));
  return root_;
}

Napi::Value NativeRoot::ListCollections(const Napi::CallbackInfo& info) {
  std::vector<std::string> names;
  Check(info.Env(), Get(info.Env())->ListCollections(&names));
  Napi::Array out = Napi::Array::New(info.Env(), names.size());
  for (uint32_t i = 0; i < names.size(); ++i) out.Set(i, Napi::String::New(info.Env(), names[i]));
  return out;
}

Napi::Value NativeRoot::CollectionExists(const Napi::CallbackInfo& info) {
  const std::string name = ArgString(info, 0, "name");
  bool exists = false;
  Check(info.Env(), Get(info.Env())->CollectionExists(name, &exists));
  return Napi::Boolean::New(info.Env(), exists);
}

Napi::Value NativeRoot::Close(const Napi::CallbackInfo& info) {
  root_.reset();
  return info.Env().Undefined();
}

Napi::Value NativeRoot::Path(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Get(info.Env())->path());
}

Napi::Value NativeRoot::ReadOnly(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Get(info.Env())->read_only());
}

}  // namespace zds::node
