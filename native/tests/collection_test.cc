// Collection and Root: the public engine API, on the real file system.
#include "engine/collection.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "engine/cursor.h"
#include "engine/format.h"
#include "engine/index_codec.h"
#include "engine/root.h"
#include "test_util.h"

namespace zds_test {
namespace {

using zds::BatchForm;
using zds::Code;
using zds::Collection;
using zds::CollectionOptions;
using zds::Root;

using CollectionTest = StoreTest;
using WriteJsonlTest = StoreTest;
using CompactTest = StoreTest;
using CursorTest = StoreTest;
using RootTest = StoreTest;
using DocsModeTest = StoreTest;

std::string Id(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "doc_%05d", i);
  return buf;
}

std::vector<std::string> ListIds(Collection* coll) {
  std::vector<std::string> ids;
  coll->ListIds(&ids);
  return ids;
}

std::string GetOrDie(Collection* coll, const std::string& id) {
  std::string line;
  zds::Status st = coll->Get(id, &line);
  EXPECT_TRUE(st.ok()) << id << ": " << Describe(st);
  return line;
}

// ---------------------------------------------------------------- basics

TEST_F(CollectionTest, PutGetDeleteExistsCountListIds) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_EQ(coll->Count(), 0u);
  EXPECT_EQ(coll->name(), "c");
  EXPECT_FALSE(coll->read_only());

  ZDS_ASSERT_OK(coll->Put("a", Doc("a", "\"n\":1")));
  ZDS_ASSERT_OK(coll->Put("b", Doc("b", "\"s\":\"x\"")));
  ZDS_ASSERT_OK(coll->Put("c", Doc("c")));
  EXPECT_EQ(coll->Count(), 3u);
  EXPECT_TRUE(coll->Exists("a"));
  EXPECT_TRUE(coll->Exists("c"));
  EXPECT_FALSE(coll->Exists("d"));
  EXPECT_EQ(GetOrDie(coll.get(), "a"), Doc("a", "\"n\":1"));
  EXPECT_EQ(GetOrDie(coll.get(), "b"), Doc("b", "\"s\":\"x\""));
  EXPECT_EQ(GetOrDie(coll.get(), "c"), Doc("c"));
  EXPECT_EQ(ListIds(coll.get()), std::vector<std::string>({"a", "b", "c"}));

  // Overwrite: same count, new content, the id moves to the end of the scan order.
  ZDS_ASSERT_OK(coll->Put("a", Doc("a", "\"n\":2")));
  EXPECT_EQ(coll->Count(), 3u);
  EXPECT_EQ(GetOrDie(coll.get(), "a"), Doc("a", "\"n\":2"));
  EXPECT_EQ(ListIds(coll.get()), std::vector<std::string>({"b", "c", "a"}));

  ZDS_ASSERT_OK(coll->Delete("b"));
  EXPECT_EQ(coll->Count(), 2u);
  EXPECT_FALSE(coll->Exists("b"));
  std::string line;
  ZDS_EXPECT_CODE(coll->Get("b", &line), Code::kNotFound);
  EXPECT_EQ(ListIds(coll.get()), std::vector<std::string>({"c", "a"}));

  // Put after delete brings it back.
  ZDS_ASSERT_OK(coll->Put("b", Doc("b", "\"again\":true")));
  EXPECT_EQ(GetOrDie(coll.get(), "b"), Doc("b", "\"again\":true"));
  EXPECT_EQ(coll->Count(), 3u);
}

TEST_F(CollectionTest, DeleteMissingIsNotFound) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  ZDS_EXPECT_CODE(coll->Delete("nope"), Code::kNotFound);
  ZDS_ASSERT_OK(coll->Put("a", Doc("a")));
  ZDS_ASSERT_OK(coll->Delete("a"));
  ZDS_EXPECT_CODE(coll->Delete("a"), Code::kNotFound);
  ZDS_ASSERT_OK(coll->Flush());
  // A failed delete writes nothing.
  const uint64_t bytes = coll->DataBytes();
  ZDS_EXPECT_CODE(coll->Delete("a"), Code::kNotFound);
  EXPECT_EQ(coll->DataBytes(), bytes);
}

TEST_F(CollectionTest, PutFramingRule) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  // Accepted: the line starts with {"_id":"<id>" followed by ',' or '}', and ends with '}'.
  ZDS_EXPECT_OK(coll->Put("a", "{\"_id\":\"a\"}"));
  ZDS_EXPECT_OK(coll->Put("a", "{\"_id\":\"a\",\"x\":1}"));
  ZDS_EXPECT_OK(coll->Put("ab", "{\"_id\":\"ab\",\"x\":{\"y\":\"}\"}}"));
  const uint64_t bytes = coll->DataBytes();
  const size_t count = coll->Count();

  const std::string bad[] = {
      "",
      "{}",
      "{\"_id\":\"a\"",    // no closing brace
      "{\"_id\":\"a\"]",   // wrong closing
      "{\"_id\":\"ab\"}",  // a different id that starts with the same byte
      "{\"_id\":\"b\"}",   // another id
      "{\"_id\": \"a\"}",  // not the canonical framing
      "{ \"_id\":\"a\"}",
      " {\"_id\":\"a\"}",           // leading space
      "{\"_id\":\"a\"} ",           // trailing space
      "{\"_id\":\"a\"x}",           // neither ',' nor '}' after the id
      "{\"_id\":\"a\",\"x\":1}\n",  // carries its own newline
      "{\"_id\":\"a\",\n\"x\":1}",  // embedded newline
      "{\"x\":1,\"_id\":\"a\"}",    // _id not first
      "[\"_id\",\"a\"]",
      "{\"_id\":\"a",
  };
  for (const std::string& line : bad) {
    ZDS_EXPECT_CODE(coll->Put("a", line), Code::kInvalidDoc);
  }
  EXPECT_EQ(coll->DataBytes(), bytes) << "a rejected put must not write";
  EXPECT_EQ(coll->Count(), count);
  EXPECT_EQ(GetOrDie(coll.get(), "a"), "{\"_id\":\"a\",\"x\":1}");
}

