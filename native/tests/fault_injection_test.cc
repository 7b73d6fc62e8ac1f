// Failure handling under injected I/O errors (FaultyFileSystem): failed
// writes are rolled back, a failed fsync poisons the handle, a failed index
// rename loses nothing, and batching really avoids per-document syscalls.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "engine/collection.h"
#include "engine/cursor.h"
#include "engine/index_codec.h"
#include "engine/root.h"
#include "fault_fs.h"
#include "test_util.h"

namespace zds_test {
namespace {

using zds::Code;
using zds::Collection;
using zds::CollectionOptions;
using zds::Root;

std::string Id(int i) { return "doc_" + std::to_string(i); }

class FaultTest : public StoreTest {
 protected:
  // Opens "c" on the faulty file system. The fs outlives every handle: it is
  // a member, and tests drop their handles before returning.
  void OpenFaulty(std::shared_ptr<Root>* root, std::shared_ptr<Collection>* coll, size_t batch_size = 1000) {
    CollectionOptions opts;
    opts.batch_size = batch_size;
    ZDS_ASSERT_OK(OpenColl(root, coll, opts, false, &fs_));
  }

  // Reopens with the real file system and returns every document.
  std::vector<std::pair<std::string, std::string>> ReopenAndDump(zds::RecoveryReport* report = nullptr) {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    zds::Status st = OpenColl(&root, &coll);
    EXPECT_TRUE(st.ok()) << Describe(st);
    if (!st.ok()) return {};
    if (report) *report = coll->recovery();
    return Dump(coll.get());
  }

  void PutMany(Collection* coll, int from, int to) {
    for (int i = from; i < to; ++i)
      ASSERT_TRUE(coll->Put(Id(i), Doc(Id(i), "\"i\":" + std::to_string(i))).ok());
  }

