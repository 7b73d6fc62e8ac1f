#include "native_collection.h"

#include "async_worker.h"
#include "engine/names.h"
#include "errors.h"
#include "js_string.h"
#include "native_root.h"

namespace zds::node {

namespace {

class FlushWorker : public ZdsWorker {
 public:
  FlushWorker(Napi::Env env, Napi::Object owner, std::shared_ptr<Collection> coll, bool compact)
      : ZdsWorker(env, owner), coll_(std::move(coll)), compact_(compact) {}

 protected:
  Status Run() override { return compact_ ? coll_->Compact() : coll_->Flush(); }

 private:
  std::shared_ptr<Collection> coll_;
  bool compact_;
};

// zds writes "_id" first, so get() can drop it by slicing instead of making
// JavaScript delete a property (which slows the object down).
bool StripLeadingId(std::string_view line, std::string_view id, std::string* out) {
  const size_t head = 8 + id.size() + 1;  // {"_id":"<id>"
  if (line.size() < head + 1 || line.compare(0, 8, "{\"_id\":\"") != 0 ||
      line.compare(8, id.size(), id) != 0 || line[8 + id.size()] != '"')
    return false;
  if (line[head] == '}') {
    *out = "{}";
    return true;
  }
  if (line[head] != ',') return false;
  out->assign("{");
  out->append(line.substr(head + 1));
  return true;
}

}  // namespace

Napi::Function NativeCollection::Define(Napi::Env env) {
  return DefineClass(env, "NativeCollection",
                     {
                         StaticMethod<&NativeCollection::OpenAsync>("openAsync"),
                         InstanceMethod<&NativeCollection::Put>("put"),
                         InstanceMethod<&NativeCollection::WriteJsonl>("writeJsonl"),
                         InstanceMethod<&NativeCollection::WriteJsonlAsync>("writeJsonlAsync"),
                         InstanceMethod<&NativeCollection::GetDoc>("get"),
                         InstanceMethod<&NativeCollection::GetMany>("getMany"),
                         InstanceMethod<&NativeCollection::Delete>("delete"),
                         InstanceMethod<&NativeCollection::Exists>("exists"),
                         InstanceMethod<&NativeCollection::Count>("count"),
                         InstanceMethod<&NativeCollection::ListIds>("listIds"),
                         InstanceMethod<&NativeCollection::Flush>("flush"),
                         InstanceMethod<&NativeCollection::FlushAsync>("flushAsync"),
                         InstanceMethod<&NativeCollection::Compact>("compact"),
                         InstanceMethod<&NativeCollection::CompactAsync>("compactAsync"),
                         InstanceMethod<&NativeCollection::Refresh>("refresh"),
                         InstanceMethod<&NativeCollection::Recovery>("recovery"),
                         InstanceMethod<&NativeCollection::Stats>("stats"),
                         InstanceMethod<&NativeCollection::Close>("close"),
                         InstanceAccessor<&NativeCollection::IsClosed>("closed"),
                     });
}

// Appends lines without ids (each carries its own) off the main thread. The
// Buffer is held by reference until the work ends, so its bytes stay put.
class WriteJsonlWorker : public ZdsWorker {
 public:
  WriteJsonlWorker(Napi::Env env, Napi::Object owner, std::shared_ptr<Collection> coll,
                   Napi::Buffer<char> buf)
      : ZdsWorker(env, owner),
        coll_(std::move(coll)),
        data_(buf.Data(), buf.Length()),
        buf_(Napi::Persistent(buf.As<Napi::Object>())) {}

 protected:
  Status Run() override { return coll_->WriteJsonl(data_, {}, &count_); }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, static_cast<double>(count_)); }

 private:
  std::shared_ptr<Collection> coll_;
  std::string_view data_;
  Napi::ObjectReference buf_;
  size_t count_ = 0;
};

using OpenedCollection = std::shared_ptr<Collection>;

// Opens a collection (loading or rebuilding its index) on the threadpool,
// then wraps it in a NativeCollection on the main thread.
class OpenWorker : public ZdsWorker {
 public:
  OpenWorker(Napi::Env env, Napi::Object root_obj, std::shared_ptr<Root> root, std::string name,
             CollectionOptions options, Addon* addon)
      : ZdsWorker(env, root_obj),
        root_(std::move(root)),
        name_(std::move(name)),
        options_(options),
        addon_(addon) {}

 protected:
  Status Run() override { return root_->OpenCollection(name_, options_, &coll_); }
  Napi::Value Result(Napi::Env env) override {
    // Only native code can make an External, so JS cannot forge this call.
    auto ext = Napi::External<OpenedCollection>::New(env, new OpenedCollection(std::move(coll_)),
                                                     [](Napi::Env, OpenedCollection* p) { delete p; });
    return addon_->collection_ctor.New({ext});
  }

 private:
  std::shared_ptr<Root> root_;
  std::string name_;
  CollectionOptions options_;
  Addon* addon_;
  OpenedCollection coll_;
};

