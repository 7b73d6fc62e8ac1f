// DocIndex: the in-memory id -> line map.
#include "engine/doc_index.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace zds_test {
namespace {

using zds::DocIndex;
using zds::LineRef;

std::vector<std::pair<std::string, LineRef>> Entries(const DocIndex& index) {
  std::vector<std::pair<std::string, LineRef>> out;
  index.ForEach([&](std::string_view id, LineRef ref) { out.emplace_back(std::string(id), ref); });
  return out;
}

std::vector<std::string> Ids(const DocIndex& index) {
  std::vector<std::string> out;
  index.ForEach([&](std::string_view id, LineRef) { out.emplace_back(id); });
  return out;
}

std::string RecordId(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "record_%08zu", i);
  return buf;
}

TEST(DocIndex, EmptyIndex) {
  DocIndex index;
  LineRef ref;
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.empty());
  EXPECT_FALSE(index.Find("a", &ref));
  EXPECT_FALSE(index.Contains("a"));
  EXPECT_FALSE(index.Remove("a"));
  EXPECT_EQ(index.end_offset(), 0u);
  EXPECT_TRUE(Entries(index).empty());
}

TEST(DocIndex, PutFindRemove) {
  DocIndex index;
  index.Put("a", {0, 10});
  index.Put("b", {10, 20});
  LineRef ref;
  ASSERT_TRUE(index.Find("a", &ref));
  EXPECT_EQ(ref.offset, 0u);
  EXPECT_EQ(ref.length, 10u);
  ASSERT_TRUE(index.Find("b", &ref));
  EXPECT_EQ(ref.offset, 10u);
  EXPECT_EQ(ref.length, 20u);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_FALSE(index.Find("c", &ref));
  EXPECT_FALSE(index.Find("", &ref));
  EXPECT_FALSE(index.Find("aa", &ref));

  EXPECT_TRUE(index.Remove("a"));
  EXPECT_FALSE(index.Contains("a"));
  EXPECT_FALSE(index.Find("a", &ref));
  EXPECT_FALSE(index.Remove("a"));
  EXPECT_EQ(index.size(), 1u);
  EXPECT_TRUE(index.Contains("b"));
  EXPECT_EQ(Ids(index), std::vector<std::string>({"b"}));
}

TEST(DocIndex, OverwriteKeepsCountAndMovesToEnd) {
  DocIndex index;
  index.Put("a", {0, 10});
  index.Put("b", {10, 10});
  index.Put("c", {20, 10});
  EXPECT_EQ(Ids(index), std::vector<std::string>({"a", "b", "c"}));
  index.Put("a", {30, 15});
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(Ids(index), std::vector<std::string>({"b", "c", "a"}));
  LineRef ref;
  ASSERT_TRUE(index.Find("a", &ref));
  EXPECT_EQ(ref.offset, 30u);
  EXPECT_EQ(ref.length, 15u);
  EXPECT_EQ(index.end_offset(), 45u);
  // ForEach reports the refs in offset order.
  auto entries = Entries(index);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].second.offset, 10u);
  EXPECT_EQ(entries[1].second.offset, 20u);
  EXPECT_EQ(entries[2].second.offset, 30u);
}

TEST(DocIndex, RemoveThenPutAgainGoesToEnd) {
  DocIndex index;
  index.Put("a", {0, 5});
  index.Put("b", {5, 5});
  ASSERT_TRUE(index.Remove("a"));
  index.Put("a", {10, 5});
  EXPECT_EQ(Ids(index), std::vector<std::string>({"b", "a"}));
  EXPECT_EQ(index.size(), 2u);
}

TEST(DocIndex, EndOffsetOnlyGrows) {
  DocIndex index;
  index.Put("a", {0, 10});
  EXPECT_EQ(index.end_offset(), 10u);
  index.AdvanceEnd(100);
  EXPECT_EQ(index.end_offset(), 100u);
  index.AdvanceEnd(50);
  EXPECT_EQ(index.end_offset(), 100u);
  index.Remove("a");
  EXPECT_EQ(index.end_offset(), 100u);
  index.Clear();
  EXPECT_EQ(index.end_offset(), 0u);
  EXPECT_EQ(index.size(), 0u);
  EXPECT_FALSE(index.Contains("a"));
  index.Put("z", {0, 3});
  EXPECT_EQ(Ids(index), std::vector<std::string>({"z"}));
}