  FaultyFileSystem fs_;
};

// ---------------------------------------------------------------- the FaultyFileSystem itself

TEST_F(FaultTest, FaultyFileSystemInjectsAndCounts) {
  const std::string path = tmp_.Sub("f");
  int fd = -1;
  ZDS_ASSERT_OK(fs_.Open(path, zds::OpenMode::kReadWrite, &fd));
  size_t written = 0;
  fs_.FailNthPWrite(2, ENOSPC);
  ZDS_EXPECT_OK(fs_.PWrite(fd, "abc", 3, 0, &written));
  zds::Status st = fs_.PWrite(fd, "def", 3, 3, &written);
  EXPECT_EQ(st.code(), Code::kIo);
  EXPECT_EQ(st.sys_errno(), ENOSPC);
  EXPECT_EQ(written, 0u);
  ZDS_EXPECT_OK(fs_.PWrite(fd, "def", 3, 3, &written));  // the rule is spent
  fs_.ShortPWrite(2);
  st = fs_.PWrite(fd, "XYZ", 3, 6, &written);
  EXPECT_EQ(st.sys_errno(), ENOSPC);
  EXPECT_EQ(written, 2u);
  fs_.FailSync(EIO);
  EXPECT_EQ(fs_.Sync(fd).sys_errno(), EIO);
  ZDS_EXPECT_OK(fs_.Sync(fd));
  fs_.FailSyncDir(EIO, "", -1);
  EXPECT_FALSE(fs_.SyncDir(tmp_.path()).ok());
  EXPECT_FALSE(fs_.SyncDir(tmp_.path()).ok());
  fs_.ClearFaults();
  ZDS_EXPECT_OK(fs_.SyncDir(tmp_.path()));
  fs_.FailRename(EIO, "nomatch");
  ZDS_EXPECT_OK(fs_.Rename(path, path + "2"));
  fs_.Close(fd);
  EXPECT_EQ(ReadFile(path + "2"), "abcdefXY");
  EXPECT_EQ(fs_.Count(Op::kPWrite), 4u);
  EXPECT_EQ(fs_.Count(Op::kPWrite, "/f"), 4u);
  EXPECT_EQ(fs_.Count(Op::kSync), 2u);
  EXPECT_EQ(fs_.Count(Op::kSyncDir), 3u);
  EXPECT_EQ(fs_.Bytes(Op::kPWrite), 12u);
  EXPECT_EQ(fs_.injected(), 5u);
  fs_.ResetCounts();
  EXPECT_EQ(fs_.Count(Op::kPWrite), 0u);
}

// ---------------------------------------------------------------- failed writes

TEST_F(FaultTest, PWriteEioDuringFlushLeavesNoPartialLine) {
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    OpenFaulty(&root, &coll);
    PutMany(coll.get(), 0, 5);
    ZDS_ASSERT_OK(coll->Flush());
    const std::string before = ReadFile(data_path());
    PutMany(coll.get(), 5, 15);

    fs_.FailNthPWrite(1, EIO, "data.jsonl");
    zds::Status st = coll->Flush();
    EXPECT_EQ(st.code(), Code::kIo) << Describe(st);
    EXPECT_EQ(st.sys_errno(), EIO);
    EXPECT_EQ(ReadFile(data_path()), before) << "no partial line may stay in data.jsonl";
    // Everything accepted is still readable, and the handle still writes.
    for (int i = 0; i < 15; ++i) EXPECT_TRUE(coll->Exists(Id(i)));
    std::string line;
    ZDS_ASSERT_OK(coll->Get(Id(12), &line));
    EXPECT_EQ(line, Doc(Id(12), "\"i\":12"));
    ZDS_ASSERT_OK(coll->Put(Id(15), Doc(Id(15), "\"i\":15")));

    fs_.ClearFaults();
    ZDS_ASSERT_OK(coll->Flush());
  }
  zds::RecoveryReport r;
  const auto docs = ReopenAndDump(&r);
  EXPECT_FALSE(r.any()) << r.index_reason;
  ASSERT_EQ(docs.size(), 16u);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(docs[static_cast<size_t>(i)].second, Doc(Id(i), "\"i\":" + std::to_string(i)));
}

TEST_F(FaultTest, ShortWriteThenEnospcIsRolledBack) {
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    OpenFaulty(&root, &coll);
    PutMany(coll.get(), 0, 5);
    ZDS_ASSERT_OK(coll->Flush());
    const std::string before = ReadFile(data_path());
    PutMany(coll.get(), 5, 20);

    fs_.ShortPWrite(37, ENOSPC, "data.jsonl");  // lands mid-line
    zds::Status st = coll->Flush();
    EXPECT_EQ(st.code(), Code::kIo) << Describe(st);
    EXPECT_EQ(st.sys_errno(), ENOSPC);
    EXPECT_EQ(fs_.Count(Op::kTruncate, "data.jsonl"), 1u) << "the partial write must be taken back";
    EXPECT_EQ(ReadFile(data_path()), before);
    EXPECT_EQ(coll->Count(), 20u);

    fs_.ClearFaults();
    ZDS_ASSERT_OK(coll->Flush());
  }
  // A full rebuild from data.jsonl finds every line intact.
  ASSERT_EQ(::unlink(index_path().c_str()), 0);
  zds::RecoveryReport r;
  const auto docs = ReopenAndDump(&r);
  EXPECT_TRUE(r.index_rebuilt);
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_EQ(r.truncated_bytes, 0u);
  ASSERT_EQ(docs.size(), 20u);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(docs[static_cast<size_t>(i)].second, Doc(Id(i), "\"i\":" + std::to_string(i)));
}