// NativeCollection.openAsync(root, name, readOnly, skipCorrupt, batchSize) -> Promise<NativeCollection>
Napi::Value NativeCollection::OpenAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Addon* addon = Addon::Of(env);
  Napi::Object root_obj = ArgObject(info, 0, "root");
  if (!root_obj.InstanceOf(addon->root_ctor.Value())) ThrowArg(env, "Expected a NativeRoot for root");
  std::shared_ptr<Root> root = NativeRoot::Unwrap(root_obj)->Get(env);
  std::string name = ArgString(info, 1, "name");
  CollectionOptions options;
  options.read_only = ArgBool(info, 2, "readOnly", false);
  options.skip_corrupt = ArgBool(info, 3, "skipCorrupt", false);
  options.batch_size = ArgUint(info, 4, "batchSize", 5000);
  auto* w = new OpenWorker(env, root_obj, std::move(root), std::move(name), options, addon);
  w->Queue();
  return w->Promise();
}

// new NativeCollection(root: NativeRoot, name, readOnly, skipCorrupt, batchSize)
NativeCollection::NativeCollection(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeCollection>(info), addon_(Addon::Of(info.Env())) {
  Napi::Env env = info.Env();
  if (info.Length() == 1 && info[0].IsExternal()) {  // from OpenWorker
    coll_ = *info[0].As<Napi::External<OpenedCollection>>().Data();
    addon_->Track(this);
    return;
  }
  Napi::Object root_obj = ArgObject(info, 0, "root");
  if (!root_obj.InstanceOf(addon_->root_ctor.Value())) ThrowArg(env, "Expected a NativeRoot for root");
  std::shared_ptr<Root> root = NativeRoot::Unwrap(root_obj)->Get(env);
  const std::string name = ArgString(info, 1, "name");
  CollectionOptions options;
  options.read_only = ArgBool(info, 2, "readOnly", false);
  options.skip_corrupt = ArgBool(info, 3, "skipCorrupt", false);
  options.batch_size = ArgUint(info, 4, "batchSize", 5000);
  Check(env, root->OpenCollection(name, options, &coll_));
  addon_->Track(this);
}

NativeCollection::~NativeCollection() { addon_->Untrack(this); }

std::shared_ptr<Collection> NativeCollection::Get(Napi::Env env) {
  if (!coll_) Throw(env, Status(Code::kClosed, "The collection handle is closed"));
  return coll_;
}

// put(line): the hot write path. The line starts with {"_id":"<id>", which
// names the document, so one string crosses into native code per put.
Napi::Value NativeCollection::Put(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!coll_) Throw(env, Status(Code::kClosed, "The collection handle is closed"));
  const std::string_view line = ReadUtf8(info, 0, "line", &line_);
  std::string_view id;
  if (!LeadingId(line, &id))
    ThrowArg(env, "Expected a document line that starts with {\"_id\":\"<id>\" for put");
  Check(env, coll_->Put(id, line));
  return env.Undefined();
}

Napi::Value NativeCollection::WriteJsonl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto coll = Get(env);
  if (info.Length() < 1 || !info[0].IsBuffer() ||
      (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsArray()))
    ThrowArg(env, "Expected a Buffer and an optional array of ids for writeJsonl");
  auto buf = info[0].As<Napi::Buffer<char>>();
  std::vector<std::string> ids;
  Napi::Array arr =
      info.Length() > 1 && info[1].IsArray() ? info[1].As<Napi::Array>() : Napi::Array::New(env, 0);
  ids.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value v = arr.Get(i);
    if (!v.IsString()) ThrowArg(env, "Expected a string for ids[" + std::to_string(i) + "]");
    ids.push_back(v.As<Napi::String>().Utf8Value());
  }
  size_t count = 0;
  Check(env, coll->WriteJsonl(std::string_view(buf.Data(), buf.Length()), ids, &count));
  return Napi::Number::New(env, static_cast<double>(count));
}

// writeJsonlAsync(data: Buffer) -> Promise<number>; lines carry their own ids.
Napi::Value NativeCollection::WriteJsonlAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto coll = Get(env);
  if (info.Length() < 1 || !info[0].IsBuffer()) ThrowArg(env, "Expected a Buffer for writeJsonlAsync");
  auto* w = new WriteJsonlWorker(env, info.This().As<Napi::Object>(), std::move(coll),
                                 info[0].As<Napi::Buffer<char>>());
  w->Queue();
  return w->Promise();
}

// get(id, stripId) -> string | undefined. The JS string is made straight
// from the mapped line: the one copy a get makes.
Napi::Value NativeCollection::GetDoc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto coll = Get(env);
  const std::string_view id = ReadUtf8(info, 0, "id", &id_);
  const bool strip = ArgBool(info, 1, "stripId", false);
  LineView view;
  Status st = coll->Get(id, &line_, &view);
  if (st.code() == Code::kNotFound) return env.Undefined();
  Check(env, st);
  if (strip) {
    std::string body;
    if (StripLeadingId(view.text, id, &body)) return JsString(env, body);
  }
  return JsString(env, view.text);
}

