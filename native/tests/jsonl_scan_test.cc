// ScanJsonl / ParseLine / CheckUserLine: line-by-line validation of data.jsonl.
#include "engine/jsonl_scan.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace zds_test {
namespace {

struct Seen {
  std::string id;
  uint64_t offset;
  uint32_t length;
  bool tombstone;
};

struct ScanResult {
  std::vector<Seen> lines;
  zds::ScanOutcome outcome;
};

ScanResult Scan(const std::string& text, uint64_t base = 0, uint64_t first_line_no = 1) {
  // ScanJsonl reads up to SIMDJSON_PADDING bytes past the end.
  simdjson::padded_string padded(text);
  ScanResult r;
  zds::ScanJsonl(
      padded.data(), text.size(), base, first_line_no,
      [&](const zds::ParsedLine& p) {
        r.lines.push_back({std::string(p.id), p.ref.offset, p.ref.length, p.tombstone});
      },
      &r.outcome);
  return r;
}

TEST(ScanJsonl, ValidLines) {
  const std::string l1 = R"({"_id":"a","n":1})";
  const std::string l2 = R"({"_id":"b","nested":{"x":[1,2,{"y":null}]}})";
  const std::string l3 = R"({"v":true,"_id":"c"})";  // _id need not come first in the file
  const std::string text = l1 + "\n" + l2 + "\n" + l3 + "\n";
  ScanResult r = Scan(text);
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.lines[0].id, "a");
  EXPECT_EQ(r.lines[0].offset, 0u);
  EXPECT_EQ(r.lines[0].length, l1.size() + 1);
  EXPECT_EQ(r.lines[1].id, "b");
  EXPECT_EQ(r.lines[1].offset, l1.size() + 1);
  EXPECT_EQ(r.lines[1].length, l2.size() + 1);
  EXPECT_EQ(r.lines[2].id, "c");
  EXPECT_EQ(r.lines[2].offset, l1.size() + l2.size() + 2);
  for (const auto& s : r.lines) EXPECT_FALSE(s.tombstone);
  EXPECT_EQ(r.outcome.lines, 3u);
  EXPECT_EQ(r.outcome.applied, 3u);
  EXPECT_EQ(r.outcome.valid_end, text.size());
  EXPECT_TRUE(r.outcome.bad.empty());
  EXPECT_FALSE(r.outcome.torn_tail);
  EXPECT_FALSE(r.outcome.missing_newline);
}

TEST(ScanJsonl, BaseOffsetShiftsRefs) {
  const std::string text = "{\"_id\":\"a\"}\n{\"_id\":\"b\"}\n";
  ScanResult r = Scan(text, 1000, 7);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[0].offset, 1000u);
  EXPECT_EQ(r.lines[1].offset, 1012u);
  EXPECT_EQ(r.outcome.valid_end, 1000u + text.size());
}

TEST(ScanJsonl, EmptyInput) {
  ScanResult r = Scan("", 55);
  EXPECT_TRUE(r.lines.empty());
  EXPECT_EQ(r.outcome.lines, 0u);
  EXPECT_EQ(r.outcome.valid_end, 55u);
  EXPECT_FALSE(r.outcome.torn_tail);
}

TEST(ScanJsonl, BlankLinesAreCountedNotReported) {
  const std::string text = "\n{\"_id\":\"a\"}\n   \n\t\r\n{\"_id\":\"b\"}\n\n";
  ScanResult r = Scan(text);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[0].id, "a");
  EXPECT_EQ(r.lines[0].offset, 1u);
  EXPECT_EQ(r.lines[1].id, "b");
  EXPECT_EQ(r.outcome.lines, 6u);
  EXPECT_EQ(r.outcome.applied, 2u) << "blank lines are counted as lines, not applied";
  EXPECT_EQ(r.outcome.valid_end, text.size());
  EXPECT_TRUE(r.outcome.bad.empty());
  EXPECT_FALSE(r.outcome.torn_tail);
}

TEST(ScanJsonl, CrLfLinesAreValid) {
  const std::string text = "{\"_id\":\"a\"}\r\n{\"_id\":\"b\"}\r\n";
  ScanResult r = Scan(text);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[0].length, 13u);  // the '\r' belongs to the line
  EXPECT_TRUE(r.outcome.bad.empty());
}

