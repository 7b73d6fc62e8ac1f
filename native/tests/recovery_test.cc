// Opening and recovery (FORMAT.md "Opening and recovery"): index reuse and
// rebuild, replay of appended lines, torn tails, malformed lines, foreign
// indexes written by other tools.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "engine/collection.h"
#include "engine/cursor.h"
#include "engine/index_codec.h"
#include "engine/root.h"
#include "test_util.h"

namespace zds_test {
namespace {

using zds::Code;
using zds::Collection;
using zds::CollectionOptions;
using zds::Root;

class RecoveryTest : public StoreTest {
 protected:
  // A collection as another tool leaves it: meta/data.jsonl (+ index.bin), no manifest.
  void WriteRawCollection(const std::string& data, const std::string* index = nullptr) {
    MakeDirs(coll_dir() + "/meta");
    WriteFile(data_path(), data);
    if (index) WriteFile(index_path(), *index);
  }

  std::vector<std::pair<std::string, std::string>> SeedMixed() {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    EXPECT_TRUE(OpenColl(&root, &coll).ok());
    for (int i = 0; i < 30; ++i) {
      EXPECT_TRUE(
          coll->Put("d" + std::to_string(i), Doc("d" + std::to_string(i), "\"v\":" + std::to_string(i)))
              .ok());
    }
    for (int i = 0; i < 30; i += 3)
      EXPECT_TRUE(coll->Put("d" + std::to_string(i), Doc("d" + std::to_string(i), "\"v\":\"x\"")).ok());
    for (int i = 1; i < 30; i += 7) EXPECT_TRUE(coll->Delete("d" + std::to_string(i)).ok());
    EXPECT_TRUE(coll->Checkpoint().ok());
    return Dump(coll.get());
  }
};

const std::string kA = "{\"_id\":\"a\",\"v\":1}";
const std::string kB = "{\"_id\":\"b\",\"v\":2}";
const std::string kC = "{\"_id\":\"c\",\"v\":3}";
const std::string kD = "{\"_id\":\"d\",\"v\":4}";
const std::string kE = "{\"_id\":\"e\",\"v\":5}";

std::string Tomb(const std::string& id) { return "{\"_id\":\"" + id + "\",\"$zds\":\"delete\"}"; }

// ---------------------------------------------------------------- index.bin

TEST_F(RecoveryTest, MissingIndexIsRebuiltWithSameContents) {
  const auto expected = SeedMixed();
  ASSERT_EQ(::unlink(index_path().c_str()), 0);
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    const auto r = coll->recovery();
    EXPECT_TRUE(r.index_rebuilt);
    EXPECT_NE(r.index_reason.find("missing"), std::string::npos) << r.index_reason;
    EXPECT_EQ(Dump(coll.get()), expected);
  }
  ASSERT_TRUE(PathExists(index_path())) << "closing writes the rebuilt index";
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_FALSE(coll->recovery().index_rebuilt) << coll->recovery().index_reason;
  EXPECT_EQ(Dump(coll.get()), expected);
}

TEST_F(RecoveryTest, CorruptIndexIsRebuilt) {
  const auto expected = SeedMixed();
  const std::string good = ReadFile(index_path());
  std::string crc_broken = good;
  crc_broken[30] = static_cast<char>(crc_broken[30] ^ 0x10);
  const std::string variants[] = {"garbage that is not an index", good.substr(0, good.size() / 2), crc_broken,
                                  std::string("ISDZ\x02\0\0\0", 8) + std::string(8, '\0')};
  for (const std::string& bad : variants) {
    WriteFile(index_path(), bad);
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    const auto r = coll->recovery();
    EXPECT_TRUE(r.index_rebuilt);
    EXPECT_NE(r.index_reason.find("corrupt"), std::string::npos) << r.index_reason;
    EXPECT_EQ(Dump(coll.get()), expected);
  }
}

TEST_F(RecoveryTest, EveryFlippedByteOfIndexStillOpensCorrectly) {
  const auto expected = SeedMixed();
  const std::string data = ReadFile(data_path());
  const std::string good = ReadFile(index_path());
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    WriteFile(index_path(), bad);
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    zds::Status st = OpenColl(&root, &coll, {}, /*read_only=*/true);
    ASSERT_TRUE(st.ok()) << "byte " << i << ": " << Describe(st);
    const auto r = coll->recovery();
    // Only the trailer's reserved field is unchecked.
    if (i < good.size() - 4) {
      EXPECT_TRUE(r.index_rebuilt) << "flip of byte " << i << " went unnoticed";
    }
    EXPECT_EQ(Dump(coll.get()), expected) << "flip of byte " << i;
  }
  EXPECT_EQ(ReadFile(data_path()), data);
}

