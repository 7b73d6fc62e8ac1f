// The store's writer lock: one writable Root per folder and process, shared
// by every handle; other processes get kLocked naming the holder.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "engine/collection.h"
#include "engine/root.h"
#include "fault_fs.h"
#include "test_util.h"

namespace zds_test {
namespace {

using zds::Code;
using zds::Collection;
using zds::Root;

using RootLockTest = StoreTest;

// Child exit codes.
enum : int {
  kChildGotLocked = 0,
  kChildOpened = 10,
  kChildOtherError = 11,
  kChildNoPid = 12,
};

constexpr int kChildTimedOut = -3;

// Runs fn in a forked child and returns its exit code. The child must only
// report through its exit status (gtest assertions there would be lost). A
// child that does not finish within 20 s (a deadlock) is killed and
// kChildTimedOut is returned.
template <typename F>
int InChild(F fn) {
  fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    alarm(60);  // never outlive a stuck parent
    _exit(fn());
  }
  int status = 0;
  for (int waited_ms = 0;; waited_ms += 10) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return -1;
    if (waited_ms >= 20000) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return kChildTimedOut;
    }
    usleep(10000);
  }
  if (!WIFEXITED(status)) return -2;
  return WEXITSTATUS(status);
}

TEST_F(RootLockTest, SecondOpenInSameProcessSharesTheRoot) {
  std::shared_ptr<Root> a, b, c;
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store(), false, &a));
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store(), false, &b));
  EXPECT_EQ(a.get(), b.get());
  // Another spelling of the same folder.
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store() + "/./", false, &c));
  EXPECT_EQ(a.get(), c.get());
  ASSERT_EQ(::symlink(store().c_str(), tmp_.Sub("link").c_str()), 0);
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), tmp_.Sub("link"), false, &c));
  EXPECT_EQ(a.get(), c.get());
  EXPECT_EQ(a->path(), c->path());

  // Collections are shared through the shared root.
  std::shared_ptr<Collection> ca, cb;
  ZDS_ASSERT_OK(a->OpenCollection("c", {}, &ca));
  ZDS_ASSERT_OK(b->OpenCollection("c", {}, &cb));
  EXPECT_EQ(ca.get(), cb.get());

  // A read-only root is separate and needs no lock.
  std::shared_ptr<Root> ro;
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store(), true, &ro));
  EXPECT_NE(ro.get(), a.get());
  EXPECT_TRUE(ro->read_only());
}

TEST_F(RootLockTest, ConcurrentOpensShareOneRoot) {
  constexpr int kThreads = 8;
  std::vector<std::shared_ptr<Root>> roots(kThreads);
  std::vector<std::shared_ptr<Collection>> colls(kThreads);
  std::vector<zds::Status> status(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i]() {
      status[i] = Root::Open(zds::DefaultFileSystem(), store(), false, &roots[i]);
      if (status[i].ok()) status[i] = roots[i]->OpenCollection("c", {}, &colls[i]);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    ZDS_ASSERT_OK(status[i]);
    EXPECT_EQ(roots[i].get(), roots[0].get());
    EXPECT_EQ(colls[i].get(), colls[0].get());
  }
}

// Closing the last handle on one thread while another thread opens the same
// store must not fail: the new Root may not find the old one's lock still held
// (~Root releases the flock before its registry entry can be reused).
TEST_F(RootLockTest, ReopenWhileLastHandleIsClosingOnAnotherThread) {
  constexpr int kThreads = 2;
  constexpr int kIterations = 10000;
  {
    std::shared_ptr<Root> root;
    ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store(), false, &root));
  }
  std::vector<std::string> failures[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t]() {
      for (int i = 0; i < kIterations && failures[t].size() < 5; ++i) {
        std::shared_ptr<Root> root;
        zds::Status st = Root::Open(zds::DefaultFileSystem(), store(), false, &root);
        if (!st.ok()) failures[t].push_back("iteration " + std::to_string(i) + ": " + Describe(st));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(failures[t].empty()) << failures[t].size() << " failure(s), first: " << failures[t][0];
  }
}