TEST_F(FaultTest, FailedRollbackPoisonsTheHandle) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  OpenFaulty(&root, &coll);
  PutMany(coll.get(), 0, 5);
  fs_.ShortPWrite(10, ENOSPC, "data.jsonl");
  fs_.FailTruncate(EIO, "data.jsonl");
  ZDS_EXPECT_CODE(coll->Flush(), Code::kIo);
  fs_.ClearFaults();
  // The file may hold half a line now: refuse to append after it.
  ZDS_EXPECT_CODE(coll->Put("x", Doc("x")), Code::kPoisoned);
  ZDS_EXPECT_CODE(coll->Flush(), Code::kPoisoned);
  EXPECT_EQ(FileSize(data_path()), 10);
  coll.reset();
  root.reset();
  // Reopening cuts the torn tail and the store is writable again.
  std::shared_ptr<Root> root2;
  std::shared_ptr<Collection> coll2;
  ZDS_ASSERT_OK(OpenColl(&root2, &coll2));
  EXPECT_EQ(coll2->recovery().truncated_bytes, 10u);
  EXPECT_EQ(FileSize(data_path()), 0);
  ZDS_EXPECT_OK(coll2->Put("x", Doc("x")));
}

TEST_F(FaultTest, PWriteFailureWhenBatchFillsFailsThatPut) {
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    OpenFaulty(&root, &coll, /*batch_size=*/5);
    PutMany(coll.get(), 0, 5);
    fs_.FailNthPWrite(1, EIO, "data.jsonl");
    ZDS_EXPECT_CODE(coll->Put(Id(5), Doc(Id(5), "\"i\":5")), Code::kIo);
    EXPECT_FALSE(coll->Exists(Id(5))) << "a failed put must not be visible";
    EXPECT_EQ(coll->Count(), 5u);
    EXPECT_EQ(FileSize(data_path()), 0);
    fs_.ClearFaults();
    ZDS_ASSERT_OK(coll->Put(Id(5), Doc(Id(5), "\"i\":5")));
    ZDS_ASSERT_OK(coll->Flush());
  }
  EXPECT_EQ(ReopenAndDump().size(), 6u);
}

// ---------------------------------------------------------------- failed fsync

TEST_F(FaultTest, FailedSyncPoisonsWritesButNotReads) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  OpenFaulty(&root, &coll);
  PutMany(coll.get(), 0, 10);
  fs_.FailSync(EIO, "data.jsonl");
  zds::Status st = coll->Flush();
  EXPECT_EQ(st.code(), Code::kIo) << Describe(st);
  EXPECT_NE(st.message().find("fsync"), std::string::npos) << st.message();
  fs_.ClearFaults();

  // Writes are refused until reopen, even though the fault is gone.
  ZDS_EXPECT_CODE(coll->Put("new", Doc("new")), Code::kPoisoned);
  ZDS_EXPECT_CODE(coll->Delete(Id(0)), Code::kPoisoned);
  size_t n = 0;
  ZDS_EXPECT_CODE(coll->WriteJsonl("{\"a\":1}\n", {"a"}, &n), Code::kPoisoned);
  ZDS_EXPECT_CODE(coll->Compact(), Code::kPoisoned);
  ZDS_EXPECT_CODE(coll->Flush(), Code::kPoisoned);
  ZDS_EXPECT_CODE(coll->Checkpoint(), Code::kPoisoned);
  EXPECT_FALSE(coll->Exists("new"));

  // Reads still work.
  EXPECT_EQ(coll->Count(), 10u);
  std::string line;
  ZDS_ASSERT_OK(coll->Get(Id(3), &line));
  EXPECT_EQ(line, Doc(Id(3), "\"i\":3"));
  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  zds::Batch batch;
  ZDS_ASSERT_OK(cursor->Next(100, 1 << 20, zds::BatchForm::kJsonl, &batch));
  EXPECT_EQ(batch.count, 10u);

  // Other handles of the same collection share the poisoned state.
  std::shared_ptr<Collection> again;
  ZDS_ASSERT_OK(root->OpenCollection("c", {}, &again));
  ZDS_EXPECT_CODE(again->Put("new", Doc("new")), Code::kPoisoned);

  const uint64_t syncs = fs_.Count(Op::kSync);
  cursor.reset();
  again.reset();
  coll.reset();
  root.reset();
  EXPECT_EQ(fs_.Count(Op::kSync), syncs) << "closing a poisoned handle must not fsync and pretend success";

  // A reopened store is writable again and opens cleanly.
  std::shared_ptr<Root> root2;
  std::shared_ptr<Collection> coll2;
  ZDS_ASSERT_OK(OpenColl(&root2, &coll2));
  EXPECT_TRUE(coll2->recovery().skipped.empty());
  ZDS_EXPECT_OK(coll2->Put("new", Doc("new")));
}