TEST_F(CollectionTest, PutInvalidId) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  for (const std::string& id : {std::string(""), std::string(".."), std::string("../etc"), std::string("a/b"),
                                std::string("a b"), std::string(256, 'a'), std::string(".x")}) {
    ZDS_EXPECT_CODE(coll->Put(id, "{\"_id\":\"" + id + "\"}"), Code::kInvalidId);
    ZDS_EXPECT_CODE(coll->Delete(id), Code::kInvalidId);
  }
  const std::string longest(255, 'k');
  ZDS_EXPECT_OK(coll->Put(longest, Doc(longest)));
  EXPECT_TRUE(coll->Exists(longest));
  EXPECT_EQ(coll->Count(), 1u);
}

TEST_F(CollectionTest, InvalidCollectionName) {
  std::shared_ptr<Root> root;
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store(), false, &root));
  std::shared_ptr<Collection> coll;
  for (const std::string name : {"", "..", "a/b", ".meta", "x y"}) {
    ZDS_EXPECT_CODE(root->OpenCollection(name, {}, &coll), Code::kInvalidId);
  }
  EXPECT_FALSE(PathExists(store() + "/collections/a"));
}

TEST_F(CollectionTest, GetAfterPutWithoutFlush) {
  for (size_t batch : {size_t{1}, size_t{3}, size_t{1000}}) {
    SCOPED_TRACE("batch_size " + std::to_string(batch));
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    CollectionOptions opts;
    opts.batch_size = batch;
    ZDS_ASSERT_OK(OpenColl(&root, &coll, opts, false, zds::DefaultFileSystem(), "b" + std::to_string(batch)));
    for (int i = 0; i < 10; ++i) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"i\":" + std::to_string(i))));
    for (int i = 0; i < 10; ++i)
      EXPECT_EQ(GetOrDie(coll.get(), Id(i)), Doc(Id(i), "\"i\":" + std::to_string(i)));
    ZDS_ASSERT_OK(coll->Put(Id(3), Doc(Id(3), "\"i\":\"three\"")));
    EXPECT_EQ(GetOrDie(coll.get(), Id(3)), Doc(Id(3), "\"i\":\"three\""));
    EXPECT_EQ(coll->Count(), 10u);
  }
}

TEST_F(CollectionTest, BatchSizeControlsWhenLinesReachTheFile) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  CollectionOptions opts;
  opts.batch_size = 4;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, opts));
  for (int i = 0; i < 4; ++i) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i))));
  EXPECT_EQ(FileSize(data_path()), 0) << "4 docs fit in a batch of 4";
  ZDS_ASSERT_OK(coll->Put(Id(4), Doc(Id(4))));
  EXPECT_EQ(FileSize(data_path()), static_cast<int64_t>(4 * (Doc(Id(0)).size() + 1)));
  ZDS_ASSERT_OK(coll->Flush());
  EXPECT_EQ(FileSize(data_path()), static_cast<int64_t>(5 * (Doc(Id(0)).size() + 1)));
  EXPECT_EQ(coll->DataBytes(), static_cast<uint64_t>(FileSize(data_path())));
}

TEST_F(CollectionTest, PersistsAcrossCloseAndReopen) {
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    for (int i = 0; i < 50; ++i) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"i\":" + std::to_string(i))));
    ZDS_ASSERT_OK(coll->Delete(Id(7)));
    ZDS_ASSERT_OK(coll->Put(Id(8), Doc(Id(8), "\"i\":\"eight\"")));
    // No flush: dropping the last handles must make it durable.
  }
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_FALSE(coll->recovery().any()) << coll->recovery().index_reason;
  EXPECT_EQ(coll->Count(), 49u);
  EXPECT_FALSE(coll->Exists(Id(7)));
  EXPECT_EQ(GetOrDie(coll.get(), Id(8)), Doc(Id(8), "\"i\":\"eight\""));
  EXPECT_EQ(GetOrDie(coll.get(), Id(49)), Doc(Id(49), "\"i\":49"));
  EXPECT_EQ(ListIds(coll.get()).back(), Id(8));
}

TEST_F(CollectionTest, CheckpointIsDurableWithoutClose) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  CollectionOptions opts;
  opts.batch_size = 1000;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, opts));
  for (int i = 0; i < 20; ++i) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i))));
  ZDS_ASSERT_OK(coll->Checkpoint());
  ZDS_ASSERT_OK(coll->Put("after", Doc("after")));  // pending, not yet in the file

  // Simulate a crash: copy the files as they are now into another store.
  const std::string copy = tmp_.Sub("copy/collections/c/meta");
  MakeDirs(copy);
  for (const char* f : {"data.jsonl", "index.bin", "manifest.json"}) {
    WriteFile(copy + "/" + f, ReadFile(coll_dir() + "/meta/" + f));
  }
  std::shared_ptr<Root> root2;
  std::shared_ptr<Collection> coll2;
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), tmp_.Sub("copy"), true, &root2));
  ZDS_ASSERT_OK(root2->OpenCollection("c", {}, &coll2));
  EXPECT_FALSE(coll2->recovery().index_rebuilt) << coll2->recovery().index_reason;
  EXPECT_EQ(coll2->recovery().replayed_lines, 0u);
  EXPECT_EQ(coll2->Count(), 20u);
  EXPECT_FALSE(coll2->Exists("after"));
}

TEST_F(CollectionTest, FlushWritesIndexBin) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  for (int i = 0; i < 300; ++i)
    ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"pad\":\"" + std::string(20, 'p') + "\"")));
  ZDS_ASSERT_OK(coll->Delete(Id(0)));
  ZDS_ASSERT_OK(coll->Put(Id(1), Doc(Id(1), "\"v\":2")));
  ZDS_ASSERT_OK(coll->Flush());

  const std::string data = ReadFile(data_path());
  const std::string index = ReadFile(index_path());
  EXPECT_FALSE(PathExists(index_path() + ".tmp"));
  zds::DecodedIndex d;
  ZDS_ASSERT_OK(zds::DecodeIndex(index, &d));
  EXPECT_TRUE(d.has_trailer);
  EXPECT_EQ(d.data_length, data.size());
  EXPECT_GT(data.size(), zds::format::kTailHashWindow);
  EXPECT_EQ(d.tail_hash,
            zds::TailHash(std::string_view(data).substr(data.size() - zds::format::kTailHashWindow)));
  ASSERT_EQ(d.entries.size(), 299u);
  EXPECT_EQ(d.entries.back().id, Id(1));
  for (const auto& e : d.entries) {
    const std::string line = data.substr(e.ref.offset, e.ref.length);
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.substr(0, 8 + e.id.size()), "{\"_id\":\"" + std::string(e.id));
  }
}

