#include "native_cursor.h"

#include "async_worker.h"
#include "errors.h"
#include "js_string.h"
#include "native_collection.h"

namespace zds::node {

Status CursorSlot::Acquire(std::shared_ptr<Cursor>* out) {
  std::shared_ptr<Collection> coll;
  std::shared_ptr<const QueryPlan> plan;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status(Code::kClosed, "The scan was stopped");
    if (cursor_) {
      *out = cursor_;
      return Status::Ok();
    }
    coll = coll_;
    plan = plan_;
  }
  // The snapshot is taken without the slot's lock, so a close() on the main
  // thread never waits for it.
  std::unique_ptr<Cursor> fresh;
  ZDS_RETURN_IF_ERROR(coll->NewCursor(&fresh, std::move(plan)));
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status(Code::kClosed, "The scan was stopped");
  if (!cursor_) {
    cursor_ = std::move(fresh);
    coll_.reset();
    plan_.reset();
  }
  *out = cursor_;
  return Status::Ok();
}

void CursorSlot::Close() {
  std::shared_ptr<Cursor> cursor;
  std::shared_ptr<Collection> coll;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cursor.swap(cursor_);
    coll.swap(coll_);
  }
  // A read in flight holds its own reference; Cancel makes it stop soon.
  if (cursor) cursor->Cancel();
}

bool CursorSlot::closed() {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

size_t CursorSlot::total() {
  std::lock_guard<std::mutex> lock(mu_);
  return cursor_ ? cursor_->total() : 0;
}

// Every threadpool job of a cursor: a batch, a count or a distinct.
class CursorWorker : public ZdsWorker {
 public:
  enum class Task { kNext, kCount, kDistinct };
  CursorWorker(Napi::Env env, NativeCursor* owner, Task task, size_t max_docs = 0, size_t max_bytes = 0,
               BatchForm form = BatchForm::kJsonArray)
      : ZdsWorker(env, owner->Value()),
        owner_(owner),
        slot_(owner->slot_),
        task_(task),
        max_docs_(max_docs),
        max_bytes_(max_bytes),
        form_(form) {}

 protected:
  Status Run() override {
    std::shared_ptr<Cursor> cursor;
    ZDS_RETURN_IF_ERROR(slot_->Acquire(&cursor));
    switch (task_) {
      case Task::kCount:
        return cursor->Count(&count_);
      case Task::kDistinct:
        return cursor->Distinct(&json_);
      case Task::kNext:
        if (!cursor->done()) ZDS_RETURN_IF_ERROR(cursor->Next(max_docs_, max_bytes_, form_, &batch_));
        ended_ = batch_.count == 0 && cursor->done();
        return Status::Ok();
    }
    return Status::Ok();
  }
  Napi::Value Result(Napi::Env env) override {
    switch (task_) {
      case Task::kCount:
        return Napi::Number::New(env, static_cast<double>(count_));
      case Task::kDistinct:
        return JsString(env, json_);
      case Task::kNext:
        return ended_ ? env.Null() : NativeCursor::BatchToJs(env, form_, batch_);
    }
    return env.Undefined();
  }

 private:
  void OnOK() override {
    owner_->busy_ = false;
    ZdsWorker::OnOK();
  }
  NativeCursor* owner_;  // kept alive by the base's reference to its JS object
  std::shared_ptr<CursorSlot> slot_;
  Task task_;
  size_t max_docs_, max_bytes_;
  BatchForm form_;
  Batch batch_;
  bool ended_ = false;
  uint64_t count_ = 0;
  std::string json_;
};

Napi::Function NativeCursor::Define(Napi::Env env) {
  return DefineClass(env, "NativeCursor",
                     {
                         InstanceMethod<&NativeCursor::Next>("next"),
                         InstanceMethod<&NativeCursor::NextAsync>("nextAsync"),
                         StaticMethod<&NativeCursor::CheckQuery>("checkQuery"),
                         InstanceMethod<&NativeCursor::Count>("count"),
                         InstanceMethod<&NativeCursor::CountAsync>("countAsync"),
                         InstanceMethod<&NativeCursor::Distinct>("distinct"),
                         InstanceMethod<&NativeCursor::DistinctAsync>("distinctAsync"),
                         InstanceMethod<&NativeCursor::Select>("select"),
                         InstanceMethod<&NativeCursor::ReadAt>("readAt"),
                         InstanceMethod<&NativeCursor::Close>("close"),
                         InstanceAccessor<&NativeCursor::Total>("total"),
                     });
}

// new NativeCursor(collection: NativeCollection, query?: string, lazy?: boolean):
// a query is the spec JSON of engine/query_plan.h, compiled (and checked)
// here; a lazy cursor takes its snapshot at its first read.
NativeCursor::NativeCursor(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeCursor>(info), addon_(Addon::Of(info.Env())) {
  Napi::Env env = info.Env();
  Napi::Object coll_obj = ArgObject(info, 0, "collection");
  if (!coll_obj.InstanceOf(addon_->collection_ctor.Value()))
    ThrowArg(env, "Expected a NativeCollection for collection");
  std::shared_ptr<const QueryPlan> plan;
  if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) {
    if (!info[1].IsString()) ThrowArg(env, "Expected a query string for query");
    Check(env, QueryPlan::Compile(info[1].As<Napi::String>().Utf8Value(), &plan));
  }
  const bool lazy = ArgBool(info, 2, "lazy", false);
  slot_ = std::make_shared<CursorSlot>(NativeCollection::Unwrap(coll_obj)->Get(env), std::move(plan));
  if (!lazy) {
    std::shared_ptr<Cursor> cursor;
    Check(env, slot_->Acquire(&cursor));
  }
  addon_->Track(this);
}

NativeCursor::~NativeCursor() {
  addon_->Untrack(this);
  slot_->Close();
}

BatchForm NativeCursor::FormArg(const Napi::CallbackInfo& info, size_t i) {
  const uint32_t form = ArgUint(info, i, "form", 2);
  if (form > 2) ThrowArg(info.Env(), "Expected 0, 1 or 2 for form");
  return static_cast<BatchForm>(form);
}

Napi::Value NativeCursor::BatchToJs(Napi::Env env, BatchForm form, Batch& batch) {
  switch (form) {
    case BatchForm::kLines: {
      Napi::Array out = Napi::Array::New(env, batch.count);
      size_t start = 0;
      for (uint32_t i = 0; i < batch.count; ++i) {
        out.Set(i, Napi::Buffer<char>::Copy(env, batch.bytes.data() + start, batch.ends[i] - start));
        start = batch.ends[i];
      }
      return out;
    }
    case BatchForm::kJsonl:
      return Napi::Buffer<char>::Copy(env, batch.bytes.data(), batch.bytes.size());
    case BatchForm::kJsonArray:
      return JsString(env, batch.bytes);
  }
  return env.Null();
}

// next(maxDocs, maxBytes, form) -> batch | null when the scan is over
Napi::Value NativeCursor::Next(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Cursor> cursor = Ready(env);
  const size_t max_docs = ArgUint(info, 0, "maxDocs", 1000);
  const size_t max_bytes = ArgUint(info, 1, "maxBytes", 16u << 20);
  const BatchForm form = FormArg(info, 2);
  if (cursor->done()) return env.Null();
  Batch batch;
  Check(env, cursor->Next(max_docs, max_bytes, form, &batch));
  if (batch.count == 0 && cursor->done()) return env.Null();
  return BatchToJs(env, form, batch);
}

Napi::Value NativeCursor::NextAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env);
  const size_t max_docs = ArgUint(info, 0, "maxDocs", 1000);
  const size_t max_bytes = ArgUint(info, 1, "maxBytes", 16u << 20);
  const BatchForm form = FormArg(info, 2);
  busy_ = true;
  auto* w = new CursorWorker(env, this, CursorWorker::Task::kNext, max_docs, max_bytes, form);
  w->Queue();
  return w->Promise();
}