TEST_F(RecoveryTest, IndexNotMatchingDataIsRebuilt) {
  SeedMixed();
  // Same length, different bytes inside the hashed tail window.
  std::string data = ReadFile(data_path());
  const size_t at = data.find("\"v\":\"x\"");
  ASSERT_NE(at, std::string::npos);
  data.replace(at, 7, "\"v\":\"y\"");
  WriteFile(data_path(), data);
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_TRUE(coll->recovery().index_rebuilt);
  EXPECT_NE(coll->recovery().index_reason.find("does not match"), std::string::npos)
      << coll->recovery().index_reason;
}

TEST_F(RecoveryTest, DataShorterThanIndexIsRebuilt) {
  const auto expected = SeedMixed();
  std::string data = ReadFile(data_path());
  // Drop the last line (a whole line, so no torn tail).
  const size_t cut = data.rfind('\n', data.size() - 2) + 1;
  const std::string last = data.substr(cut);
  WriteFile(data_path(), data.substr(0, cut));
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_TRUE(coll->recovery().index_rebuilt);
  EXPECT_NE(coll->recovery().index_reason.find("more bytes"), std::string::npos)
      << coll->recovery().index_reason;
  // The last line was a delete of some id, or a doc: either way the state is
  // what data.jsonl alone says.
  EXPECT_NE(Dump(coll.get()), expected);
}

TEST_F(RecoveryTest, TextIndexOfOlderToolsIsAdopted) {
  const std::string data = kA + "\n" + kB + "\n" + kC + "\n";
  const size_t la = kA.size() + 1, lb = kB.size() + 1, lc = kC.size() + 1;
  const std::string text =
      "a\t0\t" + std::to_string(la) + "\nc\t" + std::to_string(la + lb) + "\t" + std::to_string(lc) + "\n";
  WriteRawCollection(data, &text);
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_EQ(coll->recovery().foreign_deletes, 1u);
  std::vector<std::string> ids;
  coll->ListIds(&ids);
  EXPECT_EQ(ids, std::vector<std::string>({"a", "c"}));
}

// ---------------------------------------------------------------- replay

TEST_F(RecoveryTest, LinesAppendedAfterTheIndexAreReplayed) {
  Seed({{"a", kA}, {"b", kB}, {"c", kC}});
  const std::string appended = kD + "\n" + "{\"_id\":\"a\",\"v\":\"new\"}\n" + Tomb("b") + "\n\n";
  AppendFile(data_path(), appended);
  const int64_t size = FileSize(data_path());
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    const auto r = coll->recovery();
    EXPECT_FALSE(r.index_rebuilt) << r.index_reason;
    EXPECT_EQ(r.replayed_lines, 3u) << "d, a and the tombstone; the blank line is not counted";
    EXPECT_EQ(r.truncated_bytes, 0u);
    EXPECT_TRUE(r.any());
    EXPECT_EQ(Dump(coll.get()), (std::vector<std::pair<std::string, std::string>>{
                                    {"c", kC}, {"d", kD}, {"a", "{\"_id\":\"a\",\"v\":\"new\"}"}}));
    EXPECT_EQ(FileSize(data_path()), size) << "replay does not rewrite data.jsonl";
  }
  // Closing recorded the replayed lines in index.bin.
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_EQ(coll->recovery().replayed_lines, 0u);
  EXPECT_FALSE(coll->recovery().any());
  EXPECT_EQ(coll->Count(), 3u);
}

