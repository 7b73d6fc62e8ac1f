// Document ids and collection names (FORMAT.md "Document ids and collection names").
#include "engine/names.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace zds_test {
namespace {

using zds::Code;
using zds::IsValidName;

TEST(Names, AcceptsValidIds) {
  for (const std::string id :
       {"a", "Z", "0", "_", "-", "abc", "record_00000042", "A-Z_a-z.0-9", "a.b", "a.b.c", "x.",
        "-leading-dash", "_leading_underscore", "1.0.2", "a.-b", "a-.b"}) {
    EXPECT_TRUE(IsValidName(id)) << "'" << id << "'";
    ZDS_EXPECT_OK(zds::ValidateDocId(id));
    ZDS_EXPECT_OK(zds::ValidateCollectionName(id));
  }
}

TEST(Names, LengthLimitIs255Bytes) {
  EXPECT_TRUE(IsValidName(std::string(255, 'a')));
  EXPECT_TRUE(IsValidName(std::string(254, 'a') + "."));
  EXPECT_FALSE(IsValidName(std::string(256, 'a')));
  EXPECT_FALSE(IsValidName(std::string(1000, 'a')));
  ZDS_EXPECT_OK(zds::ValidateDocId(std::string(255, 'x')));
  ZDS_EXPECT_CODE(zds::ValidateDocId(std::string(256, 'x')), Code::kInvalidId);
}

TEST(Names, RejectsInvalidIds) {
  const std::string cases[] = {
      "",                      // empty
      ".",                     // leading dot
      "..",                    // parent directory
      ".hidden",               // leading dot
      "a..b",                  // contains ".."
      "a..",                   // contains ".."
      "a/b",                   // path separator
      "/",                     // path separator
      "/etc",                  // absolute path
      "a\\b",                  // backslash
      " ",                     // space
      "a b",                   // space inside
      " a",                    // leading space
      "a ",                    // trailing space
      "a\tb",                  // tab
      "a\nb",                  // newline
      "a\"b",                  // quote: would break the JSON framing
      "a:b",                   // colon
      "a*b",                   // wildcard
      "caf\xc3\xa9",           // unicode (UTF-8 e-acute)
      "\xe6\x97\xa5",          // unicode (CJK)
      "\xff",                  // not UTF-8 at all
      std::string("a\0b", 3),  // embedded NUL
      std::string(256, 'a'),   // too long
  };
  for (const std::string& id : cases) {
    EXPECT_FALSE(IsValidName(id)) << "'" << id << "'";
    ZDS_EXPECT_CODE(zds::ValidateDocId(id), Code::kInvalidId);
    ZDS_EXPECT_CODE(zds::ValidateCollectionName(id), Code::kInvalidId);
  }
}

TEST(Names, MessagesNameTheIdSafely) {
  zds::Status st = zds::ValidateDocId("bad/id");
  EXPECT_NE(st.message().find("'bad/id'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("document id"), std::string::npos) << st.message();

  st = zds::ValidateCollectionName("bad name");
  EXPECT_NE(st.message().find("collection name"), std::string::npos) << st.message();

  // Control characters are not echoed, and long ids are cut short.
  st = zds::ValidateDocId("a\nb");
  EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.message();
  st = zds::ValidateDocId(std::string(5000, 'q'));
  EXPECT_LT(st.message().size(), 400u);
  EXPECT_NE(st.message().find("..."), std::string::npos);
}

}  // namespace
}  // namespace zds_test