// The files of FORMAT.md's worked example, produced through the API.
TEST_F(CollectionTest, FilesMatchFormatWorkedExample) {
  const std::string u1 = "{\"_id\":\"user_001\",\"name\":\"Alice\",\"age\":28}";
  const std::string u2 = "{\"_id\":\"user_002\",\"name\":\"Bob\",\"age\":35}";
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, false, zds::DefaultFileSystem(), "users"));
  EXPECT_EQ(FileSize(data_path("users")), 0);
  EXPECT_EQ(ToHex(ReadFile(index_path("users"))), ToHex(FromHex("4953 445a 0100 0000 0000 0000 0000 0000"
                                                                "5853 445a 0100 0000 0000 0000 0000 0000"
                                                                "2523 2284 e49c f2cb e858 3f70 0000 0000")));
  ZDS_ASSERT_OK(coll->Put("user_001", u1));
  ZDS_ASSERT_OK(coll->Put("user_002", u2));
  ZDS_ASSERT_OK(coll->Flush());
  EXPECT_EQ(ReadFile(data_path("users")), u1 + "\n" + u2 + "\n");
  EXPECT_EQ(ToHex(ReadFile(index_path("users"))), ToHex(FromHex("4953 445a 0100 0000 0200 0000 0000 0000"
                                                                "0800 7573 6572 5f30 3031 0000 0000 0000"
                                                                "0000 2b00 0000 0800 7573 6572 5f30 3032"
                                                                "2b00 0000 0000 0000 2900 0000 5853 445a"
                                                                "0100 0000 5400 0000 0000 0000 71dc 802e"
                                                                "f6bd 4e12 3f6e cb7a 0000 0000")));
  ZDS_ASSERT_OK(coll->Delete("user_001"));
  ZDS_ASSERT_OK(coll->Flush());
  EXPECT_EQ(ReadFile(data_path("users")), u1 + "\n" + u2 + "\n{\"_id\":\"user_001\",\"$zds\":\"delete\"}\n");
  EXPECT_EQ(ToHex(ReadFile(index_path("users"))), ToHex(FromHex("4953 445a 0100 0000 0100 0000 0000 0000"
                                                                "0800 7573 6572 5f30 3032 2b00 0000 0000"
                                                                "0000 2900 0000 5853 445a 0100 0000 7700"
                                                                "0000 0000 0000 e2c6 a868 5cb4 b751 d708"
                                                                "fe83 0000 0000")));
}

TEST_F(CollectionTest, ReopenUsesTheIndex) {
  Seed({{"a", Doc("a")}, {"b", Doc("b")}});
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  const zds::RecoveryReport r = coll->recovery();
  EXPECT_FALSE(r.index_rebuilt) << r.index_reason;
  EXPECT_EQ(r.replayed_lines, 0u);
  EXPECT_EQ(r.truncated_bytes, 0u);
  EXPECT_FALSE(r.any());
  EXPECT_EQ(coll->Count(), 2u);
}

TEST_F(CollectionTest, CheckpointWritesManifestKeepingForeignFields) {
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    ASSERT_TRUE(PathExists(manifest_path())) << "a new collection gets a manifest";
    for (int i = 0; i < 3; ++i) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i))));
    ZDS_ASSERT_OK(coll->Checkpoint());
  }
  simdjson::dom::parser parser;
  simdjson::dom::element m;
  simdjson::padded_string text(ReadFile(manifest_path()));
  ASSERT_FALSE(parser.parse(text).get(m));
  EXPECT_EQ(int64_t(m["doc_count"]), 3);
  EXPECT_EQ(std::string_view(m["collection"]), "c");
  EXPECT_EQ(std::string_view(m["format"]), "jsonl");

  // Another tool's fields and created_at survive our rewrite.
  WriteFile(
      manifest_path(),
      "{\"version\":\"1.0\",\"collection\":\"c\",\"strict\":true,\"created_at\":\"2001-02-03T04:05:06Z\","
      "\"doc_count\":3,\"custom\":{\"k\":[1,2]},\"format\":\"jsonl\"}\n");
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    ZDS_ASSERT_OK(coll->Put("z", Doc("z")));
    ZDS_ASSERT_OK(coll->Checkpoint());
  }
  simdjson::padded_string text2(ReadFile(manifest_path()));
  ASSERT_FALSE(parser.parse(text2).get(m));
  EXPECT_EQ(int64_t(m["doc_count"]), 4);
  EXPECT_EQ(std::string_view(m["version"]), "1.0");
  EXPECT_EQ(std::string_view(m["created_at"]), "2001-02-03T04:05:06Z");
  EXPECT_EQ(bool(m["strict"]), true);
  EXPECT_EQ(int64_t(m.at_pointer("/custom/k/1")), 2);
}

TEST_F(CollectionTest, FlushLeavesManifestUnparsableManifestIsReplaced) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  const std::string initial = ReadFile(manifest_path());
  ZDS_ASSERT_OK(coll->Put("a", Doc("a")));
  ZDS_ASSERT_OK(coll->Flush());
  EXPECT_EQ(ReadFile(manifest_path()), initial) << "flush() does not write the manifest";
  WriteFile(manifest_path(), "not json");
  ZDS_ASSERT_OK(coll->Checkpoint());
  simdjson::dom::parser parser;
  simdjson::dom::element m;
  simdjson::padded_string text(ReadFile(manifest_path()));
  ASSERT_FALSE(parser.parse(text).get(m)) << ReadFile(manifest_path());
  EXPECT_EQ(int64_t(m["doc_count"]), 1);
}

