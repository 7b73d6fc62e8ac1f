#include "native_cursor.h"

#include "async_worker.h"
#include "errors.h"
#include "js_string.h"
#include "native_collection.h"

namespace zds::node {

class CursorReadWorker : public ZdsWorker {
 public:
  CursorReadWorker(Napi::Env env, NativeCursor* owner, std::shared_ptr<Cursor> cursor, size_t max_docs,
                   size_t max_bytes, BatchForm form)
      : ZdsWorker(env, owner->Value()),
        owner_(owner),
        cursor_(std::move(cursor)),
        max_docs_(max_docs),
        max_bytes_(max_bytes),
        form_(form) {}

 protected:
  Status Run() override {
    if (cursor_->done()) return Status::Ok();
    return cursor_->Next(max_docs_, max_bytes_, form_, &batch_);
  }
  Napi::Value Result(Napi::Env env) override {
    owner_->busy_ = false;
    if (batch_.count == 0 && cursor_->done()) return env.Null();
    return NativeCursor::BatchToJs(env, form_, batch_);
  }

 private:
  void OnOK() override {
    owner_->busy_ = false;
    ZdsWorker::OnOK();
  }
  NativeCursor* owner_;  // kept alive by the base's reference to its JS object
  std::shared_ptr<Cursor> cursor_;
  size_t max_docs_, max_bytes_;
  BatchForm form_;
  Batch batch_;
};

Napi::Function NativeCursor::Define(Napi::Env env) {
  return DefineClass(env, "NativeCursor",
                     {
                         InstanceMethod<&NativeCursor::Next>("next"),
                         InstanceMethod<&NativeCursor::NextAsync>("nextAsync"),
                         InstanceMethod<&NativeCursor::Close>("close"),
                         InstanceAccessor<&NativeCursor::Total>("total"),
                     });
}

// new NativeCursor(collection: NativeCollection)
NativeCursor::NativeCursor(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeCursor>(info), addon_(Addon::Of(info.Env())) {
  Napi::Env env = info.Env();
  Napi::Object coll_obj = ArgObject(info, 0, "collection");
  if (!coll_obj.InstanceOf(addon_->collection_ctor.Value()))
    ThrowArg(env, "Expected a NativeCollection for collection");
  std::unique_ptr<Cursor> cursor;
  Check(env, NativeCollection::Unwrap(coll_obj)->Get(env)->NewCursor(&cursor));
  cursor_ = std::move(cursor);
  addon_->Track(this);
}

NativeCursor::~NativeCursor() { addon_->Untrack(this); }

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
  if (!cursor_) Throw(env, Status(Code::kClosed, "The cursor is closed"));
  if (busy_) Throw(env, Status(Code::kInvalidArg, "A read of this cursor is already in progress"));
  const size_t max_docs = ArgUint(info, 0, "maxDocs", 1000);
  const size_t max_bytes = ArgUint(info, 1, "maxBytes", 16u << 20);
  const BatchForm form = FormArg(info, 2);
  if (cursor_->done()) return env.Null();
  Batch batch;
  Check(env, cursor_->Next(max_docs, max_bytes, form, &batch));
  return BatchToJs(env, form, batch);
}

Napi::Value NativeCursor::NextAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!cursor_) Throw(env, Status(Code::kClosed, "The cursor is closed"));
  if (busy_) Throw(env, Status(Code::kInvalidArg, "A read of this cursor is already in progress"));
  const size_t max_docs = ArgUint(info, 0, "maxDocs", 1000);
  const size_t max_bytes = ArgUint(info, 1, "maxBytes", 16u << 20);
  const BatchForm form = FormArg(info, 2);
  busy_ = true;
  auto* w = new CursorReadWorker(env, this, cursor_, max_docs, max_bytes, form);
  w->Queue();
  return w->Promise();
}

// close(): the snapshot is released now, or when an in-flight read ends.
Napi::Value NativeCursor::Close(const Napi::CallbackInfo& info) {
  cursor_.reset();
  return info.Env().Undefined();
}

Napi::Value NativeCursor::Total(const Napi::CallbackInfo& info) {
  if (!cursor_) return Napi::Number::New(info.Env(), 0);
  return Napi::Number::New(info.Env(), static_cast<double>(cursor_->total()));
}

}  // namespace zds::node