// ---------------------------------------------------------------- failed index writes

TEST_F(FaultTest, FailedIndexRenameLosesNothing) {
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    OpenFaulty(&root, &coll);
    PutMany(coll.get(), 0, 25);
    fs_.ResetCounts();
    fs_.FailRename(EIO, "index.bin.tmp", /*times=*/-1);  // also fails the flush at close
    zds::Status st = coll->Flush();
    EXPECT_EQ(st.code(), Code::kIo) << Describe(st);
    EXPECT_EQ(st.sys_errno(), EIO);
    EXPECT_EQ(fs_.Count(Op::kSync, "data.jsonl"), 1u) << "data must be fsynced before the index is written";
    EXPECT_FALSE(PathExists(index_path() + ".tmp")) << "the failed temp index is removed";
    // Still writable: the data is durable, only the index cache is stale.
    ZDS_EXPECT_OK(coll->Put(Id(25), Doc(Id(25), "\"i\":25")));
    ZDS_EXPECT_CODE(coll->Flush(), Code::kIo);
  }
  fs_.ClearFaults();
  zds::RecoveryReport r;
  const auto docs = ReopenAndDump(&r);
  EXPECT_FALSE(r.index_rebuilt) << "the old index is still valid, just behind: " << r.index_reason;
  EXPECT_EQ(r.replayed_lines, 26u);
  ASSERT_EQ(docs.size(), 26u);
  for (int i = 0; i < 26; ++i)
    EXPECT_EQ(docs[static_cast<size_t>(i)].second, Doc(Id(i), "\"i\":" + std::to_string(i)));
}

TEST_F(FaultTest, FailedIndexWriteIsRetriedByTheNextFlush) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  OpenFaulty(&root, &coll);
  PutMany(coll.get(), 0, 5);
  for (int which = 0; which < 3; ++which) {
    SCOPED_TRACE(which);
    ZDS_ASSERT_OK(coll->Put(Id(100 + which), Doc(Id(100 + which))));
    if (which == 0) fs_.FailNthPWrite(1, ENOSPC, "index.bin");
    if (which == 1) fs_.FailSync(EIO, "index.bin");
    if (which == 2) fs_.FailSyncDir(EIO, "meta");
    ZDS_EXPECT_CODE(coll->Flush(), Code::kIo);
    fs_.ClearFaults();
    ZDS_EXPECT_OK(coll->Put(Id(200 + which), Doc(Id(200 + which))));
    fs_.ResetCounts();
    ZDS_ASSERT_OK(coll->Flush());
    EXPECT_EQ(fs_.Count(Op::kRename, "index.bin"), 1u) << "the index is rewritten";
    zds::DecodedIndex d;
    const std::string index = ReadFile(index_path());
    ZDS_ASSERT_OK(zds::DecodeIndex(index, &d));
    EXPECT_EQ(d.entries.size(), coll->Count());
    EXPECT_EQ(d.data_length, static_cast<uint64_t>(FileSize(data_path())));
  }
}

TEST_F(FaultTest, FailedIndexSyncDoesNotPoison) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  OpenFaulty(&root, &coll);
  PutMany(coll.get(), 0, 5);
  fs_.FailSync(EIO, "index.bin.tmp");
  ZDS_EXPECT_CODE(coll->Flush(), Code::kIo);
  fs_.ClearFaults();
  // index.bin.tmp is a throwaway file: its failed fsync says nothing about data.jsonl.
  ZDS_EXPECT_OK(coll->Put("more", Doc("more")));
  ZDS_EXPECT_OK(coll->Flush());
}