TEST_F(CollectionTest, DataJsonlWinsOverDocsDir) {
  MakeDirs(coll_dir() + "/docs");
  WriteFile(coll_dir() + "/docs/x.json", "{}");
  MakeDirs(coll_dir() + "/meta");
  WriteFile(data_path(), Doc("a") + "\n");
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_FALSE(coll->Exists("x"));
  EXPECT_TRUE(coll->Exists("a"));
  ZDS_EXPECT_OK(coll->Put("b", Doc("b")));
}

TEST_F(CollectionTest, HandlesOfOneRootShareTheCollection) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> a, b;
  ZDS_ASSERT_OK(OpenColl(&root, &a));
  ZDS_ASSERT_OK(root->OpenCollection("c", {}, &b));
  EXPECT_EQ(a.get(), b.get());
  ZDS_ASSERT_OK(a->Put("x", Doc("x")));
  EXPECT_TRUE(b->Exists("x"));
}

// A read-only handle on a writable root must not make later writable handles
// of the same collection read-only (the shared Collection is cached by name).
TEST_F(CollectionTest, ReadOnlyHandleDoesNotMakeLaterHandlesReadOnly) {
  Seed({{"a", Doc("a")}});
  std::shared_ptr<Root> root;
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store(), false, &root));
  CollectionOptions ro;
  ro.read_only = true;
  std::shared_ptr<Collection> reader, writer;
  ZDS_ASSERT_OK(root->OpenCollection("c", ro, &reader));
  EXPECT_TRUE(reader->read_only());
  ZDS_EXPECT_CODE(reader->Put("b", Doc("b")), Code::kReadOnly);
  ZDS_ASSERT_OK(root->OpenCollection("c", {}, &writer));
  EXPECT_FALSE(writer->read_only());
  ZDS_EXPECT_OK(writer->Put("b", Doc("b")));
}

TEST_F(CollectionTest, ReadOnlyCollectionRefreshSeesFlushedWrites) {
  Seed({{"a", Doc("a")}});
  std::shared_ptr<Root> wroot, rroot;
  std::shared_ptr<Collection> writer, reader;
  ZDS_ASSERT_OK(OpenColl(&wroot, &writer));
  ZDS_ASSERT_OK(OpenColl(&rroot, &reader, {}, true));
  EXPECT_NE(writer.get(), reader.get());
  EXPECT_TRUE(reader->read_only());
  ZDS_EXPECT_CODE(reader->Put("b", Doc("b")), Code::kReadOnly);
  ZDS_EXPECT_CODE(reader->Delete("a"), Code::kReadOnly);
  ZDS_EXPECT_CODE(reader->Compact(), Code::kReadOnly);
  size_t n = 0;
  ZDS_EXPECT_CODE(reader->WriteJsonl("{\"x\":1}\n", {"x"}, &n), Code::kReadOnly);
  ZDS_EXPECT_OK(reader->Flush());

  ZDS_ASSERT_OK(writer->Put("b", Doc("b")));
  ZDS_ASSERT_OK(writer->Delete("a"));
  ZDS_ASSERT_OK(writer->Flush());
  EXPECT_TRUE(reader->Exists("a"));
  EXPECT_FALSE(reader->Exists("b"));
  ZDS_ASSERT_OK(reader->Refresh());
  EXPECT_FALSE(reader->Exists("a"));
  EXPECT_EQ(GetOrDie(reader.get(), "b"), Doc("b"));

  // Refresh also follows a compaction (a new data.jsonl inode).
  ZDS_ASSERT_OK(writer->Put("c", Doc("c")));
  ZDS_ASSERT_OK(writer->Compact());
  ZDS_ASSERT_OK(reader->Refresh());
  EXPECT_EQ(ListIds(reader.get()), std::vector<std::string>({"b", "c"}));
  EXPECT_EQ(GetOrDie(reader.get(), "c"), Doc("c"));
}

// Whatever Put accepts must read back the same after a reopen. A line with a
// top-level "$zds" key passes the framing check but is a tombstone (or an
// unknown marker) on disk.
TEST_F(CollectionTest, PutOfReservedKeyIsRejectedOrRoundTrips) {
  const std::string lines[] = {"{\"_id\":\"x\",\"$zds\":\"delete\"}", "{\"_id\":\"y\",\"$zds\":\"other\"}"};
  {
    std::shared_ptr<Root> root;
    std::shared_ptr<Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    ZDS_ASSERT_OK(coll->Put("keep", Doc("keep")));
    for (const auto& line : lines) {
      const std::string id = line.substr(8, 1);
      zds::Status st = coll->Put(id, line);
      if (!st.ok()) {
        EXPECT_EQ(st.code(), Code::kInvalidDoc) << Describe(st);
      }
    }
    ZDS_ASSERT_OK(coll->Put("last", Doc("last")));
  }
  ASSERT_EQ(::unlink(index_path().c_str()), 0);  // force a full scan of data.jsonl
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  zds::Status st = OpenColl(&root, &coll);
  ASSERT_TRUE(st.ok()) << "an accepted Put made the collection unopenable: " << Describe(st);
  for (const auto& line : lines) {
    const std::string id = line.substr(8, 1);
    std::string got;
    if (coll->Get(id, &got).ok()) {
      EXPECT_EQ(got, line);
    }
  }
  const std::string data = ReadFile(data_path());
  EXPECT_EQ(data.find("$zds"), std::string::npos) << "a user document was stored as a tombstone/marker:\n"
                                                  << data;
}