TEST_F(RecoveryTest, ReadOnlyReplaysWithoutWriting) {
  Seed({{"a", kA}});
  AppendFile(data_path(), kB + "\n");
  const std::string index = ReadFile(index_path());
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, true));
  EXPECT_EQ(coll->recovery().replayed_lines, 1u);
  EXPECT_TRUE(coll->Exists("b"));
  coll.reset();
  root.reset();
  EXPECT_EQ(ReadFile(index_path()), index) << "a read-only open must not rewrite index.bin";
}

// ---------------------------------------------------------------- torn tails

TEST_F(RecoveryTest, TornTailIsTruncatedWhenWritable) {
  Seed({{"a", kA}, {"b", kB}});
  const int64_t clean = FileSize(data_path());
  const std::string torn = "{\"_id\":\"c\",\"v\":[1,2";
  AppendFile(data_path(), kD + "\n" + torn);
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    const auto r = coll->recovery();
    EXPECT_EQ(r.truncated_bytes, torn.size());
    EXPECT_EQ(r.torn_offset, static_cast<uint64_t>(clean) + kD.size() + 1);
    EXPECT_EQ(r.replayed_lines, 1u);
    EXPECT_EQ(FileSize(data_path()), clean + static_cast<int64_t>(kD.size() + 1));
    EXPECT_FALSE(coll->Exists("c"));
    EXPECT_TRUE(coll->Exists("d"));
    // New writes start on a clean line.
    ZDS_ASSERT_OK(coll->Put("e", kE));
  }
  EXPECT_EQ(ReadFile(data_path()).substr(static_cast<size_t>(clean)), kD + "\n" + kE + "\n");
  ASSERT_EQ(::unlink(index_path().c_str()), 0);
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_EQ(coll->recovery().truncated_bytes, 0u);
  EXPECT_EQ(coll->Count(), 4u);
}

TEST_F(RecoveryTest, TornTailWithoutIndexIsTruncated) {
  WriteRawCollection(kA + "\n" + kB + "\n" + "{\"_id\":\"c\"");
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_EQ(coll->recovery().truncated_bytes, 10u);
  EXPECT_EQ(ReadFile(data_path()), kA + "\n" + kB + "\n");
  EXPECT_EQ(coll->Count(), 2u);
}

TEST_F(RecoveryTest, TornTailIsIgnoredWhenReadOnly) {
  Seed({{"a", kA}, {"b", kB}});
  AppendFile(data_path(), "{\"_id\":\"c\",\"v\":");
  const std::string before = ReadFile(data_path());
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, true));
  EXPECT_FALSE(coll->Exists("c"));
  EXPECT_EQ(coll->Count(), 2u);
  EXPECT_GT(coll->recovery().truncated_bytes, 0u) << "the torn tail is still reported";
  EXPECT_EQ(ReadFile(data_path()), before) << "read-only open must leave data.jsonl untouched";
}

TEST_F(RecoveryTest, MissingFinalNewlineIsAdded) {
  Seed({{"a", kA}});
  AppendFile(data_path(), kB);  // a complete document without its '\n'
  const std::string before = ReadFile(data_path());
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, true));
    EXPECT_TRUE(coll->Exists("b"));
    EXPECT_FALSE(coll->recovery().newline_added);
    EXPECT_EQ(ReadFile(data_path()), before);
  }
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    EXPECT_TRUE(coll->recovery().newline_added);
    EXPECT_EQ(ReadFile(data_path()), before + "\n");
    std::string line;
    ZDS_ASSERT_OK(coll->Get("b", &line));
    EXPECT_EQ(line, kB);
    ZDS_ASSERT_OK(coll->Put("c", kC));
  }
  EXPECT_EQ(ReadFile(data_path()), before + "\n" + kC + "\n");
}

