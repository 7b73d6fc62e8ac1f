// NativeCursor: the JS object behind a scan in progress. Batches are read
// synchronously (next) or on the threadpool (nextAsync). A lazy cursor takes
// its snapshot with its first read, so for an async scan even that (a copy
// of the index's line list, ~10 ms per million documents) happens off the
// main thread.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>

#include "addon.h"
#include "engine/cursor.h"

namespace zds::node {

// The engine cursor of a NativeCursor, shared with its threadpool work so
// that close() on the main thread and an open or read on a worker can meet.
class CursorSlot {
 public:
  CursorSlot(std::shared_ptr<Collection> coll, std::shared_ptr<const QueryPlan> plan)
      : coll_(std::move(coll)), plan_(std::move(plan)) {}
  // The cursor, taking the snapshot first if it has not been taken yet.
  Status Acquire(std::shared_ptr<Cursor>* out);
  // Stops a scan in flight and releases the snapshot.
  void Close();
  bool closed();
  size_t total();

 private:
  std::mutex mu_;
  std::shared_ptr<Collection> coll_;  // until the snapshot is taken
  std::shared_ptr<const QueryPlan> plan_;
  std::shared_ptr<Cursor> cursor_;
  bool closed_ = false;
};

class NativeCursor : public Napi::ObjectWrap<NativeCursor>, public Releasable {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeCursor(const Napi::CallbackInfo& info);
  ~NativeCursor() override;
  void ReleaseForShutdown() override { slot_->Close(); }

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
  Napi::Value Total(const Napi::CallbackInfo& info);
  // Throws ECLOSED, or the busy error while async work is in flight.
  void CheckIdle(Napi::Env env);
  // For synchronous calls: the cursor, its snapshot taken now if need be.
  std::shared_ptr<Cursor> Ready(Napi::Env env);

  std::shared_ptr<CursorSlot> slot_;
  bool busy_ = false;  // async work is in flight
  Addon* addon_;
  friend class CursorWorker;
};

}  // namespace zds::node