// ---------------------------------------------------------------- compaction

TEST_F(FaultTest, FailedCompactionLeavesDataIntact) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  OpenFaulty(&root, &coll);
  PutMany(coll.get(), 0, 30);
  for (int i = 0; i < 30; i += 2) ZDS_ASSERT_OK(coll->Delete(Id(i)));
  ZDS_ASSERT_OK(coll->Flush());

  for (int which = 0; which < 4; ++which) {
    SCOPED_TRACE(which);
    const std::string data = ReadFile(data_path());
    const std::string index = ReadFile(index_path());
    const auto expected = Dump(coll.get());
    if (which == 0) fs_.FailNthPWrite(1, ENOSPC, ".compact.tmp");
    if (which == 1) fs_.ShortPWrite(20, ENOSPC, ".compact.tmp");
    if (which == 2) fs_.FailSync(EIO, ".compact.tmp");
    if (which == 3) fs_.FailRename(EIO, ".compact.tmp");
    ZDS_EXPECT_CODE(coll->Compact(), Code::kIo);
    EXPECT_EQ(fs_.injected(), 1u);
    fs_.ClearFaults();
    fs_.ResetCounts();
    EXPECT_EQ(ReadFile(data_path()), data);
    EXPECT_EQ(ReadFile(index_path()), index);
    EXPECT_FALSE(PathExists(data_path() + ".compact.tmp"));
    EXPECT_EQ(Dump(coll.get()), expected);
    // The handle is not poisoned: the live file was never touched.
    ZDS_EXPECT_OK(coll->Put("probe" + std::to_string(which), Doc("probe" + std::to_string(which))));
    ZDS_ASSERT_OK(coll->Flush());
  }
  const int64_t before = FileSize(data_path());
  const auto expected = Dump(coll.get());
  for (int i = 0; i < 4; ++i) ZDS_ASSERT_OK(coll->Delete("probe" + std::to_string(i)));
  ZDS_ASSERT_OK(coll->Compact());
  EXPECT_LT(FileSize(data_path()), before);
  EXPECT_EQ(coll->Count(), expected.size() - 4);
}

TEST_F(FaultTest, CompactionDirSyncFailurePoisonsButKeepsTheNewFile) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  OpenFaulty(&root, &coll);
  PutMany(coll.get(), 0, 20);
  for (int i = 0; i < 20; i += 2) ZDS_ASSERT_OK(coll->Delete(Id(i)));
  ZDS_ASSERT_OK(coll->Flush());
  const auto expected = Dump(coll.get());
  fs_.FailSyncDir(EIO, "meta");
  ZDS_EXPECT_CODE(coll->Compact(), Code::kIo);
  fs_.ClearFaults();
  // The rename happened: the handle reads the compacted file, but refuses
  // writes, since the rename may not be durable.
  EXPECT_EQ(Dump(coll.get()), expected);
  ZDS_EXPECT_CODE(coll->Put("x", Doc("x")), Code::kPoisoned);
  coll.reset();
  root.reset();
  zds::RecoveryReport r;
  EXPECT_EQ(ReopenAndDump(&r), expected);
  EXPECT_TRUE(r.skipped.empty());
}