// ---------------------------------------------------------------- malformed lines

TEST_F(RecoveryTest, MalformedMiddleLineFailsOpenNamingTheLine) {
  const std::string data = kA + "\n" + kB + "\n" + "{\"_id\":\"c\",oops}\n" + kD + "\n";
  WriteRawCollection(data);
  for (bool ro : {false, true}) {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    zds::Status st = OpenColl(&root, &coll, {}, ro);
    EXPECT_EQ(st.code(), Code::kCorrupt) << Describe(st);
    EXPECT_NE(st.message().find("line 3"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("skipCorrupt"), std::string::npos) << st.message();
  }
  EXPECT_EQ(ReadFile(data_path()), data) << "a failed open must not modify data.jsonl";
  EXPECT_FALSE(PathExists(index_path()));
}

TEST_F(RecoveryTest, MalformedLineAfterIndexIsNumberedFromFileStart) {
  Seed({{"a", kA}, {"b", kB}, {"c", kC}, {"d", kD}, {"e", kE}});                         // lines 1-5
  AppendFile(data_path(), "\n" + std::string("not json") + "\n" + "{\"_id\":\"f\"}\n");  // lines 6-8
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  zds::Status st = OpenColl(&root, &coll);
  EXPECT_EQ(st.code(), Code::kCorrupt) << Describe(st);
  EXPECT_NE(st.message().find("line 7 "), std::string::npos) << st.message();
}

TEST_F(RecoveryTest, SkipCorruptOpensAndReportsTheLines) {
  const std::string data = kA + "\n" + "[1]\n" + kB + "\n" + "{\"_id\":\"c\",oops}\n" + kD + "\n";
  WriteRawCollection(data);
  CollectionOptions opts;
  opts.skip_corrupt = true;
  for (bool ro : {true, false}) {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll, opts, ro));
    const auto r = coll->recovery();
    ASSERT_EQ(r.skipped.size(), 2u);
    EXPECT_EQ(r.skipped[0].line_no, 2u);
    EXPECT_EQ(r.skipped[0].offset, kA.size() + 1);
    EXPECT_EQ(r.skipped[1].line_no, 4u);
    EXPECT_TRUE(r.any());
    std::vector<std::string> ids;
    coll->ListIds(&ids);
    EXPECT_EQ(ids, std::vector<std::string>({"a", "b", "d"}));
    EXPECT_EQ(ReadFile(data_path()).substr(0, data.size()), data) << "skipped lines are left in place";
  }
}

// ---------------------------------------------------------------- foreign index

TEST_F(RecoveryTest, ForeignIndexOmissionsAreDeletesAndAreWrittenDown) {
  const std::string data = kA + "\n" + kB + "\n" + kC + "\n" + kD + "\n" + kE + "\n";
  auto all = LineEntries(data, {"a", "b", "c", "d", "e"});
  // The upstream tool deleted b and d by rewriting its index (no trailer) only.
  const std::string index = BuildZdsi({all[0], all[2], all[4]});
  WriteRawCollection(data, &index);
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    const auto r = coll->recovery();
    EXPECT_EQ(r.foreign_deletes, 2u);
    EXPECT_TRUE(r.index_rebuilt) << "adopting a foreign index is reported as a rebuild";
    EXPECT_NE(r.index_reason.find("another tool"), std::string::npos) << r.index_reason;
    EXPECT_TRUE(r.any());
    EXPECT_EQ(Dump(coll.get()),
              (std::vector<std::pair<std::string, std::string>>{{"a", kA}, {"c", kC}, {"e", kE}}));
    // The deletes were appended as tombstones.
    EXPECT_EQ(ReadFile(data_path()), data + Tomb("b") + "\n" + Tomb("d") + "\n");
  }
  // Without any index, data.jsonl alone still says b and d are gone.
  ASSERT_EQ(::unlink(index_path().c_str()), 0);
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_TRUE(coll->recovery().index_rebuilt);
  EXPECT_EQ(coll->recovery().foreign_deletes, 0u);
  EXPECT_EQ(Dump(coll.get()),
            (std::vector<std::pair<std::string, std::string>>{{"a", kA}, {"c", kC}, {"e", kE}}));
}

