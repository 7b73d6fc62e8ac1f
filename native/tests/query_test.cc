// The query engine alone: literal search, the value order, filter compile
// checks, and robustness of matching and projection on hostile bytes (the
// operator semantics are checked against a JS reference in
// test/32.query-operators.test.ts).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "engine/json_value.h"
#include "engine/query_plan.h"
#include "engine/substring.h"
#include "test_util.h"

namespace zds_test {
namespace {

using zds::Code;
using zds::QueryPlan;

TEST(ContainsLiteral, AgreesWithFindOnRandomText) {
  std::mt19937 rng(42);
  const std::string alphabet = "ab\"c";
  for (int round = 0; round < 20000; ++round) {
    std::string hay(rng() % 80, ' ');
    for (char& c : hay) c = alphabet[rng() % alphabet.size()];
    std::string needle(1 + rng() % 6, ' ');
    for (char& c : needle) c = alphabet[rng() % alphabet.size()];
    const bool want = hay.find(needle) != std::string::npos;
    ASSERT_EQ(zds::ContainsLiteral(hay.data(), hay.size(), needle.data(), needle.size()), want)
        << "hay '" << hay << "' needle '" << needle << "'";
  }
}

TEST(ContainsLiteral, FindsAtEveryPositionOfALongLine) {
  const std::string needle = "\"web\"";
  for (size_t at = 0; at + needle.size() <= 100; ++at) {
    std::string hay(100, 'x');
    hay.replace(at, needle.size(), needle);
    EXPECT_TRUE(zds::ContainsLiteral(hay.data(), hay.size(), needle.data(), needle.size())) << at;
    hay[at + 2] = 'E';
    EXPECT_FALSE(zds::ContainsLiteral(hay.data(), hay.size(), needle.data(), needle.size())) << at;
  }
}

zds::JsonValue Parse(const std::string& json) {
  simdjson::dom::parser parser;
  zds::JsonValue v;
  zds::FromDom(parser.parse(json).value(), &v);
  return v;
}

TEST(JsonValue, OrderAcrossTypesIsTheDocumentedOne) {
  const std::vector<std::string> ascending = {"null",      "-1", "2.5", "\"\"",  "\"a\"", "\"é\"", "{}",
                                              "{\"a\":1}", "[]", "[1]", "[1,2]", "false", "true"};
  for (size_t i = 0; i < ascending.size(); ++i) {
    for (size_t j = 0; j < ascending.size(); ++j) {
      const int c = zds::JsonCompare(Parse(ascending[i]), Parse(ascending[j]));
      EXPECT_EQ(c, i < j ? -1 : (i > j ? 1 : 0)) << ascending[i] << " vs " << ascending[j];
    }
  }
}

TEST(JsonValue, EqualityIgnoresKeyOrderAndNumberSpelling) {
  EXPECT_TRUE(
      zds::JsonEqual(Parse("{\"a\":1,\"b\":[1,{\"c\":2}]}"), Parse("{\"b\":[1.0,{\"c\":2e0}],\"a\":1}")));
  EXPECT_FALSE(zds::JsonEqual(Parse("[1,2]"), Parse("[2,1]")));
  std::string a, b;
  zds::AppendCanonical(Parse("{\"b\":1,\"a\":-0.0}"), &a);
  zds::AppendCanonical(Parse("{\"a\":0,\"b\":1.0}"), &b);
  EXPECT_EQ(a, b);
}

TEST(QueryPlan, RefusesBadSpecsWithInvalidQuery) {
  std::shared_ptr<const QueryPlan> plan;
  for (const std::string spec :
       {"not json", "[]", R"j({"filter":5})j", R"j({"filter":{"$gt":1}})j",
        R"j({"filter":{"a":{"$foo":1}}})j", R"j({"filter":{"a":{"$in":1}}})j",
        R"j({"filter":{"a":{"$regex":"(?=x)"}}})j", R"j({"filter":{"a..b":1}})j",
        R"j({"filter":{"a":{"$gt":1,"b":2}}})j", R"j({"filter":{"$and":[]}})j",
        R"j({"filter":{"a":{"$size":-1}}})j", R"j({"fields":{"a":true,"b":false}})j",
        R"j({"fields":{"a":1}})j", R"j({"sort":[["a",0]]})j", R"j({"skip":-1})j", R"j({"limit":1.5})j",
        R"j({"distinct":5})j", R"j({"filter":{"a":{"$options":"i"}}})j"}) {
    ZDS_EXPECT_CODE(QueryPlan::Compile(spec, &plan), Code::kInvalidQuery);
  }
}

TEST(QueryPlan, RefusesFiltersNestedTooDeep) {
  std::string deep = "{\"a\":1}";
  for (int i = 0; i < 100; ++i) deep = "{\"$and\":[" + deep + "]}";
  std::shared_ptr<const QueryPlan> plan;
  ZDS_EXPECT_CODE(QueryPlan::Compile("{\"filter\":" + deep + "}", &plan), Code::kInvalidQuery);
}

// Matching and projecting arbitrary bytes reports ECORRUPT or an answer,
// never a crash (run under ASan by `npm run test:asan`).
TEST(LineMatcher, SurvivesRandomBytes) {
  std::shared_ptr<const QueryPlan> plan;
  ZDS_ASSERT_OK(QueryPlan::Compile(
      R"j({"filter":{"a.b":{"$gt":1},"t":{"$elemMatch":{"x":1}},"s":{"$regex":"^w"}},"fields":{"a.b":true,"t":true},"sort":[["a.b",-1]]})j",
      &plan));
  zds::LineMatcher matcher(plan);
  std::mt19937 rng(7);
  const std::string pieces[] = {"{", "}", "[",     "]",    "\"a\"", "\"b\"", ":",
                                ",", "1", "\"w\"", "null", "\"t\"", "\\",    " "};
  for (int round = 0; round < 5000; ++round) {
    std::string line;
    const int n = 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) line += pieces[rng() % (sizeof pieces / sizeof pieces[0])];
    const size_t len = line.size();
    line.resize(len + simdjson::SIMDJSON_PADDING);
    bool match = false;
    zds::SortValues keys;
    const zds::Status st = matcher.Match(line.data(), len, line.size(), &match, &keys);
    if (st.ok() && match) {
      std::string out;
      (void)matcher.Project(line.data(), len, line.size(), &out);
    } else if (!st.ok()) {
      EXPECT_EQ(st.code(), Code::kCorrupt);
    }
  }
}

}  // namespace
}  // namespace zds_test