// Collections are shared by threads (the binding runs operations on worker
// threads): concurrent writers, readers, cursors and flushes stay consistent.
TEST_F(CollectionTest, ConcurrentWritersReadersAndFlushes) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  CollectionOptions opts;
  opts.batch_size = 64;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, opts));
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 1500;
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w]() {
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string id = "w" + std::to_string(w) + "_" + std::to_string(i);
        if (!coll->Put(id, Doc(id, "\"i\":" + std::to_string(i))).ok()) ++errors;
        if (i % 3 == 0 && !coll->Put(id, Doc(id, "\"i\":" + std::to_string(i))).ok()) ++errors;
        if (i % 10 == 0) {
          std::string line;
          if (!coll->Get(id, &line).ok() || line != Doc(id, "\"i\":" + std::to_string(i))) ++errors;
        }
      }
    });
  }
  threads.emplace_back([&]() {
    while (!done) {
      std::unique_ptr<zds::Cursor> cursor;
      if (!coll->NewCursor(&cursor).ok()) {
        ++errors;
        continue;
      }
      zds::Batch batch;
      while (!cursor->done()) {
        if (!cursor->Next(500, 1 << 16, BatchForm::kJsonArray, &batch).ok()) {
          ++errors;
          break;
        }
        simdjson::dom::parser parser;
        simdjson::padded_string p(batch.bytes);
        simdjson::dom::array arr;
        if (parser.parse(p).get_array().get(arr) || arr.size() != batch.count) ++errors;
      }
    }
  });
  threads.emplace_back([&]() {
    while (!done) {
      if (!coll->Flush().ok()) ++errors;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (int w = 0; w < kWriters; ++w) threads[static_cast<size_t>(w)].join();
  done = true;
  for (size_t t = kWriters; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(coll->Count(), static_cast<size_t>(kWriters * kPerWriter));
  coll.reset();
  root.reset();

  ASSERT_EQ(::unlink(index_path().c_str()), 0);
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_TRUE(coll->recovery().skipped.empty());
  EXPECT_EQ(coll->recovery().truncated_bytes, 0u);
  EXPECT_EQ(coll->Count(), static_cast<size_t>(kWriters * kPerWriter));
  std::string line;
  ZDS_ASSERT_OK(coll->Get("w3_1499", &line));
  EXPECT_EQ(line, Doc("w3_1499", "\"i\":1499"));
}

// ---------------------------------------------------------------- WriteJsonl

TEST_F(WriteJsonlTest, LinesWithAndWithoutId) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  const std::string blob =
      "{\"_id\":\"a\",\"x\":1}\n"
      "{\"y\":2}\r\n"
      "\n"
      "   \n"
      "{ }\n"
      "{\"z\":[1,{\"w\":null}],\"_id\":\"d\"}\n"
      "  {\"q\":\"{\"}";  // no final newline
  size_t count = 0;
  ZDS_ASSERT_OK(coll->WriteJsonl(blob, {"a", "b", "c", "d", "e"}, &count));
  EXPECT_EQ(count, 5u);
  EXPECT_EQ(coll->Count(), 5u);
  EXPECT_EQ(GetOrDie(coll.get(), "a"), "{\"_id\":\"a\",\"x\":1}");
  EXPECT_EQ(GetOrDie(coll.get(), "b"), "{\"_id\":\"b\",\"y\":2}");
  EXPECT_EQ(GetOrDie(coll.get(), "c"), "{\"_id\":\"c\"}");
  EXPECT_EQ(GetOrDie(coll.get(), "d"), "{\"z\":[1,{\"w\":null}],\"_id\":\"d\"}");
  EXPECT_EQ(GetOrDie(coll.get(), "e"), "{\"_id\":\"e\",\"q\":\"{\"}");
  EXPECT_EQ(ListIds(coll.get()), std::vector<std::string>({"a", "b", "c", "d", "e"}));
  ZDS_ASSERT_OK(coll->Flush());

  // Every stored line is a valid document line: a full rebuild agrees.
  const auto before = Dump(coll.get());
  coll.reset();
  root.reset();
  ASSERT_EQ(::unlink(index_path().c_str()), 0);
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_TRUE(coll->recovery().index_rebuilt);
  EXPECT_TRUE(coll->recovery().skipped.empty());
  EXPECT_EQ(Dump(coll.get()), before);
}

TEST_F(WriteJsonlTest, ErrorsWriteNothing) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  ZDS_ASSERT_OK(coll->Put("keep", Doc("keep")));
  const uint64_t bytes = coll->DataBytes();
  size_t count = 99;

  // _id differs from the id given for the line.
  zds::Status st = coll->WriteJsonl("{\"_id\":\"a\"}\n{\"_id\":\"b\"}\n", {"a", "c"}, &count);
  EXPECT_EQ(st.code(), Code::kInvalidDoc) << Describe(st);
  EXPECT_NE(st.message().find("Line 2"), std::string::npos) << st.message();
  // Non-string _id.
  ZDS_EXPECT_CODE(coll->WriteJsonl("{\"_id\":1}\n", {"1"}, &count), Code::kInvalidDoc);
  // Line and id counts differ.
  ZDS_EXPECT_CODE(coll->WriteJsonl("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n", {"a", "b"}, &count),
                  Code::kInvalidArg);
  ZDS_EXPECT_CODE(coll->WriteJsonl("{\"a\":1}\n", {"a", "b"}, &count), Code::kInvalidArg);
  // The reserved key.
  ZDS_EXPECT_CODE(coll->WriteJsonl("{\"a\":1}\n{\"$zds\":\"delete\"}\n", {"a", "b"}, &count),
                  Code::kInvalidDoc);
  ZDS_EXPECT_CODE(coll->WriteJsonl("{\"_id\":\"a\",\"$zds\":\"delete\"}\n", {"a"}, &count),
                  Code::kInvalidDoc);
  // Not JSON, not an object.
  ZDS_EXPECT_CODE(coll->WriteJsonl("{\"a\":1}\n{\"a\":\n", {"a", "b"}, &count), Code::kInvalidDoc);
  ZDS_EXPECT_CODE(coll->WriteJsonl("[1,2]\n", {"a"}, &count), Code::kInvalidDoc);
  ZDS_EXPECT_CODE(coll->WriteJsonl("{\"a\":1} {\"b\":2}\n", {"a"}, &count), Code::kInvalidDoc);
  // An invalid id.
  ZDS_EXPECT_CODE(coll->WriteJsonl("{\"a\":1}\n{\"a\":2}\n", {"ok", "../bad"}, &count), Code::kInvalidId);

  EXPECT_EQ(count, 99u) << "count is only set on success";
  EXPECT_EQ(coll->DataBytes(), bytes);
  EXPECT_EQ(coll->Count(), 1u);
  EXPECT_FALSE(coll->Exists("a"));
  EXPECT_FALSE(coll->Exists("ok"));
  ZDS_ASSERT_OK(coll->Flush());
  EXPECT_EQ(ReadFile(data_path()), Doc("keep") + "\n");
}

TEST_F(WriteJsonlTest, EmptyBlob) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  size_t count = 7;
  ZDS_ASSERT_OK(coll->WriteJsonl("", {}, &count));
  EXPECT_EQ(count, 0u);
  ZDS_ASSERT_OK(coll->WriteJsonl("\n\n  \n", {}, &count));
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(coll->DataBytes(), 0u);
}