TEST_F(FaultTest, CompactionIndexWriteFailureIsRebuiltOnReopen) {
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    OpenFaulty(&root, &coll);
    PutMany(coll.get(), 0, 20);
    for (int i = 0; i < 20; i += 2) ZDS_ASSERT_OK(coll->Delete(Id(i)));
    ZDS_ASSERT_OK(coll->Flush());
    fs_.FailRename(EIO, "index.bin.tmp", -1);  // the new index never replaces the old one
    ZDS_EXPECT_CODE(coll->Compact(), Code::kIo);
    // Data is compacted and durable; the handle still works.
    EXPECT_EQ(coll->Count(), 10u);
    ZDS_EXPECT_OK(coll->Put("after", Doc("after")));
  }
  fs_.ClearFaults();
  zds::RecoveryReport r;
  const auto docs = ReopenAndDump(&r);
  EXPECT_TRUE(r.index_rebuilt) << "the old index.bin describes the pre-compaction file";
  EXPECT_TRUE(r.skipped.empty());
  ASSERT_EQ(docs.size(), 11u);
  EXPECT_EQ(docs.back().first, "after");
}

// ---------------------------------------------------------------- failures while opening

TEST_F(FaultTest, OpenFailsCleanlyOnIoErrors) {
  Seed({{"a", Doc("a")}});
  for (Op op : {Op::kOpen, Op::kPRead, Op::kStat}) {
    SCOPED_TRACE(OpName(op));
    Fault f;
    f.op = op;
    f.path_contains = "data.jsonl";
    f.times = -1;
    fs_.Inject(f);
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    zds::Status st = OpenColl(&root, &coll, {}, false, &fs_);
    EXPECT_EQ(st.code(), Code::kIo) << Describe(st);
    EXPECT_EQ(coll, nullptr);
    fs_.ClearFaults();
  }
  // And then opens fine.
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, false, &fs_));
  EXPECT_TRUE(coll->Exists("a"));
}

// FORMAT.md "Opening and recovery": a read-only open never modifies anything,
// whatever it has to repair in memory.
TEST_F(FaultTest, ReadOnlyOpenNeverWrites) {
  const std::string data = Doc("a") + "\n" + Doc("b") + "\n" + Doc("c") + "\n";
  for (int variant = 0; variant < 5; ++variant) {
    SCOPED_TRACE(variant);
    RemoveTree(store());
    MakeDirs(coll_dir() + "/meta");
    WriteFile(data_path(), data);
    if (variant == 1) AppendFile(data_path(), "{\"_id\":\"torn\"");  // torn tail
    if (variant == 2) AppendFile(data_path(), Doc("d"));             // missing newline
    if (variant == 3)
      WriteFile(index_path(), BuildZdsi(LineEntries(data, {"a", "b", "c"})).substr(0, 16 + 15));
    if (variant == 4) {  // foreign index omitting b
      auto e = LineEntries(data, {"a", "b", "c"});
      WriteFile(index_path(), BuildZdsi({e[0], e[2]}));
    }
    WriteFile(index_path() + ".tmp", "leftover");
    fs_.ResetCounts();
    {
      std::shared_ptr<Root> root;
      std::shared_ptr<Collection> coll;
      ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, true, &fs_));
      std::string line;
      EXPECT_TRUE(coll->Get("a", &line).ok());
      std::unique_ptr<zds::Cursor> cursor;
      ZDS_ASSERT_OK(coll->NewCursor(&cursor));
      zds::Batch batch;
      ZDS_ASSERT_OK(cursor->Next(10, 1 << 20, zds::BatchForm::kJsonl, &batch));
      ZDS_ASSERT_OK(coll->Refresh());
      ZDS_ASSERT_OK(coll->Flush());
      ZDS_ASSERT_OK(coll->Checkpoint());
    }
    EXPECT_EQ(fs_.MutatingCalls(), std::vector<std::string>()) << "a read-only open wrote to the store";
    EXPECT_TRUE(PathExists(index_path() + ".tmp"));
  }
}