TEST(DocIndex, MaxLengthIds) {
  DocIndex index;
  const std::string long1(255, 'x');
  const std::string long2 = std::string(254, 'x') + "y";
  index.Put(long1, {0, 300});
  index.Put(long2, {300, 300});
  LineRef ref;
  ASSERT_TRUE(index.Find(long1, &ref));
  EXPECT_EQ(ref.offset, 0u);
  ASSERT_TRUE(index.Find(long2, &ref));
  EXPECT_EQ(ref.offset, 300u);
  EXPECT_EQ(Ids(index), std::vector<std::string>({long1, long2}));
}

TEST(DocIndex, ManyOverwritesCompactDeadSlots) {
  DocIndex index;
  const size_t kIds = 100;
  uint64_t offset = 0;
  std::vector<LineRef> latest(kIds);
  for (size_t i = 0; i < kIds; ++i) {
    latest[i] = {offset, 20};
    index.Put(RecordId(i), latest[i]);
    offset += 20;
  }
  // 20,000 overwrites: far more than the 4096 dead slots that trigger compaction.
  for (size_t round = 0; round < 20000; ++round) {
    const size_t i = (round * 37) % kIds;
    latest[i] = {offset, 20};
    index.Put(RecordId(i), latest[i]);
    offset += 20;
  }
  EXPECT_EQ(index.size(), kIds);
  for (size_t i = 0; i < kIds; ++i) {
    LineRef ref;
    ASSERT_TRUE(index.Find(RecordId(i), &ref)) << RecordId(i);
    EXPECT_EQ(ref.offset, latest[i].offset) << RecordId(i);
    EXPECT_EQ(ref.length, latest[i].length);
  }
  // Still in offset order, one entry per id.
  auto entries = Entries(index);
  ASSERT_EQ(entries.size(), kIds);
  for (size_t k = 1; k < entries.size(); ++k)
    EXPECT_LT(entries[k - 1].second.offset, entries[k].second.offset);
  // Dead slots do not pile up: 20,100 puts of 100 ids stay far below 20,100 slots.
  EXPECT_LT(index.MemoryUsage(), 4096u * 16u * 4u) << "dead slots are not being compacted";
}

TEST(DocIndex, ManyRemovesCompactAndShrink) {
  DocIndex index;
  const size_t kIds = 10000;
  for (size_t i = 0; i < kIds; ++i) index.Put(RecordId(i), {i * 30, 30});
  const size_t before = index.MemoryUsage();
  // Keep 1 in 100. Compaction is lazy (dead slots must number at least 4096
  // and at least the live ones), so remove enough to trigger it twice.
  for (size_t i = 0; i < kIds; ++i) {
    if (i % 100 != 0) {
      ASSERT_TRUE(index.Remove(RecordId(i)));
    }
  }
  EXPECT_EQ(index.size(), kIds / 100);
  for (size_t i = 0; i < kIds; ++i) {
    LineRef ref;
    const bool found = index.Find(RecordId(i), &ref);
    EXPECT_EQ(found, i % 100 == 0) << RecordId(i);
    if (found) {
      EXPECT_EQ(ref.offset, i * 30);
    }
  }
  std::vector<std::string> expected;
  for (size_t i = 0; i < kIds; i += 100) expected.push_back(RecordId(i));
  EXPECT_EQ(Ids(index), expected);
  EXPECT_LT(index.MemoryUsage(), before / 2);
  // Re-adding after compaction works and lands at the end.
  index.Put(RecordId(1), {kIds * 30, 30});
  EXPECT_TRUE(index.Contains(RecordId(1)));
  EXPECT_EQ(Ids(index).back(), RecordId(1));
}

TEST(DocIndex, MemoryUsageUnder64BytesPerDoc) {
  const size_t kDocs = 100000;
  for (bool reserve : {false, true}) {
    DocIndex index;
    if (reserve) index.Reserve(kDocs);
    uint64_t offset = 0;
    for (size_t i = 0; i < kDocs; ++i) {
      index.Put(RecordId(i), {offset, 50});
      offset += 50;
    }
    ASSERT_EQ(index.size(), kDocs);
    const double per_doc = static_cast<double>(index.MemoryUsage()) / kDocs;
    EXPECT_LT(per_doc, 64.0) << (reserve ? "with" : "without") << " Reserve";
    EXPECT_GT(per_doc, 16.0) << "MemoryUsage does not count the slots and ids";
    LineRef ref;
    ASSERT_TRUE(index.Find(RecordId(42), &ref));
    EXPECT_EQ(ref.offset, 42u * 50);
    ASSERT_TRUE(index.Find(RecordId(kDocs - 1), &ref));
    EXPECT_EQ(ref.offset, (kDocs - 1) * 50);
  }
}

}  // namespace
}  // namespace zds_test