TEST(ScanJsonl, Tombstones) {
  const std::string text =
      "{\"_id\":\"x\",\"v\":1}\n{\"_id\":\"x\",\"$zds\":\"delete\"}\n{\"_id\":\"y\",\"o\":{\"$zds\":"
      "\"delete\"}}\n";
  ScanResult r = Scan(text);
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_FALSE(r.lines[0].tombstone);
  EXPECT_TRUE(r.lines[1].tombstone);
  EXPECT_EQ(r.lines[1].id, "x");
  EXPECT_FALSE(r.lines[2].tombstone) << "only a top-level \"$zds\" marks a tombstone";
  EXPECT_TRUE(r.outcome.bad.empty());
}

TEST(ScanJsonl, TornLastLine) {
  const std::string good = "{\"_id\":\"a\"}\n{\"_id\":\"b\"}\n";
  const std::vector<std::string> torn_tails = {"{\"_id\":\"c\",\"v\":", "{", "{\"_id\":\"c\"",
                                               std::string("\0\0\0", 3), "   "};
  for (const std::string& torn : torn_tails) {
    const std::string text = good + torn;
    ScanResult r = Scan(text);
    EXPECT_EQ(r.lines.size(), 2u);
    EXPECT_TRUE(r.outcome.torn_tail) << torn;
    EXPECT_EQ(r.outcome.torn_offset, good.size());
    EXPECT_EQ(r.outcome.valid_end, good.size());
    EXPECT_TRUE(r.outcome.bad.empty()) << "a torn tail is not a malformed middle line";
    EXPECT_EQ(r.outcome.applied, 2u);
    EXPECT_FALSE(r.outcome.missing_newline);
  }
}

TEST(ScanJsonl, MalformedCompleteLastLineIsTornTail) {
  const std::string good = "{\"_id\":\"a\"}\n";
  ScanResult r = Scan(good + "{\"_id\":\"b\",\n");
  EXPECT_EQ(r.lines.size(), 1u);
  EXPECT_TRUE(r.outcome.torn_tail);
  EXPECT_EQ(r.outcome.torn_offset, good.size());
  EXPECT_EQ(r.outcome.valid_end, good.size());
  EXPECT_TRUE(r.outcome.bad.empty());
}

TEST(ScanJsonl, ValidLastLineWithoutNewline) {
  const std::string text = "{\"_id\":\"a\"}\n{\"_id\":\"b\",\"k\":2}";
  ScanResult r = Scan(text);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[1].id, "b");
  EXPECT_EQ(r.lines[1].offset, 12u);
  EXPECT_EQ(r.lines[1].length, text.size() - 12 + 1) << "the ref counts the '\\n' that will be added";
  EXPECT_TRUE(r.outcome.missing_newline);
  EXPECT_FALSE(r.outcome.torn_tail);
  EXPECT_EQ(r.outcome.valid_end, text.size());
}

TEST(ScanJsonl, MalformedMiddleLineIsReportedWithLineNumber) {
  const std::string l1 = "{\"_id\":\"a\"}\n";
  const std::string l2 = "{\"_id\":\"b\",oops}\n";
  const std::string l3 = "{\"_id\":\"c\"}\n";
  ScanResult r = Scan(l1 + l2 + l3);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[0].id, "a");
  EXPECT_EQ(r.lines[1].id, "c");
  ASSERT_EQ(r.outcome.bad.size(), 1u);
  EXPECT_EQ(r.outcome.bad[0].line_no, 2u);
  EXPECT_EQ(r.outcome.bad[0].offset, l1.size());
  EXPECT_NE(r.outcome.bad[0].reason.find("invalid JSON"), std::string::npos) << r.outcome.bad[0].reason;
  EXPECT_FALSE(r.outcome.torn_tail);
  EXPECT_EQ(r.outcome.valid_end, (l1 + l2 + l3).size());
  EXPECT_EQ(r.outcome.lines, 3u);
  EXPECT_EQ(r.outcome.applied, 2u);

  // Line numbers count from first_line_no, blank lines included.
  r = Scan("\n\n" + l1 + l2 + l3, 0, 10);
  ASSERT_EQ(r.outcome.bad.size(), 1u);
  EXPECT_EQ(r.outcome.bad[0].line_no, 13u);
}