// Recovery writes are made durable before open returns (FORMAT.md "Durability").
TEST_F(FaultTest, RecoveryRepairsAreSyncedBeforeOpenReturns) {
  Seed({{"a", Doc("a")}});
  AppendFile(data_path(), "{\"_id\":\"to");
  fs_.ResetCounts();
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    OpenFaulty(&root, &coll);
    EXPECT_EQ(fs_.Count(Op::kTruncate, "data.jsonl"), 1u);
    EXPECT_GE(fs_.Count(Op::kSync, "data.jsonl"), 1u);
  }
  // If that fsync fails, the open fails rather than hand out an unsynced repair.
  AppendFile(data_path(), "{\"_id\":\"to");
  fs_.FailSync(EIO, "data.jsonl");
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_EXPECT_CODE(OpenColl(&root, &coll, {}, false, &fs_), Code::kIo);
  fs_.ClearFaults();
}

// ---------------------------------------------------------------- syscall budget

TEST_F(FaultTest, NoSyscallPerDocument) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  OpenFaulty(&root, &coll, /*batch_size=*/5000);
  fs_.ResetCounts();
  for (int i = 0; i < 10000; ++i) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"v\":\"some value\"")));
  EXPECT_LE(fs_.Count(Op::kPWrite), 3u);
  EXPECT_EQ(fs_.Count(Op::kSync), 0u);
  EXPECT_EQ(fs_.Count(Op::kSyncDir), 0u);
  EXPECT_EQ(fs_.Count(Op::kRename), 0u);
  EXPECT_EQ(fs_.Count(Op::kTruncate), 0u);
  EXPECT_LE(fs_.Calls().size(), 3u) << "only batch writes, nothing per document";

  // Deletes and overwrites batch the same way.
  fs_.ResetCounts();
  for (int i = 0; i < 10000; i += 2) ZDS_ASSERT_OK(coll->Delete(Id(i)));
  for (int i = 1; i < 10000; i += 2) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"v\":2")));
  EXPECT_LE(fs_.Count(Op::kPWrite), 3u);
  EXPECT_EQ(fs_.Count(Op::kSync), 0u);

  // One flush: one data write, one data fsync, one atomic index replacement.
  fs_.ResetCounts();
  ZDS_ASSERT_OK(coll->Flush());
  EXPECT_EQ(fs_.Count(Op::kPWrite, "data.jsonl"), 1u);
  EXPECT_EQ(fs_.Count(Op::kSync, "data.jsonl"), 1u);
  EXPECT_EQ(fs_.Count(Op::kRename), 1u);
  EXPECT_LE(fs_.Count(Op::kSync), 2u);
  // Order (FORMAT.md "Durability"): data written, data fsynced, then the index
  // written to its temp file, fsynced, renamed, and the directory fsynced.
  std::vector<std::string> order;
  for (const auto& c : fs_.Calls()) {
    if (c.op == Op::kPWrite || c.op == Op::kSync || c.op == Op::kRename || c.op == Op::kSyncDir) {
      const bool data = c.path.find("data.jsonl") != std::string::npos;
      order.push_back(std::string(OpName(c.op)) + (c.op == Op::kSyncDir ? "" : data ? " data" : " index"));
    }
  }
  EXPECT_EQ(order, std::vector<std::string>({"pwrite data", "fdatasync data", "pwrite index",
                                             "fdatasync index", "rename index", "fsync(dir)"}));

  // A flush with nothing new does no I/O at all.
  fs_.ResetCounts();
  ZDS_ASSERT_OK(coll->Flush());
  EXPECT_EQ(fs_.Calls().size(), 0u);
}

TEST_F(FaultTest, OpeningWithAValidIndexDoesNotScanTheData) {
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    OpenFaulty(&root, &coll, 5000);
    for (int i = 0; i < 20000; ++i)
      ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"pad\":\"" + std::string(40, 'x') + "\"")));
  }
  ASSERT_GT(FileSize(data_path()), 1 << 20);
  fs_.ResetCounts();
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  OpenFaulty(&root, &coll);
  EXPECT_EQ(coll->Count(), 20000u);
  EXPECT_LE(fs_.Bytes(Op::kPRead, "data.jsonl"), 8192u) << "only the hashed tail window should be read";
}

}  // namespace
}  // namespace zds_test