// ---------------------------------------------------------------- Compact

TEST_F(CompactTest, ShrinksFileAndKeepsDocuments) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  for (int i = 0; i < 100; ++i) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"v\":0")));
  for (int i = 0; i < 100; i += 2) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"v\":1")));
  for (int i = 0; i < 100; i += 4) ZDS_ASSERT_OK(coll->Delete(Id(i + 1)));
  ZDS_ASSERT_OK(coll->Flush());
  const auto before = Dump(coll.get());
  const int64_t size_before = FileSize(data_path());

  ZDS_ASSERT_OK(coll->Compact());
  const int64_t size_after = FileSize(data_path());
  EXPECT_LT(size_after, size_before);
  EXPECT_EQ(static_cast<uint64_t>(size_after), coll->DataBytes());
  EXPECT_EQ(Dump(coll.get()), before) << "same documents in the same order";
  EXPECT_FALSE(PathExists(data_path() + ".compact.tmp"));

  // The file now holds exactly one line per live document, and no tombstones.
  const std::string data = ReadFile(data_path());
  EXPECT_EQ(data.find("$zds"), std::string::npos);
  const auto lines = SplitLines(data);
  ASSERT_EQ(lines.size(), before.size());
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i], before[i].second);

  // index.bin was rewritten for the new file.
  zds::DecodedIndex d;
  const std::string index = ReadFile(index_path());
  ZDS_ASSERT_OK(zds::DecodeIndex(index, &d));
  EXPECT_TRUE(d.has_trailer);
  EXPECT_EQ(d.data_length, data.size());
  EXPECT_EQ(d.entries.size(), before.size());

  // Writes after compaction land in the new file and survive a reopen.
  ZDS_ASSERT_OK(coll->Put("new", Doc("new")));
  ZDS_ASSERT_OK(coll->Delete(Id(2)));
  auto expected = Dump(coll.get());
  coll.reset();
  root.reset();
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  EXPECT_FALSE(coll->recovery().any()) << coll->recovery().index_reason;
  EXPECT_EQ(Dump(coll.get()), expected);
}

TEST_F(CompactTest, CursorCreatedBeforeCompactionReadsOldSnapshot) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  for (int i = 0; i < 5; ++i) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"v\":\"old\"")));
  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  EXPECT_EQ(cursor->total(), 5u);

  ZDS_ASSERT_OK(coll->Put(Id(0), Doc(Id(0), "\"v\":\"new\"")));
  ZDS_ASSERT_OK(coll->Delete(Id(1)));
  ZDS_ASSERT_OK(coll->Put(Id(9), Doc(Id(9))));
  ZDS_ASSERT_OK(coll->Compact());
  // Overwrite the compacted file's bytes region too, to be sure the cursor does
  // not read through the new file.
  for (int i = 0; i < 50; ++i)
    ZDS_ASSERT_OK(coll->Put("filler" + std::to_string(i), Doc("filler" + std::to_string(i))));
  ZDS_ASSERT_OK(coll->Flush());

  zds::Batch batch;
  ZDS_ASSERT_OK(cursor->Next(100, 1 << 20, BatchForm::kJsonl, &batch));
  ASSERT_EQ(batch.count, 5u);
  std::string expected;
  for (int i = 0; i < 5; ++i) expected += Doc(Id(i), "\"v\":\"old\"") + "\n";
  EXPECT_EQ(batch.bytes, expected);
  EXPECT_TRUE(cursor->done());

  // A cursor made now sees the compacted state.
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  ZDS_ASSERT_OK(cursor->Next(1000, 1 << 20, BatchForm::kLines, &batch));
  EXPECT_EQ(batch.count, 4u + 1u + 50u);
}

TEST_F(CompactTest, EmptyCollectionAndPending) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  ZDS_ASSERT_OK(coll->Compact());
  EXPECT_EQ(FileSize(data_path()), 0);
  // Pending (unflushed) lines are included.
  ZDS_ASSERT_OK(coll->Put("a", Doc("a")));
  ZDS_ASSERT_OK(coll->Put("b", Doc("b")));
  ZDS_ASSERT_OK(coll->Delete("a"));
  ZDS_ASSERT_OK(coll->Compact());
  EXPECT_EQ(ReadFile(data_path()), Doc("b") + "\n");
  EXPECT_EQ(GetOrDie(coll.get(), "b"), Doc("b"));
}

// ---------------------------------------------------------------- Cursor

std::vector<std::string> ParseArrayIds(const std::string& bytes) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(bytes);
  simdjson::dom::array arr;
  auto err = parser.parse(p).get_array().get(arr);
  EXPECT_FALSE(err) << "not a JSON array: " << bytes;
  std::vector<std::string> ids;
  if (err) return ids;
  for (simdjson::dom::element e : arr) {
    std::string_view id;
    EXPECT_FALSE(e["_id"].get_string().get(id));
    ids.emplace_back(id);
  }
  return ids;
}

TEST_F(CursorTest, JsonArrayBatchesCoverEveryDocumentOnce) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  for (int i = 0; i < 23; ++i) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"i\":" + std::to_string(i))));
  // Overwrites break the file into non-adjacent runs.
  for (int i = 0; i < 23; i += 5) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i), "\"i\":\"again\"")));
  ZDS_ASSERT_OK(coll->Delete(Id(3)));
  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  EXPECT_EQ(cursor->total(), 22u);
  std::vector<std::string> seen;
  zds::Batch batch;
  int batches = 0;
  while (!cursor->done()) {
    ZDS_ASSERT_OK(cursor->Next(4, 1 << 20, BatchForm::kJsonArray, &batch));
    EXPECT_LE(batch.count, 4u);
    EXPECT_GE(batch.count, 1u);
    auto ids = ParseArrayIds(batch.bytes);
    EXPECT_EQ(ids.size(), batch.count);
    seen.insert(seen.end(), ids.begin(), ids.end());
    ASSERT_LT(++batches, 100);
  }
  EXPECT_EQ(batches, 6);
  EXPECT_EQ(seen, ListIds(coll.get()));
  EXPECT_EQ(cursor->position(), 22u);
  ZDS_ASSERT_OK(cursor->Next(4, 1 << 20, BatchForm::kJsonArray, &batch));
  EXPECT_EQ(batch.count, 0u);
  EXPECT_EQ(batch.bytes, "[]");
}