// getMany(ids) -> JSON array text with null for missing ids.
Napi::Value NativeCollection::GetMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto coll = Get(env);
  if (info.Length() < 1 || !info[0].IsArray()) ThrowArg(env, "Expected an array of ids for getMany");
  auto arr = info[0].As<Napi::Array>();
  std::string out = "[";
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value v = arr.Get(i);
    if (!v.IsString()) ThrowArg(env, "Expected a string for ids[" + std::to_string(i) + "]");
    if (i) out.push_back(',');
    Status st = coll->Get(v.As<Napi::String>().Utf8Value(), &line_);
    if (st.code() == Code::kNotFound) {
      out += "null";
      continue;
    }
    Check(env, st);
    out += line_;
  }
  out.push_back(']');
  return JsString(env, out);
}

Napi::Value NativeCollection::Delete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto coll = Get(env);
  const std::string id = ArgString(info, 0, "id");
  Status st = coll->Delete(id);
  if (st.code() == Code::kNotFound) return Napi::Boolean::New(env, false);
  Check(env, st);
  return Napi::Boolean::New(env, true);
}

Napi::Value NativeCollection::Exists(const Napi::CallbackInfo& info) {
  auto coll = Get(info.Env());
  const std::string id = ArgString(info, 0, "id");
  return Napi::Boolean::New(info.Env(), coll->Exists(id));
}

Napi::Value NativeCollection::Count(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Get(info.Env())->Count()));
}

Napi::Value NativeCollection::ListIds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> ids;
  Get(env)->ListIds(&ids);
  Napi::Array out = Napi::Array::New(env, ids.size());
  for (uint32_t i = 0; i < ids.size(); ++i) out.Set(i, Napi::String::New(env, ids[i]));
  return out;
}

Napi::Value NativeCollection::Flush(const Napi::CallbackInfo& info) {
  Check(info.Env(), Get(info.Env())->Flush());
  return info.Env().Undefined();
}

Napi::Value NativeCollection::FlushAsync(const Napi::CallbackInfo& info) {
  auto* w = new FlushWorker(info.Env(), info.This().As<Napi::Object>(), Get(info.Env()), false);
  w->Queue();
  return w->Promise();
}

Napi::Value NativeCollection::Compact(const Napi::CallbackInfo& info) {
  Check(info.Env(), Get(info.Env())->Compact());
  return info.Env().Undefined();
}

Napi::Value NativeCollection::CompactAsync(const Napi::CallbackInfo& info) {
  auto* w = new FlushWorker(info.Env(), info.This().As<Napi::Object>(), Get(info.Env()), true);
  w->Queue();
  return w->Promise();
}

Napi::Value NativeCollection::Refresh(const Napi::CallbackInfo& info) {
  Check(info.Env(), Get(info.Env())->Refresh());
  return info.Env().Undefined();
}

Napi::Value NativeCollection::Recovery(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const RecoveryReport r = Get(env)->recovery();
  Napi::Object out = Napi::Object::New(env);
  out.Set("indexRebuilt", r.index_rebuilt);
  out.Set("indexReason", r.index_reason.empty() ? env.Null() : Napi::String::New(env, r.index_reason));
  out.Set("replayedLines", static_cast<double>(r.replayed_lines));
  out.Set("truncatedBytes", static_cast<double>(r.truncated_bytes));
  out.Set("tornOffset", r.truncated_bytes
                            ? Napi::Value(Napi::Number::New(env, static_cast<double>(r.torn_offset)))
                            : env.Null());
  out.Set("newlineAdded", r.newline_added);
  out.Set("foreignDeletes", static_cast<double>(r.foreign_deletes));
  Napi::Array skipped = Napi::Array::New(env, r.skipped.size());
  for (uint32_t i = 0; i < r.skipped.size(); ++i) {
    Napi::Object s = Napi::Object::New(env);
    s.Set("line", static_cast<double>(r.skipped[i].line_no));
    s.Set("offset", static_cast<double>(r.skipped[i].offset));
    s.Set("reason", r.skipped[i].reason);
    skipped.Set(i, s);
  }
  out.Set("skippedLines", skipped);
  return out;
}

Napi::Value NativeCollection::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto coll = Get(env);
  Napi::Object out = Napi::Object::New(env);
  out.Set("indexBytes", static_cast<double>(coll->IndexMemoryUsage()));
  out.Set("dataBytes", static_cast<double>(coll->DataBytes()));
  return out;
}

// close(): checkpoint (flush + manifest), then drop this handle's reference.
// The reference is dropped even when the checkpoint fails, and the error is
// still thrown so the caller learns of it.
Napi::Value NativeCollection::Close(const Napi::CallbackInfo& info) {
  if (!coll_) return info.Env().Undefined();
  std::shared_ptr<Collection> coll = std::move(coll_);
  coll_.reset();
  Check(info.Env(), coll->Checkpoint());
  return info.Env().Undefined();
}

Napi::Value NativeCollection::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !coll_);
}

}  // namespace zds::node