TEST_F(RecoveryTest, ForeignIndexReadOnlyAppliesDeletesInMemoryOnly) {
  const std::string data = kA + "\n" + kB + "\n" + kC + "\n";
  auto all = LineEntries(data, {"a", "b", "c"});
  const std::string index = BuildZdsi({all[0], all[2]});
  WriteRawCollection(data, &index);
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, true));
  EXPECT_EQ(coll->recovery().foreign_deletes, 1u);
  EXPECT_FALSE(coll->Exists("b"));
  EXPECT_EQ(ReadFile(data_path()), data);
  EXPECT_EQ(ReadFile(index_path()), index);
}

TEST_F(RecoveryTest, ForeignIndexMayPointAtOlderVersions) {
  const std::string a2 = "{\"_id\":\"a\",\"v\":\"second\"}";
  const std::string data = kA + "\n" + kB + "\n" + a2 + "\n" + kC + "\n";
  auto all = LineEntries(data, {"a", "b", "a", "c"});
  const std::string index = BuildZdsi({all[0], all[3]});  // a at its first version, c; b omitted
  WriteRawCollection(data, &index);
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_EQ(coll->recovery().foreign_deletes, 1u);
  EXPECT_EQ(Dump(coll.get()), (std::vector<std::pair<std::string, std::string>>{{"a", a2}, {"c", kC}}));
}

TEST_F(RecoveryTest, LinesAfterForeignIndexCoverageAreKept) {
  const std::string data = kA + "\n" + kB + "\n" + kC + "\n" + kD + "\n";
  auto all = LineEntries(data, {"a", "b", "c", "d"});
  const std::string index = BuildZdsi({all[0], all[2]});  // covers a..c; d was appended later
  WriteRawCollection(data, &index);
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_EQ(coll->recovery().foreign_deletes, 1u);
  std::vector<std::string> ids;
  coll->ListIds(&ids);
  EXPECT_EQ(ids, std::vector<std::string>({"a", "c", "d"}));
}

TEST_F(RecoveryTest, ForeignIndexThatDisagreesWithDataIsIgnored) {
  const std::string data = kA + "\n" + kB + "\n";
  // Lists an id data.jsonl does not hold.
  std::string index = BuildZdsi({{"a", 0, static_cast<uint32_t>(kA.size() + 1)}, {"zz", 0, 5}});
  WriteRawCollection(data, &index);
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    EXPECT_TRUE(coll->recovery().index_rebuilt);
    EXPECT_EQ(coll->recovery().foreign_deletes, 0u);
    EXPECT_EQ(coll->Count(), 2u);
  }
  // Points a at b's line.
  RemoveTree(coll_dir());
  index = BuildZdsi({{"a", kA.size() + 1, static_cast<uint32_t>(kB.size() + 1)}});
  WriteRawCollection(data, &index);
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_TRUE(coll->recovery().index_rebuilt);
  EXPECT_EQ(coll->recovery().foreign_deletes, 0u);
  EXPECT_EQ(coll->Count(), 2u);
  EXPECT_EQ(ReadFile(data_path()), data);
}

// ---------------------------------------------------------------- lines from other writers