// NativeCursor.checkQuery(spec): compiles a query spec and throws what is
// wrong with it, so find() refuses a bad query before anything is read.
Napi::Value NativeCursor::CheckQuery(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) ThrowArg(env, "Expected a query string for checkQuery");
  std::shared_ptr<const QueryPlan> plan;
  Check(env, QueryPlan::Compile(info[0].As<Napi::String>().Utf8Value(), &plan));
  return env.Undefined();
}

void NativeCursor::CheckIdle(Napi::Env env) {
  if (slot_->closed()) Throw(env, Status(Code::kClosed, "The cursor is closed"));
  if (busy_) Throw(env, Status(Code::kInvalidArg, "A read of this cursor is already in progress"));
}

std::shared_ptr<Cursor> NativeCursor::Ready(Napi::Env env) {
  CheckIdle(env);
  std::shared_ptr<Cursor> cursor;
  Check(env, slot_->Acquire(&cursor));
  return cursor;
}

// count() -> number of documents the query selects from here on.
Napi::Value NativeCursor::Count(const Napi::CallbackInfo& info) {
  uint64_t n = 0;
  Check(info.Env(), Ready(info.Env())->Count(&n));
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

Napi::Value NativeCursor::CountAsync(const Napi::CallbackInfo& info) {
  CheckIdle(info.Env());
  busy_ = true;
  auto* w = new CursorWorker(info.Env(), this, CursorWorker::Task::kCount);
  w->Queue();
  return w->Promise();
}

// distinct() -> JSON array text of the distinct values of the query's path.
Napi::Value NativeCursor::Distinct(const Napi::CallbackInfo& info) {
  std::string json;
  Check(info.Env(), Ready(info.Env())->Distinct(&json));
  return JsString(info.Env(), json);
}

Napi::Value NativeCursor::DistinctAsync(const Napi::CallbackInfo& info) {
  CheckIdle(info.Env());
  busy_ = true;
  auto* w = new CursorWorker(info.Env(), this, CursorWorker::Task::kDistinct);
  w->Queue();
  return w->Promise();
}

// select() -> how many documents a map-style view over the query holds.
Napi::Value NativeCursor::Select(const Napi::CallbackInfo& info) {
  size_t length = 0;
  Check(info.Env(), Ready(info.Env())->Select(&length));
  return Napi::Number::New(info.Env(), static_cast<double>(length));
}

// readAt(start, count, form) -> documents [start, start + count) of the selection.
Napi::Value NativeCursor::ReadAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Cursor> cursor = Ready(env);
  const size_t start = ArgUint(info, 0, "start", 0);
  const size_t count = ArgUint(info, 1, "count", 0);
  const BatchForm form = FormArg(info, 2);
  Batch batch;
  Check(env, cursor->ReadAt(start, count, form, &batch));
  return BatchToJs(env, form, batch);
}

// close(): the snapshot is released now, or when a read in flight ends; a
// query scan running on the threadpool stops at its next line.
Napi::Value NativeCursor::Close(const Napi::CallbackInfo& info) {
  slot_->Close();
  return info.Env().Undefined();
}

Napi::Value NativeCursor::Total(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(slot_->total()));
}

}  // namespace zds::node
