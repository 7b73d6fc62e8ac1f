#include "native_archive.h"

#include <atomic>
#include <memory>

#include "async_worker.h"
#include "engine/archive.h"
#include "engine/root.h"
#include "errors.h"
#include "native_root.h"

namespace zds::node {

namespace {

// Progress from a threadpool thread to a JS callback, at most every 1% (and
// at the end); the callback runs on the main thread some time later.
class ProgressRelay {
 public:
  ProgressRelay(Napi::Env env, Napi::Value fn) {
    if (fn.IsFunction())
      tsfn_ = Napi::ThreadSafeFunction::New(env, fn.As<Napi::Function>(), "zds-archive-progress", 0, 1);
  }
  ~ProgressRelay() {
    if (tsfn_) tsfn_.Release();
  }
  ArchiveProgressFn Fn() {
    if (!tsfn_) return nullptr;
    return [this](const ArchiveProgress& p) {
      const uint64_t step = p.total / 100 + 1;
      if (p.done != p.total && p.done < last_ + step && p.entries_done == last_entries_) return;
      last_ = p.done;
      last_entries_ = p.entries_done;
      auto* copy = new ArchiveProgress(p);
      const napi_status st =
          tsfn_.NonBlockingCall(copy, [](Napi::Env env, Napi::Function cb, ArchiveProgress* q) {
            Napi::Object o = Napi::Object::New(env);
            o.Set("bytes", Napi::Number::New(env, static_cast<double>(q->done)));
            o.Set("totalBytes", Napi::Number::New(env, static_cast<double>(q->total)));
            o.Set("entries", Napi::Number::New(env, static_cast<double>(q->entries_done)));
            o.Set("totalEntries", Napi::Number::New(env, static_cast<double>(q->entries_total)));
            delete q;
            cb.Call({o});
          });
      if (st != napi_ok) delete copy;
    };
  }

 private:
  Napi::ThreadSafeFunction tsfn_;
  uint64_t last_ = 0;
  uint64_t last_entries_ = 0;
};

// The result of an async archive call: { promise, cancel() }.
Napi::Object Job(Napi::Env env, Napi::Promise promise, std::shared_ptr<std::atomic<bool>> cancel) {
  Napi::Object job = Napi::Object::New(env);
  job.Set("promise", promise);
  job.Set("cancel", Napi::Function::New(env, [cancel](const Napi::CallbackInfo& info) {
            cancel->store(true);
            return info.Env().Undefined();
          }));
  return job;
}

// Pack and unpack: a job with progress and a cancel flag.
class ArchiveJob : public ZdsWorker {
 public:
  ArchiveJob(Napi::Env env, Napi::Object owner, Napi::Value on_progress)
      : ZdsWorker(env, owner),
        relay_(env, on_progress),
        cancel_(std::make_shared<std::atomic<bool>>(false)) {}
  std::shared_ptr<std::atomic<bool>> cancel() const { return cancel_; }

 protected:
  ProgressRelay relay_;
  std::shared_ptr<std::atomic<bool>> cancel_;
};

class PackWorker : public ArchiveJob {
 public:
  PackWorker(Napi::Env env, Napi::Object owner, std::shared_ptr<Root> root, std::string out,
             PackOptions options, Napi::Value on_progress)
      : ArchiveJob(env, owner, on_progress),
        root_(std::move(root)),
        out_(std::move(out)),
        options_(options) {}

 protected:
  Status Run() override {
    // Every acknowledged write of this process reaches the files first; the
    // root's writer lock keeps other processes out while Pack reads.
    ZDS_RETURN_IF_ERROR(root_->CheckpointAll());
    return PackStore(root_->fs(), root_->path(), out_, options_, relay_.Fn(), cancel_.get());
  }

 private:
  std::shared_ptr<Root> root_;
  std::string out_;
  PackOptions options_;
};

class UnpackWorker : public ArchiveJob {
 public:
  UnpackWorker(Napi::Env env, Napi::Object owner, std::string archive, std::string target,
               UnpackOptions options, Napi::Value on_progress)
      : ArchiveJob(env, owner, on_progress),
        archive_(std::move(archive)),
        target_(std::move(target)),
        options_(options) {}

 protected:
  Status Run() override {
    return UnpackStore(DefaultFileSystem(), archive_, target_, options_, relay_.Fn(), cancel_.get());
  }

 private:
  std::string archive_, target_;
  UnpackOptions options_;
};

class VerifyWorker : public ZdsWorker {
 public:
  VerifyWorker(Napi::Env env, Napi::Object owner, std::string path)
      : ZdsWorker(env, owner), path_(std::move(path)) {}

