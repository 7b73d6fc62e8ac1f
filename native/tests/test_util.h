// Shared helpers of the engine's unit tests: temporary directories, whole-file
// I/O, status assertions and a fixture that opens a store in a fresh folder.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/collection.h"
#include "engine/file_system.h"
#include "engine/root.h"
#include "engine/status.h"

namespace zds_test {

// "EIO: message" for failure output.
std::string Describe(const zds::Status& st);

#define ZDS_ASSERT_OK(expr)                                             \
  do {                                                                  \
    const ::zds::Status _zds_t_st = (expr);                             \
    ASSERT_TRUE(_zds_t_st.ok()) << #expr << " -> " << ::zds_test::Describe(_zds_t_st); \
  } while (0)

#define ZDS_EXPECT_OK(expr)                                             \
  do {                                                                  \
    const ::zds::Status _zds_t_st = (expr);                             \
    EXPECT_TRUE(_zds_t_st.ok()) << #expr << " -> " << ::zds_test::Describe(_zds_t_st); \
  } while (0)

#define ZDS_EXPECT_CODE(expr, expected)                                                        \
  do {                                                                                         \
    const ::zds::Status _zds_t_st = (expr);                                                    \
    EXPECT_EQ(::zds::CodeName(_zds_t_st.code()), std::string(::zds::CodeName(expected)))       \
        << #expr << " -> " << ::zds_test::Describe(_zds_t_st);                                 \
  } while (0)

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

void RemoveTree(const std::string& path);
bool PathExists(const std::string& path);
// Size of a file; -1 when it does not exist.
int64_t FileSize(const std::string& path);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& data);
void AppendFile(const std::string& path, const std::string& data);
void MakeDirs(const std::string& path);
std::vector<std::string> SplitLines(const std::string& text);  // without the '\n's

// {"_id":"<id>"} or {"_id":"<id>",<body>}
std::string Doc(const std::string& id, const std::string& body = "");

// A ZDSI v1 index built by hand (as other tools write it), optionally with
// bytes appended after the entries.
struct RawEntry {
  std::string id;
  uint64_t offset;
  uint32_t length;
};
std::string BuildZdsi(const std::vector<RawEntry>& entries, uint32_t version = 1);
void PutLE(std::string* out, uint64_t v, int bytes);
// Bytes from hex digits; spaces and newlines are ignored ("4953 445a" -> "ISDZ").
std::string FromHex(const std::string& hex);
std::string ToHex(const std::string& bytes);
uint64_t GetLE(const std::string& s, size_t pos, int bytes);

// Entries (offset, length) of each line of a JSONL text, keyed by the order
// of the lines; handy for hand-built indexes.
std::vector<RawEntry> LineEntries(const std::string& jsonl, const std::vector<std::string>& ids);

// Fixture: a store folder per test, and helpers to open collection "c" in it.
class StoreTest : public ::testing::Test {
 protected:
  std::string store() const { return tmp_.Sub("store"); }
  std::string coll_dir(const std::string& name = "c") const { return store() + "/collections/" + name; }
  std::string data_path(const std::string& name = "c") const { return coll_dir(name) + "/meta/data.jsonl"; }
  std::string index_path(const std::string& name = "c") const { return coll_dir(name) + "/meta/index.bin"; }
  std::string manifest_path(const std::string& name = "c") const {
    return coll_dir(name) + "/meta/manifest.json";
  }

  zds::Status OpenColl(std::shared_ptr<zds::Root>* root, std::shared_ptr<zds::Collection>* coll,
                       zds::CollectionOptions opts = {}, bool read_only = false,
                       zds::FileSystem* fs = zds::DefaultFileSystem(), const std::string& name = "c") {
    zds::Status st = zds::Root::Open(fs, store(), read_only, root);
    if (!st.ok()) return st;
    return (*root)->OpenCollection(name, opts, coll);
  }

  // Opens collection "c" read-write, puts the docs, closes everything.
  void Seed(const std::vector<std::pair<std::string, std::string>>& docs);

  // All live documents: id -> line, via Get, in ListIds order.
  static std::vector<std::pair<std::string, std::string>> Dump(zds::Collection* coll);

  TempDir tmp_;
};

}  // namespace zds_test