TEST_F(RecoveryTest, CrlfLinesAreReadWithoutTheCr) {
  WriteRawCollection(kA + "\r\n" + kB + "\r\n" + "  " + kC + "  \r\n");
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, true));
  std::string line;
  ZDS_ASSERT_OK(coll->Get("a", &line));
  EXPECT_EQ(line, kA);
  ZDS_ASSERT_OK(coll->Get("c", &line));
  EXPECT_EQ(line.find('\r'), std::string::npos);
  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  zds::Batch batch;
  ZDS_ASSERT_OK(cursor->Next(10, 1 << 20, zds::BatchForm::kJsonl, &batch));
  EXPECT_EQ(batch.count, 3u);
  EXPECT_EQ(batch.bytes.find('\r'), std::string::npos) << batch.bytes;
}

TEST_F(RecoveryTest, ByteOrderMarkIsMalformed) {
  WriteRawCollection("\xEF\xBB\xBF" + kA + "\n" + kB + "\n");
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  zds::Status st = OpenColl(&root, &coll, {}, true);
  EXPECT_EQ(st.code(), Code::kCorrupt) << Describe(st);
  EXPECT_NE(st.message().find("line 1 "), std::string::npos) << st.message();
}

TEST_F(RecoveryTest, LongestIdsSurviveIndexAndRebuild) {
  const std::string id(255, 'L');
  const std::string id2 = std::string(254, 'M') + "-";
  Seed({{id, Doc(id, "\"v\":1")}, {id2, Doc(id2)}});
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {
      ASSERT_EQ(::unlink(index_path().c_str()), 0);
    }
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    EXPECT_EQ(coll->recovery().index_rebuilt, pass == 1);
    std::string line;
    ZDS_ASSERT_OK(coll->Get(id, &line));
    EXPECT_EQ(line, Doc(id, "\"v\":1"));
    EXPECT_TRUE(coll->Exists(id2));
  }
}

// ---------------------------------------------------------------- files larger than a scan chunk (32 MiB)

constexpr size_t kChunk = size_t{32} << 20;

std::string PaddedLine(const std::string& id, size_t total_len_with_nl) {
  const std::string head = "{\"_id\":\"" + id + "\",\"p\":\"";
  const std::string tail = "\"}\n";
  return head + std::string(total_len_with_nl - head.size() - tail.size(), 'p') + tail;
}

TEST_F(RecoveryTest, MalformedLineAtAChunkBoundaryIsNumberedCorrectly) {
  std::string data;
  data.reserve(kChunk + (4u << 20));
  size_t n = 0;
  while (data.size() + 1000 < kChunk - 3000) data += PaddedLine("r" + std::to_string(n++), 1000);
  data += PaddedLine("r" + std::to_string(n++), kChunk - 1500 - data.size());
  ASSERT_EQ(data.size(), kChunk - 1500);
  // The last complete line of the first chunk is malformed...
  data += "{\"_id\":\"bad\"," + std::string(500 - 14, 'x') + "\n";
  const uint64_t bad_line_no = n + 1;
  const uint64_t bad_offset = kChunk - 1500;
  ASSERT_EQ(data.size(), kChunk - 1000);
  // ...and the next one straddles the chunk boundary.
  data += PaddedLine("straddle", 2000);
  for (int i = 0; i < 1000; ++i) data += PaddedLine("t" + std::to_string(i), 1000);
  WriteRawCollection(data);
  data.clear();
  data.shrink_to_fit();
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    zds::Status st = OpenColl(&root, &coll, {}, true);
    EXPECT_EQ(st.code(), Code::kCorrupt) << Describe(st);
    EXPECT_NE(st.message().find("line " + std::to_string(bad_line_no) + " "), std::string::npos)
        << st.message();
  }
  CollectionOptions opts;
  opts.skip_corrupt = true;
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, opts, true));
  const auto r = coll->recovery();
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].line_no, bad_line_no);
  EXPECT_EQ(r.skipped[0].offset, bad_offset);
  EXPECT_EQ(r.truncated_bytes, 0u);
  EXPECT_EQ(coll->Count(), n + 1 + 1000);
  std::string line;
  ZDS_ASSERT_OK(coll->Get("straddle", &line));
  EXPECT_EQ(line + "\n", PaddedLine("straddle", 2000));
  ZDS_ASSERT_OK(coll->Get("t999", &line));
  EXPECT_EQ(line + "\n", PaddedLine("t999", 1000));
}

