// NativeCursor: the JS object behind a scan in progress. Batches are read
// synchronously (next) or on the threadpool (nextAsync).
#pragma once

#include <napi.h>

#include <memory>

#include "addon.h"
#include "engine/cursor.h"

namespace zds::node {

class NativeCursor : public Napi::ObjectWrap<NativeCursor>, public Releasable {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeCursor(const Napi::CallbackInfo& info);
  ~NativeCursor() override;
  void ReleaseForShutdown() override { cursor_.reset(); }

  // Converts a batch to the JS shape its form asks for.
  static Napi::Value BatchToJs(Napi::Env env, BatchForm form, Batch& batch);
  static BatchForm FormArg(const Napi::CallbackInfo& info, size_t i);

 private:
  Napi::Value Next(const Napi::CallbackInfo& info);
  Napi::Value NextAsync(const Napi::CallbackInfo& info);
  static Napi::Value CheckQuery(const Napi::CallbackInfo& info);
  Napi::Value Count(const Napi::CallbackInfo& info);
  Napi::Value CountAsync(const Napi::CallbackInfo& info);
  Napi::Value Distinct(const Napi::CallbackInfo& info);
  Napi::Value DistinctAsync(const Napi::CallbackInfo& info);
  Napi::Value Select(const Napi::CallbackInfo& info);
  Napi::Value ReadAt(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  // The cursor, or throws ECLOSED / a busy error.
  Cursor* Ready(Napi::Env env);
  Napi::Value Total(const Napi::CallbackInfo& info);

  std::shared_ptr<Cursor> cursor_;
  bool busy_ = false;  // an async read is in flight
  Addon* addon_;
  friend class CursorReadWorker;
  friend class CursorTaskWorker;
};

}  // namespace zds::node