 protected:
  Status Run() override { return VerifyStore(DefaultFileSystem(), path_, &problems_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array out = Napi::Array::New(env, problems_.size());
    for (uint32_t i = 0; i < problems_.size(); ++i) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("where", problems_[i].where);
      o.Set("problem", problems_[i].what);
      out.Set(i, o);
    }
    return out;
  }

 private:
  std::string path_;
  std::vector<Problem> problems_;
};

double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber() || info[i].As<Napi::Number>().DoubleValue() < 0)
    ThrowArg(info.Env(), std::string("Expected a non-negative number for ") + what);
  return info[i].As<Napi::Number>().DoubleValue();
}

// packAsync(root: NativeRoot, out, deflate, level, onProgress?) -> { promise, cancel }
Napi::Value PackAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Addon* addon = Addon::Of(env);
  Napi::Object root_obj = ArgObject(info, 0, "root");
  if (!root_obj.InstanceOf(addon->root_ctor.Value())) ThrowArg(env, "Expected a NativeRoot for root");
  std::shared_ptr<Root> root = NativeRoot::Unwrap(root_obj)->Get(env);
  if (root->read_only())
    Throw(env, Status(Code::kReadOnly,
                      "Packing needs the store's writer lock: open '" + root->path() + "' writable"));
  PackOptions options;
  const std::string out = ArgString(info, 1, "out");
  options.deflate = ArgBool(info, 2, "deflate", false);
  const uint32_t level = ArgUint(info, 3, "level", 6);
  if (level < 1 || level > 9) ThrowArg(env, "Expected a level from 1 to 9");
  options.level = static_cast<int>(level);
  auto* w = new PackWorker(env, root_obj, std::move(root), out, options,
                           info.Length() > 4 ? info[4] : env.Undefined());
  Napi::Object job = Job(env, w->Promise(), w->cancel());
  w->Queue();
  return job;
}

// unpackAsync(archive, target, overwrite, maxTotalBytes, maxEntries, maxRatio, onProgress?) -> { promise,
// cancel }
Napi::Value UnpackAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  UnpackOptions options;
  const std::string archive = ArgString(info, 0, "archive");
  const std::string target = ArgString(info, 1, "target");
  options.overwrite = ArgBool(info, 2, "overwrite", false);
  options.max_total_bytes = static_cast<uint64_t>(ArgNumber(info, 3, "maxTotalBytes"));
  options.max_entries = static_cast<uint64_t>(ArgNumber(info, 4, "maxEntries"));
  options.max_ratio = static_cast<uint64_t>(ArgNumber(info, 5, "maxRatio"));
  auto* w = new UnpackWorker(env, Napi::Object::New(env), archive, target, options,
                             info.Length() > 6 ? info[6] : env.Undefined());
  Napi::Object job = Job(env, w->Promise(), w->cancel());
  w->Queue();
  return job;
}

// inspect(archive) -> [{ name, documents, dataBytes, compressedBytes, dataStored, hasIndex }]
Napi::Value Inspect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<CollectionListing> listing;
  Check(env, InspectArchive(DefaultFileSystem(), ArgString(info, 0, "archive"), &listing));
  Napi::Array out = Napi::Array::New(env, listing.size());
  for (uint32_t i = 0; i < listing.size(); ++i) {
    const CollectionListing& c = listing[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", c.name);
    o.Set("documents",
          c.documents < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(c.documents)));
    o.Set("dataBytes", Napi::Number::New(env, static_cast<double>(c.data_bytes)));
    o.Set("compressedBytes", Napi::Number::New(env, static_cast<double>(c.compressed_bytes)));
    o.Set("dataStored", Napi::Boolean::New(env, c.data_stored));
    o.Set("hasIndex", Napi::Boolean::New(env, c.has_index));
    out.Set(i, o);
  }
  return out;
}

// verifyAsync(path) -> Promise<[{ where, problem }]>
Napi::Value VerifyAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* w = new VerifyWorker(env, Napi::Object::New(env), ArgString(info, 0, "path"));
  w->Queue();
  return w->Promise();
}

// looksLikeArchive(path) -> boolean
Napi::Value LooksLikeArchiveJs(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), LooksLikeArchive(DefaultFileSystem(), ArgString(info, 0, "path")));
}

}  // namespace

void DefineArchiveFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("packAsync", Napi::Function::New(env, PackAsync, "packAsync"));
  exports.Set("unpackAsync", Napi::Function::New(env, UnpackAsync, "unpackAsync"));
  exports.Set("inspect", Napi::Function::New(env, Inspect, "inspect"));
  exports.Set("verifyAsync", Napi::Function::New(env, VerifyAsync, "verifyAsync"));
  exports.Set("looksLikeArchive", Napi::Function::New(env, LooksLikeArchiveJs, "looksLikeArchive"));
}

}  // namespace zds::node