TEST_F(RootLockTest, LockFileNamesTheHolder) {
  std::shared_ptr<Root> root;
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store(), false, &root));
  const std::string text = ReadFile(store() + "/.zds/.zds_write.lock");
  EXPECT_NE(text.find("pid=" + std::to_string(getpid()) + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hostname="), std::string::npos) << text;
}

TEST_F(RootLockTest, OtherProcessGetsLockedNamingTheHolder) {
  std::shared_ptr<Root> root;
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store(), false, &root));
  const std::string path = store();
  const pid_t parent = getpid();
  const int code = InChild([&]() {
    // Drop the child's inherited copy of the parent's handle so the child is
    // a process of its own (its registry no longer lists the parent's Root).
    // The flock stays held: the parent's descriptor is still open.
    root.reset();
    std::shared_ptr<Root> mine;
    zds::Status st = Root::Open(zds::DefaultFileSystem(), path, false, &mine);
    if (st.ok()) return int(kChildOpened);
    if (st.code() != Code::kLocked) return int(kChildOtherError);
    if (st.message().find(std::to_string(parent)) == std::string::npos) return int(kChildNoPid);
    // Read-only access is still allowed while the writer holds the lock.
    std::shared_ptr<Root> ro;
    if (!Root::Open(zds::DefaultFileSystem(), path, true, &ro).ok()) return int(kChildOtherError);
    return int(kChildGotLocked);
  });
  EXPECT_EQ(code, kChildGotLocked) << "10 = the child got the lock too, 11 = another error, 12 = no pid in "
                                      "message, -3 = Root::Open hung (deadlock)";
}

// A writable Root::Open that fails after the registry lookup (taking the lock,
// creating .zds/) must report the error, not hang. Run in a child so a
// deadlock fails the test instead of stalling the run.
TEST_F(RootLockTest, FailedLockAcquisitionReturnsAnError) {
  const std::string path = store();
  for (Op op : {Op::kTryLock, Op::kMakeDir}) {
    SCOPED_TRACE(OpName(op));
    RemoveTree(path);
    const int code = InChild([&]() {
      FaultyFileSystem fs;
      Fault f;
      f.op = op;
      f.path_contains = ".zds";
      fs.Inject(f);
      std::shared_ptr<Root> root;
      zds::Status st = Root::Open(&fs, path, false, &root);
      if (st.ok()) return int(kChildOpened);
      if (st.code() != Code::kIo) return int(kChildOtherError);
      // The registry is usable afterwards, and the next attempt succeeds.
      fs.ClearFaults();
      if (!Root::Open(&fs, path, false, &root).ok()) return int(kChildOtherError);
      return int(kChildGotLocked);
    });
    EXPECT_EQ(code, kChildGotLocked)
        << "10 = opened despite the fault, 11 = wrong error, -3 = Root::Open hung "
           "(deadlock)";
  }
}

TEST_F(RootLockTest, LockIsReleasedWhenTheLastHandleCloses) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  ZDS_ASSERT_OK(coll->Put("a", Doc("a")));
  ZDS_ASSERT_OK(coll->Flush());  // so the child's copy has nothing to flush
  root.reset();                  // the collection still holds the root, and so the lock
  const std::string path = store();
  auto child_open = [&]() {
    return InChild([&]() {
      coll.reset();  // (the child's inherited copy)
      std::shared_ptr<Root> mine;
      zds::Status st = Root::Open(zds::DefaultFileSystem(), path, false, &mine);
      if (st.ok()) return int(kChildOpened);
      return int(st.code() == Code::kLocked ? kChildGotLocked : kChildOtherError);
    });
  };
  EXPECT_EQ(child_open(), kChildGotLocked);
  coll.reset();
  EXPECT_EQ(child_open(), kChildOpened);
  // And this process can take it again.
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_TRUE(coll->Exists("a"));
}

}  // namespace
}  // namespace zds_test