TEST(ScanJsonl, LinesThatAreNotDocuments) {
  struct Case {
    std::string line;
    std::string reason;
  };
  const Case cases[] = {
      {"{\"name\":\"no id\"}", "_id"},
      {"{\"_id\":42}", "_id"},
      {"{\"_id\":null}", "_id"},
      {"{\"_id\":\"\"}", "_id"},
      {"{\"_id\":\"../x\"}", "_id"},
      {"{\"_id\":\"a b\"}", "_id"},
      {"[1,2,3]", "not a JSON object"},
      {"\"just a string\"", "not a JSON object"},
      {"42", "not a JSON object"},
      {"null", "not a JSON object"},
      {"{\"_id\":\"x\",\"$zds\":\"frob\"}", "$zds"},
      {"{\"_id\":\"x\",\"$zds\":1}", "$zds"},
      {"{\"_id\":\"x\",\"$zds\":null}", "$zds"},
      {"{\"_id\":\"x\"} trailing", "invalid JSON"},
      {"{\"_id\":\"x\"}{\"_id\":\"y\"}", "invalid JSON"},
  };
  for (const Case& c : cases) {
    const std::string text = "{\"_id\":\"first\"}\n" + c.line + "\n{\"_id\":\"last\"}\n";
    ScanResult r = Scan(text);
    ASSERT_EQ(r.outcome.bad.size(), 1u) << c.line;
    EXPECT_EQ(r.outcome.bad[0].line_no, 2u) << c.line;
    EXPECT_NE(r.outcome.bad[0].reason.find(c.reason), std::string::npos)
        << c.line << " -> " << r.outcome.bad[0].reason;
    ASSERT_EQ(r.lines.size(), 2u) << c.line;
    EXPECT_EQ(r.lines[1].id, "last");
  }
}

TEST(ScanJsonl, ParseLineDirectly) {
  simdjson::dom::parser parser;
  auto parse = [&](const std::string& line, zds::ParsedLine* out) {
    simdjson::padded_string p(line);
    return zds::ParseLine(parser, p.data(), line.size(), out);
  };
  zds::ParsedLine pl;
  ZDS_ASSERT_OK(parse("{\"_id\":\"doc.1\",\"a\":[1]}", &pl));
  EXPECT_EQ(pl.id, "doc.1");
  EXPECT_FALSE(pl.tombstone);
  ZDS_ASSERT_OK(parse("{\"_id\":\"doc.1\",\"$zds\":\"delete\"}", &pl));
  EXPECT_TRUE(pl.tombstone);
  ZDS_EXPECT_CODE(parse("{", &pl), zds::Code::kCorrupt);
  ZDS_EXPECT_CODE(parse("", &pl), zds::Code::kCorrupt);
}

TEST(ScanJsonl, CheckUserLine) {
  simdjson::dom::parser parser;
  bool empty = false;
  auto check = [&](const std::string& line, const std::string& id, bool* has_id) {
    simdjson::padded_string p(line);
    return zds::CheckUserLine(parser, p.data(), line.size(), id, has_id, &empty);
  };
  bool has_id = true;
  EXPECT_EQ(check("{\"a\":1}", "x", &has_id), "");
  EXPECT_FALSE(has_id);
  EXPECT_FALSE(empty);
  EXPECT_EQ(check(" { } ", "x", &has_id), "");
  EXPECT_FALSE(has_id);
  EXPECT_TRUE(empty);
  EXPECT_EQ(check("{\"_id\":\"x\",\"a\":1}", "x", &has_id), "");
  EXPECT_TRUE(has_id);
  EXPECT_FALSE(empty);
  EXPECT_NE(check("{\"_id\":\"y\"}", "x", &has_id).find("differs"), std::string::npos);
  EXPECT_NE(check("{\"_id\":5}", "5", &has_id).find("differs"), std::string::npos);
  EXPECT_NE(check("{\"a\":1,\"$zds\":\"delete\"}", "x", &has_id).find("$zds"), std::string::npos);
  EXPECT_NE(check("[1]", "x", &has_id).find("not a JSON object"), std::string::npos);
  EXPECT_NE(check("{\"a\":", "x", &has_id).find("not valid JSON"), std::string::npos);
  // A nested "$zds" is ordinary data.
  EXPECT_EQ(check("{\"o\":{\"$zds\":\"delete\"}}", "x", &has_id), "");
}

}  // namespace
}  // namespace zds_test
