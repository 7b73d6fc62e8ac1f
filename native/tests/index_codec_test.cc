// index.bin: ZDSI v1, the zds trailer, and the legacy text index.
#include "engine/index_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/format.h"
#include "test_util.h"

namespace zds_test {
namespace {

using zds::Code;
using zds::DecodedIndex;
using zds::DocIndex;

std::string SampleEncoded(DocIndex* index) {
  index->Put("a", {0, 10});
  index->Put("bb", {10, 20});
  index->Put("ccc", {30, 7});
  index->Put("a", {37, 11});  // overwrite: a moves after ccc
  return zds::EncodeIndex(*index, 48, 0x0123456789abcdefULL);
}

TEST(IndexCodec, RoundTripWithTrailer) {
  DocIndex index;
  const std::string bytes = SampleEncoded(&index);
  DecodedIndex d;
  ZDS_ASSERT_OK(zds::DecodeIndex(bytes, &d));
  EXPECT_EQ(d.kind, DecodedIndex::Kind::kBinary);
  EXPECT_TRUE(d.has_trailer);
  EXPECT_EQ(d.data_length, 48u);
  EXPECT_EQ(d.tail_hash, 0x0123456789abcdefULL);
  ASSERT_EQ(d.entries.size(), 3u);
  EXPECT_EQ(d.entries[0].id, "bb");
  EXPECT_EQ(d.entries[0].ref.offset, 10u);
  EXPECT_EQ(d.entries[0].ref.length, 20u);
  EXPECT_EQ(d.entries[1].id, "ccc");
  EXPECT_EQ(d.entries[1].ref.offset, 30u);
  EXPECT_EQ(d.entries[1].ref.length, 7u);
  EXPECT_EQ(d.entries[2].id, "a");
  EXPECT_EQ(d.entries[2].ref.offset, 37u);
  EXPECT_EQ(d.entries[2].ref.length, 11u);
}

TEST(IndexCodec, EncodedByteLayout) {
  DocIndex index;
  const std::string bytes = SampleEncoded(&index);
  // header 16 + entries (14 + id) + trailer 32
  ASSERT_EQ(bytes.size(), 16u + (14 + 2) + (14 + 3) + (14 + 1) + 32u);
  EXPECT_EQ(bytes.substr(0, 4), "ISDZ");  // 0x5A445349 little-endian
  EXPECT_EQ(GetLE(bytes, 0, 4), 0x5A445349u);
  EXPECT_EQ(GetLE(bytes, 4, 4), 1u);
  EXPECT_EQ(GetLE(bytes, 8, 8), 3u);
  // First entry: id_len u16, id, offset u64, length u32.
  EXPECT_EQ(GetLE(bytes, 16, 2), 2u);
  EXPECT_EQ(bytes.substr(18, 2), "bb");
  EXPECT_EQ(GetLE(bytes, 20, 8), 10u);
  EXPECT_EQ(GetLE(bytes, 28, 4), 20u);
  // The trailer: magic "XSDZ", version 1, data_length, tail_hash, crc32, reserved 0.
  const size_t t = bytes.size() - 32;
  EXPECT_EQ(GetLE(bytes, t, 4), 0x5A445358u);
  EXPECT_EQ(bytes.substr(t, 4), "XSDZ");
  EXPECT_EQ(GetLE(bytes, t + 4, 4), 1u);
  EXPECT_EQ(GetLE(bytes, t + 8, 8), 48u);
  EXPECT_EQ(GetLE(bytes, t + 16, 8), 0x0123456789abcdefULL);
  EXPECT_EQ(GetLE(bytes, t + 28, 4), 0u);
  // Without the trailer the bytes are exactly what a hand-built ZDSI file holds.
  EXPECT_EQ(bytes.substr(0, t), BuildZdsi({{"bb", 10, 20}, {"ccc", 30, 7}, {"a", 37, 11}}));
}

TEST(IndexCodec, EmptyIndexRoundTrip) {
  DocIndex index;
  const std::string bytes = zds::EncodeIndex(index, 0, zds::TailHash(""));
  EXPECT_EQ(bytes.size(), 16u + 32u);
  DecodedIndex d;
  ZDS_ASSERT_OK(zds::DecodeIndex(bytes, &d));
  EXPECT_TRUE(d.has_trailer);
  EXPECT_TRUE(d.entries.empty());
  EXPECT_EQ(d.data_length, 0u);
}

TEST(IndexCodec, HandBuiltZdsiWithoutTrailer) {
  const std::string bytes =
      BuildZdsi({{"doc-1", 0, 25}, {"doc_2", 25, 100}, {std::string(255, 'z'), 125, 300}});
  DecodedIndex d;
  ZDS_ASSERT_OK(zds::DecodeIndex(bytes, &d));
  EXPECT_EQ(d.kind, DecodedIndex::Kind::kBinary);
  EXPECT_FALSE(d.has_trailer);
  ASSERT_EQ(d.entries.size(), 3u);
  EXPECT_EQ(d.entries[0].id, "doc-1");
  EXPECT_EQ(d.entries[0].ref.offset, 0u);
  EXPECT_EQ(d.entries[0].ref.length, 25u);
  EXPECT_EQ(d.entries[1].id, "doc_2");
  EXPECT_EQ(d.entries[2].id, std::string(255, 'z'));
  EXPECT_EQ(d.entries[2].ref.offset, 125u);
  EXPECT_EQ(d.entries[2].ref.length, 300u);

  // Zero entries, no trailer: a valid (empty) ZDSI file.
  ZDS_ASSERT_OK(zds::DecodeIndex(BuildZdsi({}), &d));
  EXPECT_TRUE(d.entries.empty());
  EXPECT_FALSE(d.has_trailer);
  EXPECT_EQ(d.kind, DecodedIndex::Kind::kBinary);
}

TEST(IndexCodec, EveryFlippedByteOfHeaderEntriesOrTrailerCheckIsCorrupt) {
  DocIndex index;
  const std::string bytes = SampleEncoded(&index);
  const size_t t = bytes.size() - 32;
  for (size_t i = 0; i < bytes.size(); ++i) {
    // data_length, tail_hash and reserved are not covered by the crc32; the
    // collection checks data_length/tail_hash against data.jsonl instead (see
    // Recovery.EveryFlippedByteOfIndexStillOpensCorrectly).
    const bool covered = i < t + 8 || (i >= t + 24 && i < t + 28);
    if (!covered) continue;
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      DecodedIndex d;
      zds::Status st = zds::DecodeIndex(bad, &d);
      EXPECT_EQ(st.code(), Code::kCorrupt) << "byte " << i << " ^ " << int(mask) << " -> " << Describe(st);
    }
  }
  // A flipped entry byte is caught by the checksum in particular.
  std::string bad = bytes;
  bad[20] = static_cast<char>(bad[20] ^ 0x04);  // offset of the first entry: still a plausible value
  DecodedIndex d;
  zds::Status st = zds::DecodeIndex(bad, &d);
  EXPECT_EQ(st.code(), Code::kCorrupt);
  EXPECT_NE(st.message().find("checksum"), std::string::npos) << st.message();
}

TEST(IndexCodec, TruncatedFileIsCorrupt) {
  DocIndex index;
  const std::string bytes = SampleEncoded(&index);
  const size_t no_trailer = bytes.size() - 32;
  for (size_t len = 1; len < bytes.size(); ++len) {
    DecodedIndex d;
    zds::Status st = zds::DecodeIndex(std::string_view(bytes.data(), len), &d);
    if (len == no_trailer) {
      // Cutting exactly the trailer leaves a valid foreign (trailer-less) index.
      ZDS_EXPECT_OK(st);
      EXPECT_FALSE(d.has_trailer);
      continue;
    }
    EXPECT_EQ(st.code(), Code::kCorrupt) << "length " << len << " -> " << Describe(st);
  }
}

TEST(IndexCodec, WrongVersionIsCorrupt) {
  std::string bytes = BuildZdsi({{"a", 0, 10}}, 2);
  DecodedIndex d;
  zds::Status st = zds::DecodeIndex(bytes, &d);
  EXPECT_EQ(st.code(), Code::kCorrupt);
  EXPECT_NE(st.message().find("version 2"), std::string::npos) << st.message();

  ZDS_EXPECT_CODE(zds::DecodeIndex(BuildZdsi({{"a", 0, 10}}, 0), &d), Code::kCorrupt);

  // Wrong trailer version.
  DocIndex index;
  bytes = SampleEncoded(&index);
  bytes[bytes.size() - 28] = 2;
  ZDS_EXPECT_CODE(zds::DecodeIndex(bytes, &d), Code::kCorrupt);
}

TEST(IndexCodec, CountLargerThanFileIsCorrupt) {
  std::string bytes = BuildZdsi({{"a", 0, 10}, {"b", 10, 10}});
  for (uint64_t count : {3ull, 1000ull, 1ull << 40, ~0ull}) {
    std::string bad = bytes;
    for (int i = 0; i < 8; ++i) bad[8 + i] = static_cast<char>((count >> (8 * i)) & 0xff);
    DecodedIndex d;
    zds::Status st = zds::DecodeIndex(bad, &d);  // must not try to reserve `count` entries
    EXPECT_EQ(st.code(), Code::kCorrupt) << count;
  }
  // A smaller count leaves bytes after the entries.
  std::string bad = bytes;
  bad[8] = 1;
  DecodedIndex d;
  ZDS_EXPECT_CODE(zds::DecodeIndex(bad, &d), Code::kCorrupt);
}

TEST(IndexCodec, BadEntriesAreCorrupt) {
  DecodedIndex d;
  // id_len runs past the end.
  std::string bytes = BuildZdsi({{"abc", 0, 10}});
  bytes[16] = 50;
  ZDS_EXPECT_CODE(zds::DecodeIndex(bytes, &d), Code::kCorrupt);
  // Invalid ids.
  ZDS_EXPECT_CODE(zds::DecodeIndex(BuildZdsi({{"../x", 0, 10}}), &d), Code::kCorrupt);
  ZDS_EXPECT_CODE(zds::DecodeIndex(BuildZdsi({{"", 0, 10}}), &d), Code::kCorrupt);
  ZDS_EXPECT_CODE(zds::DecodeIndex(BuildZdsi({{"a b", 0, 10}}), &d), Code::kCorrupt);
  // Zero-length line.
  ZDS_EXPECT_CODE(zds::DecodeIndex(BuildZdsi({{"a", 0, 0}}), &d), Code::kCorrupt);
  // Junk after the entries that is not a trailer.
  ZDS_EXPECT_CODE(zds::DecodeIndex(BuildZdsi({{"a", 0, 10}}) + "junk", &d), Code::kCorrupt);
  ZDS_EXPECT_CODE(zds::DecodeIndex(BuildZdsi({{"a", 0, 10}}) + std::string(32, '\0'), &d), Code::kCorrupt);
  // Magic only, or a short header.
  ZDS_EXPECT_CODE(zds::DecodeIndex("ISDZ", &d), Code::kCorrupt);
  ZDS_EXPECT_CODE(zds::DecodeIndex(std::string("ISDZ\x01\0\0\0", 8), &d), Code::kCorrupt);
}

TEST(IndexCodec, LegacyTextIndex) {
  DecodedIndex d;
  ZDS_ASSERT_OK(zds::DecodeIndex("alpha\t0\t17\nbeta\t17\t120\r\n\ngamma.1\t137\t5", &d));
  EXPECT_EQ(d.kind, DecodedIndex::Kind::kText);
  EXPECT_FALSE(d.has_trailer);
  ASSERT_EQ(d.entries.size(), 3u);
  EXPECT_EQ(d.entries[0].id, "alpha");
  EXPECT_EQ(d.entries[0].ref.offset, 0u);
  EXPECT_EQ(d.entries[0].ref.length, 17u);
  EXPECT_EQ(d.entries[1].id, "beta");
  EXPECT_EQ(d.entries[1].ref.offset, 17u);
  EXPECT_EQ(d.entries[1].ref.length, 120u);
  EXPECT_EQ(d.entries[2].id, "gamma.1");
  EXPECT_EQ(d.entries[2].ref.offset, 137u);
  EXPECT_EQ(d.entries[2].ref.length, 5u);
}

TEST(IndexCodec, GarbageTextIsCorrupt) {
  const std::string cases[] = {
      "hello world",
      "a\t1",                          // two fields
      "a\tx\t1\n",                     // bad offset
      "a\t1\t-3\n",                    // bad length
      "a\t1\t\n",                      // empty length
      "a\t1\t0\n",                     // zero length
      "a\t1\t4294967296\n",            // length beyond u32
      "a\t99999999999999999999\t1\n",  // 20 digits
      "../etc\t0\t10\n",               // invalid id
      "\t0\t10\n",                     // empty id
      "a\t0\t10\ngarbage\n",           // a good line then garbage
      "{\"_id\":\"a\"}\n",             // JSON, not an index
      std::string("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 17),
  };
  for (const std::string& text : cases) {
    DecodedIndex d;
    zds::Status st = zds::DecodeIndex(text, &d);
    EXPECT_EQ(st.code(), Code::kCorrupt) << "'" << text << "' -> " << Describe(st);
  }
}

// The worked example of FORMAT.md "index.bin: ZDSI v1", byte for byte.
const char* const kUser1 = "{\"_id\":\"user_001\",\"name\":\"Alice\",\"age\":28}\n";
const char* const kUser2 = "{\"_id\":\"user_002\",\"name\":\"Bob\",\"age\":35}\n";
const char* const kExampleTwoDocs =
    "4953 445a 0100 0000 0200 0000 0000 0000"
    "0800 7573 6572 5f30 3031 0000 0000 0000"
    "0000 2b00 0000 0800 7573 6572 5f30 3032"
    "2b00 0000 0000 0000 2900 0000 5853 445a"
    "0100 0000 5400 0000 0000 0000 71dc 802e"
    "f6bd 4e12 3f6e cb7a 0000 0000";
const char* const kExampleAfterDelete =
    "4953 445a 0100 0000 0100 0000 0000 0000"
    "0800 7573 6572 5f30 3032 2b00 0000 0000"
    "0000 2900 0000 5853 445a 0100 0000 7700"
    "0000 0000 0000 e2c6 a868 5cb4 b751 d708"
    "fe83 0000 0000";
const char* const kExampleEmpty =
    "4953 445a 0100 0000 0000 0000 0000 0000"
    "5853 445a 0100 0000 0000 0000 0000 0000"
    "2523 2284 e49c f2cb e858 3f70 0000 0000";

TEST(IndexCodec, MatchesFormatWorkedExample) {
  std::string data = std::string(kUser1) + kUser2;
  ASSERT_EQ(data.size(), 84u);
  EXPECT_EQ(zds::TailHash(data), 0x124EBDF62E80DC71ULL);
  DocIndex index;
  index.Put("user_001", {0, 43});
  index.Put("user_002", {43, 41});
  EXPECT_EQ(ToHex(zds::EncodeIndex(index, data.size(), zds::TailHash(data))),
            ToHex(FromHex(kExampleTwoDocs)));

  data += "{\"_id\":\"user_001\",\"$zds\":\"delete\"}\n";
  ASSERT_EQ(data.size(), 119u);
  index.Remove("user_001");
  EXPECT_EQ(ToHex(zds::EncodeIndex(index, data.size(), zds::TailHash(data))),
            ToHex(FromHex(kExampleAfterDelete)));

  DocIndex empty;
  EXPECT_EQ(ToHex(zds::EncodeIndex(empty, 0, zds::TailHash(""))), ToHex(FromHex(kExampleEmpty)));

  // And they decode back.
  DecodedIndex d;
  const std::string bytes = FromHex(kExampleTwoDocs);
  ZDS_ASSERT_OK(zds::DecodeIndex(bytes, &d));
  ASSERT_EQ(d.entries.size(), 2u);
  EXPECT_EQ(d.entries[1].id, "user_002");
  EXPECT_EQ(d.entries[1].ref.offset, 43u);
  EXPECT_EQ(d.entries[1].ref.length, 41u);
  EXPECT_EQ(d.data_length, 84u);
  EXPECT_EQ(d.tail_hash, 0x124EBDF62E80DC71ULL);
}

TEST(IndexCodec, TailHashIsFnv1a64) {
  EXPECT_EQ(zds::TailHash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(zds::TailHash("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(zds::TailHash("foobar"), 0x85944171f73967e8ULL);
}

}  // namespace
}  // namespace zds_test