TEST_F(CursorTest, JsonlAndLinesForms) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  std::vector<std::string> lines;
  for (int i = 0; i < 6; ++i) {
    lines.push_back(Doc(Id(i), "\"s\":\"" + std::string(static_cast<size_t>(i) * 3, 'x') + "\""));
    ZDS_ASSERT_OK(coll->Put(Id(i), lines.back()));
  }
  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  zds::Batch batch;
  ZDS_ASSERT_OK(cursor->Next(100, 1 << 20, BatchForm::kJsonl, &batch));
  ASSERT_EQ(batch.count, 6u);
  std::string jsonl;
  for (const auto& l : lines) jsonl += l + "\n";
  EXPECT_EQ(batch.bytes, jsonl);
  ASSERT_EQ(batch.ends.size(), 6u);
  EXPECT_EQ(batch.ends.back(), jsonl.size());

  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  ZDS_ASSERT_OK(cursor->Next(100, 1 << 20, BatchForm::kLines, &batch));
  ASSERT_EQ(batch.count, 6u);
  ASSERT_EQ(batch.ends.size(), 6u);
  size_t start = 0;
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(batch.bytes.substr(start, batch.ends[i] - start), lines[i]);
    start = batch.ends[i];
  }
  EXPECT_EQ(start, batch.bytes.size());
}

TEST_F(CursorTest, MaxDocsAndMaxBytes) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  size_t longest = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string line =
        Doc(Id(i), "\"p\":\"" + std::string(static_cast<size_t>(i % 7) * 10, 'p') + "\"");
    longest = std::max(longest, line.size() + 1);
    ZDS_ASSERT_OK(coll->Put(Id(i), line));
  }
  for (size_t max_bytes : {size_t{1}, size_t{50}, size_t{200}, size_t{1000}}) {
    SCOPED_TRACE("max_bytes " + std::to_string(max_bytes));
    std::unique_ptr<zds::Cursor> cursor;
    ZDS_ASSERT_OK(coll->NewCursor(&cursor));
    zds::Batch batch;
    size_t total = 0;
    int guard = 0;
    while (!cursor->done()) {
      ZDS_ASSERT_OK(cursor->Next(7, max_bytes, BatchForm::kJsonl, &batch));
      ASSERT_GE(batch.count, 1u) << "at least one document per batch while any remain";
      EXPECT_LE(batch.count, 7u);
      // Stops once max_bytes is reached: overshoots by less than one document.
      EXPECT_LT(batch.bytes.size(), max_bytes + longest);
      if (batch.count > 1) {
        EXPECT_LT(batch.ends[batch.count - 2], max_bytes) << "kept adding after max_bytes was reached";
      }
      if (max_bytes == 1) {
        EXPECT_EQ(batch.count, 1u);
      }
      total += batch.count;
      ASSERT_LT(++guard, 100);
    }
    EXPECT_EQ(total, 40u);
  }
  // max_docs 0 still makes progress.
  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  zds::Batch batch;
  ZDS_ASSERT_OK(cursor->Next(0, 1 << 20, BatchForm::kJsonl, &batch));
  EXPECT_EQ(batch.count, 1u);
}

TEST_F(CursorTest, SnapshotIgnoresLaterWrites) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  CollectionOptions opts;
  opts.batch_size = 1000;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, opts));
  for (int i = 0; i < 5; ++i) ZDS_ASSERT_OK(coll->Put(Id(i), Doc(Id(i))));  // pending, not in the file yet
  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  ZDS_ASSERT_OK(coll->Put(Id(9), Doc(Id(9))));
  ZDS_ASSERT_OK(coll->Delete(Id(0)));
  ZDS_ASSERT_OK(coll->Put(Id(1), Doc(Id(1), "\"changed\":1")));
  zds::Batch batch;
  ZDS_ASSERT_OK(cursor->Next(100, 1 << 20, BatchForm::kJsonArray, &batch));
  EXPECT_EQ(ParseArrayIds(batch.bytes), std::vector<std::string>({Id(0), Id(1), Id(2), Id(3), Id(4)}));
  EXPECT_EQ(batch.bytes.find("changed"), std::string::npos);
}

TEST_F(CursorTest, EmptyCollection) {
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  EXPECT_TRUE(cursor->done());
  zds::Batch batch;
  ZDS_ASSERT_OK(cursor->Next(10, 100, BatchForm::kJsonArray, &batch));
  EXPECT_EQ(batch.bytes, "[]");
  EXPECT_EQ(batch.count, 0u);
}

// ---------------------------------------------------------------- Root

TEST_F(RootTest, ReadOnlyOnMissingDirIsNotFound) {
  std::shared_ptr<Root> root;
  ZDS_EXPECT_CODE(Root::Open(zds::DefaultFileSystem(), tmp_.Sub("missing"), true, &root), Code::kNotFound);
  EXPECT_FALSE(PathExists(tmp_.Sub("missing")));
}

TEST_F(RootTest, RootThatIsAFileIsNotDir) {
  WriteFile(tmp_.Sub("file"), "not a dir");
  std::shared_ptr<Root> root;
  ZDS_EXPECT_CODE(Root::Open(zds::DefaultFileSystem(), tmp_.Sub("file"), false, &root), Code::kNotDir);
  ZDS_EXPECT_CODE(Root::Open(zds::DefaultFileSystem(), tmp_.Sub("file"), true, &root), Code::kNotDir);
  ZDS_EXPECT_CODE(Root::Open(zds::DefaultFileSystem(), "", false, &root), Code::kInvalidArg);
}

