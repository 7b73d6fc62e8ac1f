// Large deflated entries of an archive read in place: forward reads stream
// (nothing held in memory), the first read that goes back inflates the
// entry whole once, and a store opened from such an archive answers scans,
// counts and gets correctly.
#include <gtest/gtest.h>
#include <zip.h>

#include <memory>
#include <string>

#include "engine/cursor.h"
#include "engine/query_plan.h"
#include "engine/root.h"
#include "engine/zip_file_system.h"
#include "test_util.h"

namespace zds_test {
namespace {

using zds::ZipFileSystem;

constexpr int kLines = 120000;
const char* kEntry = "collections/c/meta/data.jsonl";

// ~20 MB of JSONL: past ZipFileSystem::kStreamThreshold.
std::string Lines() {
  std::string out;
  for (int i = 0; i < kLines; ++i) {
    out += "{\"_id\":\"d" + std::to_string(i) + "\",\"n\":" + std::to_string(i) + ",\"group\":\"" +
           (i % 10 == 0 ? "ten" : "other") + "\",\"pad\":\"" + std::string(100, 'x') + "\"}\n";
  }
  return out;
}

void WriteDeflated(const std::string& path, const std::string& data) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(za, nullptr);
  zip_source_t* src = zip_source_buffer(za, data.data(), data.size(), 0);
  const zip_int64_t idx = zip_file_add(za, kEntry, src, ZIP_FL_ENC_UTF_8);
  ASSERT_GE(idx, 0);
  ASSERT_EQ(zip_set_file_compression(za, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE, 1), 0);
  ASSERT_EQ(zip_close(za), 0);
}

class ZipStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = Lines();
    ASSERT_GT(data_.size(), ZipFileSystem::kStreamThreshold);
    archive_ = tmp_.Sub("big.zds");
    WriteDeflated(archive_, data_);
  }
  TempDir tmp_;
  std::string data_;
  std::string archive_;
};

TEST_F(ZipStreamTest, ForwardReadsStreamAndABackwardReadInflatesOnce) {
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(ZipFileSystem::Open(zds::DefaultFileSystem(), archive_, archive_, &fs));
  int fd = -1;
  ZDS_ASSERT_OK(fs->Open(archive_ + "/" + kEntry, zds::OpenMode::kRead, &fd));
  EXPECT_FALSE(fs->HeldInMemory(kEntry));
  const char* addr = nullptr;
  EXPECT_FALSE(fs->MapReadOnly(fd, data_.size(), &addr).ok()) << "a streamed entry is not mapped";

  // Two full forward passes, the second from the start again, in odd chunks.
  for (int pass = 0; pass < 2; ++pass) {
    std::string got;
    std::string chunk(333331, '\0');
    for (uint64_t at = 0; at < data_.size();) {
      size_t n = 0;
      ZDS_ASSERT_OK(fs->PRead(fd, chunk.data(), chunk.size(), at, &n));
      ASSERT_GT(n, 0u);
      got.append(chunk.data(), n);
      at += n;
    }
    ASSERT_EQ(got, data_) << "pass " << pass;
    EXPECT_FALSE(fs->HeldInMemory(kEntry)) << "pass " << pass;
  }
  // A skip forward, then a read back: the entry is inflated whole once.
  std::string tail(4096, '\0');
  size_t n = 0;
  ZDS_ASSERT_OK(fs->PRead(fd, tail.data(), tail.size(), data_.size() - 4096, &n));
  EXPECT_EQ(tail, data_.substr(data_.size() - 4096));
  std::string mid(1000, '\0');
  ZDS_ASSERT_OK(fs->PRead(fd, mid.data(), mid.size(), 5'000'000, &n));
  EXPECT_EQ(mid, data_.substr(5'000'000, 1000));
  EXPECT_TRUE(fs->HeldInMemory(kEntry));
  ZDS_ASSERT_OK(fs->MapReadOnly(fd, data_.size(), &addr));
  EXPECT_EQ(std::string(addr, data_.size()), data_);
  fs->Close(fd);
}

TEST_F(ZipStreamTest, AStoreOpensScansAndCountsWithoutHoldingTheEntry) {
  std::shared_ptr<zds::Root> root;
  ZDS_ASSERT_OK(zds::Root::OpenArchive(zds::DefaultFileSystem(), archive_, &root));
  auto* fs = dynamic_cast<ZipFileSystem*>(root->fs());
  ASSERT_NE(fs, nullptr);
  zds::CollectionOptions options;
  options.read_only = true;
  std::shared_ptr<zds::Collection> coll;
  ZDS_ASSERT_OK(root->OpenCollection("c", options, &coll));  // no index: rebuilt by one forward pass
  EXPECT_FALSE(fs->HeldInMemory(kEntry));

  std::shared_ptr<const zds::QueryPlan> plan;
  ZDS_ASSERT_OK(zds::QueryPlan::Compile(R"({"filter":{"group":"ten"}})", &plan));
  std::unique_ptr<zds::Cursor> cursor;
  ZDS_ASSERT_OK(coll->NewCursor(&cursor, plan));
  uint64_t count = 0;
  ZDS_ASSERT_OK(cursor->Count(&count));
  EXPECT_EQ(count, static_cast<uint64_t>(kLines / 10));
  EXPECT_FALSE(fs->HeldInMemory(kEntry)) << "a scan streams";

  std::string line;
  ZDS_ASSERT_OK(coll->Get("d7", &line));
  EXPECT_NE(line.find("\"n\":7,"), std::string::npos);
  ZDS_ASSERT_OK(coll->Get("d119999", &line));
  EXPECT_NE(line.find("\"n\":119999,"), std::string::npos);
  ZDS_ASSERT_OK(coll->Get("d3", &line));
  EXPECT_NE(line.find("\"n\":3,"), std::string::npos);
  EXPECT_TRUE(fs->HeldInMemory(kEntry)) << "gets go back and forth: inflated whole";
}

}  // namespace
}  // namespace zds_test
