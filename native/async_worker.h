// ZdsWorker: the one base for work that runs on the libuv threadpool. Run()
// executes off the main thread and touches no Node-API; its Status and the
// subclass's Result() settle a promise on the main thread.
#pragma once

#include <napi.h>

#include "engine/status.h"
#include "errors.h"

namespace zds::node {

class ZdsWorker : public Napi::AsyncWorker {
 public:
  ZdsWorker(Napi::Env env, Napi::Object owner)
      : Napi::AsyncWorker(env, "zds"), deferred_(Napi::Promise::Deferred::New(env)) {
    // Keep the JS handle alive while the work is in flight.
    owner_ = Napi::Persistent(owner);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  virtual Status Run() = 0;
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }

 protected:
  void Execute() override {
    // An exception must not cross into libuv's thread (it would abort).
    try {
      status_ = Run();
    } catch (const std::exception& e) {
      status_ = Status(Code::kIo, std::string("zds internal error: ") + e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (!status_.ok()) {
      deferred_.Reject(MakeError(env, status_));
      return;
    }
    try {
      deferred_.Resolve(Result(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  Status status_;
};

}  // namespace zds::node
