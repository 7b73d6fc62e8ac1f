#include "test_util.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace zds_test {

std::string Describe(const zds::Status& st) {
  if (st.ok()) return "OK";
  return std::string(zds::CodeName(st.code())) + ": " + st.message();
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/zds-test-XXXXXX";
  char* p = ::mkdtemp(tmpl);
  if (!p) {
    std::perror("mkdtemp");
    std::abort();
  }
  path_ = p;
}

TempDir::~TempDir() {
  if (std::getenv("ZDS_KEEP_TEST_DIRS")) return;
  RemoveTree(path_);
}

namespace {
int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) {
  ::remove(path);
  return 0;
}
}  // namespace

void RemoveTree(const std::string& path) { ::nftw(path.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS); }

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_size);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(out.good()) << "cannot write " << path;
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

void AppendFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  ASSERT_TRUE(out.good()) << "cannot append to " << path;
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

void MakeDirs(const std::string& path) {
  std::string cur;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    cur = path.substr(0, slash);
    if (!cur.empty()) ::mkdir(cur.c_str(), 0755);
    pos = slash + 1;
  }
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

std::string Doc(const std::string& id, const std::string& body) {
  if (body.empty()) return "{\"_id\":\"" + id + "\"}";
  return "{\"_id\":\"" + id + "\"," + body + "}";
}

void PutLE(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string FromHex(const std::string& hex) {
  std::string digits;
  for (char c : hex) {
    if (c != ' ' && c != '\n') digits.push_back(c);
  }
  std::string out;
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string ToHex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i && i % 16 == 0)
      out.push_back('\n');
    else if (i && i % 2 == 0)
      out.push_back(' ');
    out.push_back(kDigits[static_cast<unsigned char>(bytes[i]) >> 4]);
    out.push_back(kDigits[static_cast<unsigned char>(bytes[i]) & 15]);
  }
  return out;
}

uint64_t GetLE(const std::string& s, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(s[pos + static_cast<size_t>(i)]);
  return v;
}

std::string BuildZdsi(const std::vector<RawEntry>& entries, uint32_t version) {
  std::string out;
  out.append("ISDZ", 4);  // 0x5A445349 little-endian
  PutLE(&out, version, 4);
  PutLE(&out, entries.size(), 8);
  for (const auto& e : entries) {
    PutLE(&out, e.id.size(), 2);
    out += e.id;
    PutLE(&out, e.offset, 8);
    PutLE(&out, e.length, 4);
  }
  return out;
}

std::vector<RawEntry> LineEntries(const std::string& jsonl, const std::vector<std::string>& ids) {
  std::vector<RawEntry> out;
  size_t pos = 0;
  size_t i = 0;
  while (pos < jsonl.size() && i < ids.size()) {
    size_t nl = jsonl.find('\n', pos);
    if (nl == std::string::npos) nl = jsonl.size() - 1;
    out.push_back({ids[i++], pos, static_cast<uint32_t>(nl + 1 - pos)});
    pos = nl + 1;
  }
  return out;
}

void StoreTest::Seed(const std::vector<std::pair<std::string, std::string>>& docs) {
  std::shared_ptr<zds::Root> root;
  std::shared_ptr<zds::Collection> coll;
  ZDS_ASSERT_OK(OpenColl(&root, &coll));
  for (const auto& d : docs) ZDS_ASSERT_OK(coll->Put(d.first, d.second));
  ZDS_ASSERT_OK(coll->Checkpoint());
}

std::vector<std::pair<std::string, std::string>> StoreTest::Dump(zds::Collection* coll) {
  std::vector<std::string> ids;
  coll->ListIds(&ids);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& id : ids) {
    std::string line;
    zds::Status st = coll->Get(id, &line);
    EXPECT_TRUE(st.ok()) << id << ": " << Describe(st);
    out.emplace_back(id, line);
  }
  return out;
}

}  // namespace zds_test