TEST_F(RootTest, CreatesLayoutAndListsCollections) {
  std::shared_ptr<Root> root;
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store(), false, &root));
  EXPECT_FALSE(root->read_only());
  EXPECT_TRUE(PathExists(store() + "/collections"));
  std::shared_ptr<Collection> c1, c2;
  ZDS_ASSERT_OK(root->OpenCollection("beta", {}, &c1));
  ZDS_ASSERT_OK(root->OpenCollection("alpha", {}, &c2));
  EXPECT_TRUE(PathExists(coll_dir("alpha") + "/meta/data.jsonl"));
  EXPECT_TRUE(PathExists(coll_dir("alpha") + "/meta/index.bin"));
  EXPECT_TRUE(PathExists(coll_dir("alpha") + "/meta/manifest.json"));
  MakeDirs(store() + "/collections/.hidden");
  WriteFile(store() + "/collections/stray-file", "x");
  std::vector<std::string> names;
  ZDS_ASSERT_OK(root->ListCollections(&names));
  EXPECT_EQ(names, std::vector<std::string>({"alpha", "beta"}));
  bool exists = false;
  ZDS_ASSERT_OK(root->CollectionExists("alpha", &exists));
  EXPECT_TRUE(exists);
  ZDS_ASSERT_OK(root->CollectionExists("gamma", &exists));
  EXPECT_FALSE(exists);
  ZDS_EXPECT_CODE(root->CollectionExists("../x", &exists), Code::kInvalidId);
}

TEST_F(RootTest, ReadOnlyRootCannotCreateOrWrite) {
  Seed({{"a", Doc("a")}});
  std::shared_ptr<Root> root;
  ZDS_ASSERT_OK(Root::Open(zds::DefaultFileSystem(), store(), true, &root));
  EXPECT_TRUE(root->read_only());
  std::shared_ptr<Collection> coll;
  ZDS_EXPECT_CODE(root->OpenCollection("other", {}, &coll), Code::kNotFound);
  EXPECT_FALSE(PathExists(coll_dir("other")));
  ZDS_ASSERT_OK(root->OpenCollection("c", {}, &coll));
  EXPECT_TRUE(coll->read_only());
  ZDS_EXPECT_CODE(coll->Put("b", Doc("b")), Code::kReadOnly);
  EXPECT_EQ(GetOrDie(coll.get(), "a"), Doc("a"));
}

TEST_F(RootTest, ReadOnlyEmptyCollectionDir) {
  MakeDirs(coll_dir("empty"));
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, true, zds::DefaultFileSystem(), "empty"));
  EXPECT_EQ(coll->Count(), 0u);
  std::string line;
  ZDS_EXPECT_CODE(coll->Get("a", &line), Code::kNotFound);
  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  zds::Batch batch;
  ZDS_ASSERT_OK(cursor->Next(10, 100, BatchForm::kJsonArray, &batch));
  EXPECT_EQ(batch.bytes, "[]");
  EXPECT_FALSE(PathExists(coll_dir("empty") + "/meta"));
}

TEST_F(RootTest, CollectionPathThatIsAFileIsNotDir) {
  MakeDirs(store() + "/collections");
  WriteFile(coll_dir("f"), "x");
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_EXPECT_CODE(OpenColl(&root, &coll, {}, false, zds::DefaultFileSystem(), "f"), Code::kNotDir);
}

// ---------------------------------------------------------------- docs mode

TEST_F(DocsModeTest, FilePerDocumentCollectionIsReadable) {
  const std::string docs = coll_dir("d") + "/docs";
  MakeDirs(docs);
  WriteFile(docs + "/a.json", "{\"x\": 1}\n");
  WriteFile(docs + "/b.json", "{\n  \"_id\": \"b\",\n  \"y\": [1, 2]\n}\n");
  WriteFile(docs + "/e.json", "{}");
  WriteFile(docs + "/.hidden.json", "{}");  // not a valid id
  WriteFile(docs + "/notes.txt", "ignored");
  std::shared_ptr<Root> root;
  std::shared_ptr<Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, false, zds::DefaultFileSystem(), "d"));
  EXPECT_EQ(coll->Count(), 3u);
  EXPECT_EQ(ListIds(coll.get()), std::vector<std::string>({"a", "b", "e"}));
  EXPECT_TRUE(coll->Exists("a"));
  EXPECT_FALSE(coll->Exists("notes"));
  EXPECT_FALSE(coll->Exists(".hidden"));
  EXPECT_EQ(GetOrDie(coll.get(), "a"), "{\"_id\":\"a\",\"x\":1}");
  EXPECT_EQ(GetOrDie(coll.get(), "b"), "{\"_id\":\"b\",\"y\":[1,2]}");
  EXPECT_EQ(GetOrDie(coll.get(), "e"), "{\"_id\":\"e\"}");
  std::string line;
  ZDS_EXPECT_CODE(coll->Get("zz", &line), Code::kNotFound);

  ZDS_EXPECT_CODE(coll->Put("c", Doc("c")), Code::kReadOnly);
  ZDS_EXPECT_CODE(coll->Delete("a"), Code::kReadOnly);
  size_t n = 0;
  ZDS_EXPECT_CODE(coll->WriteJsonl("{}\n", {"c"}, &n), Code::kReadOnly);
  ZDS_EXPECT_CODE(coll->Compact(), Code::kReadOnly);
  ZDS_EXPECT_OK(coll->Flush());
  ZDS_EXPECT_OK(coll->Checkpoint());

  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor));
  zds::Batch batch;
  ZDS_ASSERT_OK(cursor->Next(10, 1 << 20, BatchForm::kJsonArray, &batch));
  EXPECT_EQ(ParseArrayIds(batch.bytes), std::vector<std::string>({"a", "b", "e"}));

  cursor.reset();
  coll.reset();
  root.reset();
  EXPECT_FALSE(PathExists(coll_dir("d") + "/meta")) << "docs mode must not create a data.jsonl";

  // A document that is not valid JSON reads as kCorrupt.
  WriteFile(docs + "/bad.json", "{nope");
  ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, true, zds::DefaultFileSystem(), "d"));
  ZDS_EXPECT_CODE(coll->Get("bad", &line), Code::kCorrupt);
  EXPECT_EQ(coll->Count(), 4u);
}

}  // namespace
}  // namespace zds_test