TEST_F(RecoveryTest, LineLongerThanAScanChunk) {
  const std::string big = PaddedLine("big", kChunk + 12345);
  WriteRawCollection(kA + "\n" + big + kB + "\n" + "{\"_id\":\"torn\"");
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_EQ(coll->Count(), 3u);
  EXPECT_EQ(coll->recovery().truncated_bytes, 13u);
  std::string line;
  ZDS_ASSERT_OK(coll->Get("big", &line));
  EXPECT_EQ(line.size() + 1, big.size());
  EXPECT_TRUE(line == big.substr(0, big.size() - 1));
  ZDS_ASSERT_OK(coll->Get("b", &line));
  EXPECT_EQ(line, kB);
}

TEST_F(RecoveryTest, MalformedLineLongerThanAScanChunkIsCorruptNotTorn) {
  std::string big = PaddedLine("big", kChunk + 100);
  big[big.size() - 2] = ',';  // {"_id":"big","p":"ppp", : not JSON, but a complete line
  WriteRawCollection(kA + "\n" + big + kB + "\n");
  const int64_t size = FileSize(data_path());
  big.clear();
  big.shrink_to_fit();
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  zds::Status st = OpenColl(&root, &coll);
  EXPECT_EQ(st.code(), Code::kCorrupt) << Describe(st);
  EXPECT_NE(st.message().find("line 2 "), std::string::npos) << st.message();
  EXPECT_EQ(FileSize(data_path()), size) << "a damaged middle line must never be truncated away";
}

// ---------------------------------------------------------------- kill -9

// FORMAT.md "Durability": after a batch write, lines survive the death of the
// process; lines still buffered do not.
TEST_F(RecoveryTest, KillNineLosesOnlyTheBufferedBatch) {
  fflush(nullptr);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(60);
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    CollectionOptions opts;
    opts.batch_size = 100;
    if (!OpenColl(&root, &coll, opts).ok()) _exit(1);
    for (int i = 0; i < 1000; ++i) {
      if (!coll->Put("k" + std::to_string(i), Doc("k" + std::to_string(i))).ok()) _exit(2);
    }
    if (!coll->Flush().ok()) _exit(3);
    // 550 more: five batches of 100 reach the file, 50 stay buffered.
    for (int i = 1000; i < 1550; ++i) {
      if (!coll->Put("k" + std::to_string(i), Doc("k" + std::to_string(i))).ok()) _exit(4);
    }
    raise(SIGKILL);
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);

  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));  // the dead child's lock is gone
  const auto r = coll->recovery();
  EXPECT_FALSE(r.index_rebuilt) << r.index_reason;
  EXPECT_EQ(r.replayed_lines, 500u);
  EXPECT_EQ(r.truncated_bytes, 0u);
  EXPECT_EQ(coll->Count(), 1500u);
  EXPECT_TRUE(coll->Exists("k1499"));
  EXPECT_FALSE(coll->Exists("k1500"));
}

// ---------------------------------------------------------------- leftovers

TEST_F(RecoveryTest, LeftoverTempFilesAreRemoved) {
  Seed({{"a", kA}});
  WriteFile(index_path() + ".tmp", "half an index");
  WriteFile(data_path() + ".compact.tmp", kB + "\n");
  WriteFile(manifest_path() + ".tmp", "{");
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_FALSE(PathExists(index_path() + ".tmp"));
  EXPECT_FALSE(PathExists(data_path() + ".compact.tmp"));
  EXPECT_FALSE(PathExists(manifest_path() + ".tmp"));
  EXPECT_EQ(coll->Count(), 1u);
  EXPECT_FALSE(coll->Exists("b"));
}

}  // namespace
}  // namespace zds_test
