// .zds archives (FORMAT.md "Archives"): pack and unpack round trips, stored
// and deflated entries, what unzip makes of them, every refusal of unpack
// (zip-slip names, symlinks, duplicates, NULs, bombs, bad CRCs, truncation),
// inspect and verify. Crafted archives are written with libzip and patched
// byte by byte where libzip would not write them.
#include "engine/archive.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/doc_index.h"
#include "engine/format.h"
#include "engine/index_codec.h"
#include "engine/root.h"
#include "fault_fs.h"
#include "test_util.h"

namespace zds_test {
namespace {

using zds::Code;
using zds::CollectionListing;
using zds::PackOptions;
using zds::Problem;
using zds::UnpackOptions;

zds::FileSystem* Fs() { return zds::DefaultFileSystem(); }

// ---------------------------------------------------------------- helpers

std::vector<std::string> ListNames(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Every file and folder under root (the writer lock excepted): relative path
// -> contents, or "<dir>" for folders.
void Walk(const std::string& root, const std::string& rel, std::map<std::string, std::string>* out) {
  for (const std::string& name : ListNames(rel.empty() ? root : root + "/" + rel)) {
    if (rel.empty() && name == ".zds") continue;
    const std::string child = rel.empty() ? name : rel + "/" + name;
    const std::string path = root + "/" + child;
    if (IsDir(path)) {
      (*out)[child] = "<dir>";
      Walk(root, child, out);
    } else {
      (*out)[child] = ReadFile(path);
    }
  }
}

std::map<std::string, std::string> Tree(const std::string& root) {
  std::map<std::string, std::string> out;
  Walk(root, "", &out);
  return out;
}

// Names in `dir` that start with `prefix` (temp files and folders left behind).
std::vector<std::string> Leftovers(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& name : ListNames(dir)) {
    if (name.compare(0, prefix.size(), prefix) == 0) out.push_back(name);
  }
  return out;
}

struct EntryInfo {
  std::string name;
  uint64_t size = 0;
  uint64_t comp_size = 0;
  uint16_t method = 0;
  uint8_t opsys = 0;
  uint32_t attributes = 0;
};

std::map<std::string, EntryInfo> ZipEntries(const std::string& path) {
  std::map<std::string, EntryInfo> out;
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  EXPECT_NE(za, nullptr) << "zip_open " << path << ": " << err;
  if (!za) return out;
  const zip_int64_t n = zip_get_num_entries(za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    EXPECT_EQ(zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st), 0);
    EntryInfo e;
    e.name = st.name;
    e.size = st.size;
    e.comp_size = st.comp_size;
    e.method = st.comp_method;
    zip_file_get_external_attributes(za, static_cast<zip_uint64_t>(i), 0, &e.opsys, &e.attributes);
    out[e.name] = e;
  }
  zip_discard(za);
  return out;
}

// An entry of a crafted archive.
struct Craft {
  std::string name;
  std::string data;
  bool deflate = false;
  bool dir = false;
  int64_t unix_mode = -1;  // external attributes (Unix), when >= 0
};

void WriteZip(const std::string& path, const std::vector<Craft>& entries) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(za, nullptr) << err;
  for (const Craft& e : entries) {
    zip_int64_t i;
    if (e.dir) {
      i = zip_dir_add(za, e.name.c_str(), 0);
    } else {
      zip_source_t* src = zip_source_buffer(za, e.data.data(), e.data.size(), 0);
      ASSERT_NE(src, nullptr);
      i = zip_file_add(za, e.name.c_str(), src, 0);
      if (i < 0) zip_source_free(src);
    }
    ASSERT_GE(i, 0) << e.name << ": " << zip_strerror(za);
    const zip_uint64_t idx = static_cast<zip_uint64_t>(i);
    ASSERT_EQ(zip_set_file_compression(za, idx, e.deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, e.deflate ? 9 : 0),
              0);
    if (e.unix_mode >= 0) {
      const zip_uint32_t attributes = static_cast<zip_uint32_t>(e.unix_mode) << 16;
      ASSERT_EQ(zip_file_set_external_attributes(za, idx, 0, ZIP_OPSYS_UNIX, attributes), 0);
    }
  }
  ASSERT_EQ(zip_close(za), 0) << zip_strerror(za);
}

// Replaces every occurrence of `from` by `to` (same length) in a file.
void PatchAll(const std::string& path, const std::string& from, const std::string& to) {
  ASSERT_EQ(from.size(), to.size());
  std::string bytes = ReadFile(path);
  size_t count = 0;
  for (size_t p = bytes.find(from); p != std::string::npos; p = bytes.find(from, p + 1), ++count)
    bytes.replace(p, to.size(), to);
  ASSERT_GT(count, 0u) << "'" << from << "' not found in " << path;
  WriteFile(path, bytes);
}

bool HaveUnzip() { return ::access("/usr/bin/unzip", X_OK) == 0; }

// Runs a shell command; its exit status and standard output.
int Shell(const std::string& cmd, std::string* output = nullptr) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  std::string out;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

bool HasProblem(const std::vector<Problem>& problems, const std::string& where_part,
                const std::string& what_part) {
  for (const Problem& p : problems) {
    if (p.where.find(where_part) != std::string::npos && p.what.find(what_part) != std::string::npos)
      return true;
  }
  return false;
}

std::string Describe(const std::vector<Problem>& problems) {
  std::string out;
  for (const Problem& p : problems) out += "  " + p.where + ": " + p.what + "\n";
  return out;
}

class ArchiveTest : public StoreTest {
 protected:
  void SetUp() override { MakeDirs(out_dir()); }

  std::string out_dir() const { return tmp_.Sub("out"); }
  std::string archive() const { return tmp_.Sub("out/store.zds"); }
  std::string target() const { return tmp_.Sub("out/target"); }

  // Puts docs in collection `name` through the engine and closes it.
  void SeedCollection(const std::string& name, int docs, const std::string& body = "\"v\":\"some text\"") {
    std::shared_ptr<zds::Root> root;
    std::shared_ptr<zds::Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, false, Fs(), name));
    for (int i = 0; i < docs; ++i) {
      const std::string id = name + "_" + std::to_string(i);
      ZDS_ASSERT_OK(coll->Put(id, Doc(id, body + ",\"i\":" + std::to_string(i))));
    }
  }

  // A store of two collections, a docs/ file, a nested and an empty folder.
  void SeedStore() {
    SeedCollection("users", 120);
    SeedCollection("events", 40);
    MakeDirs(coll_dir("users") + "/docs");
    WriteFile(coll_dir("users") + "/docs/extra.json", "{\"x\":1}\n");
    MakeDirs(store() + "/empty_dir");
    MakeDirs(store() + "/nested/deeper");
    WriteFile(store() + "/nested/deeper/notes.txt", "notes\n");
  }

  zds::Status Pack(const PackOptions& options = {}, const zds::ArchiveProgressFn& progress = nullptr,
                   const std::atomic<bool>* cancel = nullptr, zds::FileSystem* fs = Fs()) {
    return zds::PackStore(fs, store(), archive(), options, progress, cancel);
  }

  zds::Status Unpack(const UnpackOptions& options = {}, const zds::ArchiveProgressFn& progress = nullptr,
                     const std::atomic<bool>* cancel = nullptr, zds::FileSystem* fs = Fs()) {
    return zds::UnpackStore(fs, archive(), target(), options, progress, cancel);
  }

  // After a failed unpack: no target, no temp folder, the archive alone.
  void ExpectNothingExtracted() {
    EXPECT_FALSE(PathExists(target()));
    EXPECT_EQ(Leftovers(out_dir(), "target"), std::vector<std::string>());
  }
};

// ---------------------------------------------------------------- pack

TEST_F(ArchiveTest, PackUnpackRoundTripIsByteIdentical) {
  SeedStore();
  ZDS_ASSERT_OK(Pack());
  EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>({"store.zds"}));  // no temp file left
  const auto entries = ZipEntries(archive());
  EXPECT_EQ(entries.count("collections/users/meta/data.jsonl"), 1u);
  EXPECT_EQ(entries.count("collections/users/meta/index.bin"), 1u);
  EXPECT_EQ(entries.count("collections/users/docs/extra.json"), 1u);
  EXPECT_EQ(entries.count("collections/"), 1u);
  EXPECT_EQ(entries.count("empty_dir/"), 1u);
  for (const auto& [name, e] : entries)
    EXPECT_NE(name.rfind(".zds", 0), 0u) << "the lock was packed: " << name;

  ZDS_ASSERT_OK(Unpack());
  const auto before = Tree(store());
  EXPECT_EQ(Tree(target()), before);
  EXPECT_GT(before.size(), 10u);
  EXPECT_EQ(Leftovers(out_dir(), "target."), std::vector<std::string>());

  // The unpacked store opens and holds the documents.
  std::shared_ptr<zds::Root> root;
  std::shared_ptr<zds::Collection> coll;
  ZDS_ASSERT_OK(zds::Root::Open(Fs(), target(), true, &root));
  ZDS_ASSERT_OK(root->OpenCollection("users", {}, &coll));
  EXPECT_EQ(coll->Count(), 120u);
  EXPECT_FALSE(coll->recovery().any());
}

TEST_F(ArchiveTest, EntriesAreStoredByDefaultWithUnixModes) {
  SeedStore();
  ZDS_ASSERT_OK(Pack());
  for (const auto& [name, e] : ZipEntries(archive())) {
    EXPECT_EQ(e.method, ZIP_CM_STORE) << name;
    EXPECT_EQ(e.comp_size, e.size) << name;
    EXPECT_EQ(e.opsys, ZIP_OPSYS_UNIX) << name;
    const uint32_t mode = e.attributes >> 16;
    if (name.back() == '/') {
      EXPECT_EQ(mode, static_cast<uint32_t>(S_IFDIR | 0755)) << name;
    } else {
      EXPECT_EQ(mode, static_cast<uint32_t>(S_IFREG | 0644)) << name;
    }
  }
}

TEST_F(ArchiveTest, DeflateCompressesAllButCompressedEntries) {
  SeedStore();
  std::string text;
  for (int i = 0; i < 500; ++i) text += "a line of very compressible text " + std::to_string(i % 7) + "\n";
  WriteFile(store() + "/picture.PNG", text);              // compressible, but named as compressed
  WriteFile(store() + "/backup.zds", text);               // idem
  WriteFile(store() + "/random.bin", Random(200000, 7));  // incompressible by content
  WriteFile(store() + "/text.txt", text);
  WriteFile(store() + "/empty.txt", "");
  PackOptions options;
  options.deflate = true;
  options.level = 9;
  ZDS_ASSERT_OK(Pack(options));
  const auto entries = ZipEntries(archive());
  EXPECT_EQ(entries.at("collections/users/meta/data.jsonl").method, ZIP_CM_DEFLATE);
  EXPECT_LT(entries.at("collections/users/meta/data.jsonl").comp_size,
            entries.at("collections/users/meta/data.jsonl").size / 2);
  EXPECT_EQ(entries.at("collections/users/meta/index.bin").method, ZIP_CM_DEFLATE);
  EXPECT_EQ(entries.at("text.txt").method, ZIP_CM_DEFLATE);
  EXPECT_EQ(entries.at("picture.PNG").method, ZIP_CM_STORE);
  EXPECT_EQ(entries.at("backup.zds").method, ZIP_CM_STORE);
  EXPECT_EQ(entries.at("random.bin").method, ZIP_CM_STORE);
  EXPECT_EQ(entries.at("empty.txt").method, ZIP_CM_STORE);
  EXPECT_EQ(entries.at("collections/").method, ZIP_CM_STORE);

  ZDS_ASSERT_OK(Unpack());
  EXPECT_EQ(Tree(target()), Tree(store()));
}

TEST_F(ArchiveTest, DeflateLevelIsChecked) {
  SeedStore();
  PackOptions options;
  options.deflate = true;
  options.level = 10;
  ZDS_EXPECT_CODE(Pack(options), Code::kInvalidArg);
  EXPECT_FALSE(PathExists(archive()));
}

TEST_F(ArchiveTest, PackReplacesAnExistingArchive) {
  SeedStore();
  WriteFile(archive(), "an older file");
  ZDS_ASSERT_OK(Pack());
  EXPECT_TRUE(zds::LooksLikeArchive(Fs(), archive()));
  EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>({"store.zds"}));
}

TEST_F(ArchiveTest, PackOfMissingOrFileRootFails) {
  ZDS_EXPECT_CODE(Pack(), Code::kNotFound);
  WriteFile(store(), "not a folder");
  ZDS_EXPECT_CODE(Pack(), Code::kNotDir);
  EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>());
}

TEST_F(ArchiveTest, EmptyStoreFolderPacksToAnEmptyArchive) {
  MakeDirs(store());
  ZDS_ASSERT_OK(Pack());
  EXPECT_EQ(FileSize(archive()), 22);
  EXPECT_TRUE(zds::LooksLikeArchive(Fs(), archive()));
  std::vector<CollectionListing> listing;
  ZDS_ASSERT_OK(zds::InspectArchive(Fs(), archive(), &listing));
  EXPECT_TRUE(listing.empty());
  ZDS_ASSERT_OK(Unpack());
  EXPECT_TRUE(IsDir(target()));
  EXPECT_EQ(ListNames(target()), std::vector<std::string>());
}

TEST_F(ArchiveTest, PackReportsProgressInBytes) {
  SeedStore();
  WriteFile(store() + "/big.bin", Random(3 * 1024 * 1024 + 17, 1));
  std::vector<zds::ArchiveProgress> seen;
  ZDS_ASSERT_OK(Pack({}, [&](const zds::ArchiveProgress& p) { seen.push_back(p); }));
  ASSERT_GE(seen.size(), 3u);
  uint64_t total = 0;
  uint64_t entries = 0;
  for (const auto& [name, e] : ZipEntries(archive())) {
    total += e.size;
    ++entries;
  }
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].done, seen[i - 1].done);
    EXPECT_GE(seen[i].entries_done, seen[i - 1].entries_done);
  }
  EXPECT_EQ(seen.front().done, 0u);
  EXPECT_EQ(seen.back().done, total);
  EXPECT_EQ(seen.back().total, total);
  EXPECT_EQ(seen.back().entries_done, entries);
  EXPECT_EQ(seen.back().entries_total, entries);
}

TEST_F(ArchiveTest, CancelledPackLeavesNoTempAndKeepsTheOldArchive) {
  SeedStore();
  WriteFile(store() + "/big.bin", Random(5 * 1024 * 1024, 2));
  WriteFile(archive(), "the previous archive");
  std::atomic<bool> cancel{false};
  ZDS_EXPECT_CODE(Pack(
                      {},
                      [&](const zds::ArchiveProgress& p) {
                        if (p.done > 0) cancel = true;
                      },
                      &cancel),
                  Code::kCancelled);
  EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>({"store.zds"}));
  EXPECT_EQ(ReadFile(archive()), "the previous archive");

  // Cancelled before it starts.
  cancel = true;
  ZDS_EXPECT_CODE(Pack({}, nullptr, &cancel), Code::kCancelled);
  EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>({"store.zds"}));
}

TEST_F(ArchiveTest, FailedPackLeavesNoTemp) {
  SeedStore();
  {
    FaultyFileSystem fs;
    fs.FailSync(EIO, ".tmp-");
    ZDS_EXPECT_CODE(Pack({}, nullptr, nullptr, &fs), Code::kIo);
    EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>());
  }
  {
    FaultyFileSystem fs;
    fs.FailRename(EIO, ".tmp-");
    ZDS_EXPECT_CODE(Pack({}, nullptr, nullptr, &fs), Code::kIo);
    EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>());
  }
  {
    // A read error of a store file, inside zip_close: the FileSystem's error comes back.
    FaultyFileSystem fs;
    zds_test::Fault f;
    f.op = Op::kPRead;
    f.path_contains = "users/meta/data.jsonl";
    f.times = -1;
    fs.Inject(f);
    const zds::Status st = Pack({}, nullptr, nullptr, &fs);
    ZDS_EXPECT_CODE(st, Code::kIo);
    EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>());
  }
  {
    // The archive cannot be written: the disk is full. The store is under
    // 1 MiB, so its one write is the last block, at COMMIT_WRITE; with a big
    // file, a block inside its data is written short. The FileSystem's error
    // comes back and nothing is left.
    for (const bool big : {false, true}) {
      SCOPED_TRACE(big ? "short write of a block" : "failing last block");
      if (big) WriteFile(store() + "/big.bin", Random(3 * 1024 * 1024, 5));
      FaultyFileSystem fs;
      if (big) {
        fs.ShortPWrite(1000, ENOSPC, ".tmp-");
      } else {
        fs.FailNthPWrite(1, ENOSPC, ".tmp-");
      }
      const zds::Status st = Pack({}, nullptr, nullptr, &fs);
      ZDS_EXPECT_CODE(st, Code::kIo);
      EXPECT_NE(st.message().find(std::strerror(ENOSPC)), std::string::npos) << st.message();
      EXPECT_EQ(fs.injected(), 1u);
      EXPECT_EQ(fs.Count(Op::kPWrite, ".tmp-"), 1u);
      EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>());
    }
  }
  {
    // The parent of the archive does not exist.
    const zds::Status st = zds::PackStore(Fs(), store(), tmp_.Sub("nowhere/a.zds"), {}, nullptr, nullptr);
    EXPECT_FALSE(st.ok());
    EXPECT_FALSE(PathExists(tmp_.Sub("nowhere")));
  }
}

TEST_F(ArchiveTest, PackReadsThroughTheFileSystem) {
  SeedStore();
  FaultyFileSystem fs;
  ZDS_ASSERT_OK(Pack({}, nullptr, nullptr, &fs));
  EXPECT_GT(fs.Bytes(Op::kPRead, "users/meta/data.jsonl"), 0u);
  EXPECT_EQ(fs.Count(Op::kSync, ".tmp-"), 1u);
  EXPECT_EQ(fs.Count(Op::kRename, ".tmp-"), 1u);
  EXPECT_GE(fs.Count(Op::kSyncDir, "out"), 1u);
}

TEST_F(ArchiveTest, PackWritesTheArchiveInLargeBlocks) {
  SeedStore();
  // Entries bigger than the 1 MiB write buffer: libzip rewrites their local
  // header after their data has been written out.
  WriteFile(store() + "/big.bin", Random(3 * 1024 * 1024 + 123, 7));
  std::string text;
  while (text.size() < 2 * 1024 * 1024)
    text += "{\"_id\":\"" + std::to_string(text.size()) + "\",\"v\":\"text\"}\n";
  WriteFile(store() + "/big.jsonl", text);
  for (bool deflate : {false, true}) {
    SCOPED_TRACE(deflate ? "deflated" : "stored");
    FaultyFileSystem fs;
    PackOptions options;
    options.deflate = deflate;
    ZDS_ASSERT_OK(Pack(options, nullptr, nullptr, &fs));
    const uint64_t size = static_cast<uint64_t>(FileSize(archive()));
    EXPECT_GE(fs.Bytes(Op::kPWrite, ".tmp-"), size);
    // Whole 1 MiB blocks, plus at most two writes for each of the two
    // headers rewritten after their data went out.
    EXPECT_LE(fs.Count(Op::kPWrite, ".tmp-"), size / (1 << 20) + 1 + 4);
    EXPECT_EQ(fs.Count(Op::kSync, ".tmp-"), 1u);
    if (HaveUnzip()) {
      std::string output;
      EXPECT_EQ(Shell("/usr/bin/unzip -t '" + archive() + "' 2>&1", &output), 0) << output;
    }
    UnpackOptions unpack;
    unpack.overwrite = true;
    ZDS_ASSERT_OK(Unpack(unpack));
    EXPECT_EQ(Tree(target()), Tree(store()));
  }
}

TEST_F(ArchiveTest, UnzipTestsListsAndExtractsTheArchive) {
  if (!HaveUnzip()) GTEST_SKIP() << "/usr/bin/unzip is not installed";
  SeedStore();
  for (bool deflate : {false, true}) {
    SCOPED_TRACE(deflate ? "deflated" : "stored");
    PackOptions options;
    options.deflate = deflate;
    ZDS_ASSERT_OK(Pack(options));
    std::string output;
    EXPECT_EQ(Shell("/usr/bin/unzip -t '" + archive() + "' 2>&1", &output), 0) << output;
    EXPECT_NE(output.find("No errors detected"), std::string::npos) << output;
    EXPECT_EQ(Shell("/usr/bin/unzip -l '" + archive() + "' 2>&1", &output), 0) << output;
    EXPECT_NE(output.find("collections/users/meta/data.jsonl"), std::string::npos) << output;
    EXPECT_NE(output.find("empty_dir/"), std::string::npos) << output;
    EXPECT_EQ(output.find(".zds_write.lock"), std::string::npos) << output;

    const std::string dest = tmp_.Sub(deflate ? "unzipped_d" : "unzipped_s");
    EXPECT_EQ(Shell("/usr/bin/unzip -q '" + archive() + "' -d '" + dest + "' 2>&1", &output), 0) << output;
    EXPECT_EQ(Tree(dest), Tree(store()));
    const mode_t mask = ::umask(0);
    ::umask(mask);
    struct stat st;
    ASSERT_EQ(::stat((dest + "/collections/users/meta/data.jsonl").c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0644u & ~mask);
    ASSERT_EQ(::stat((dest + "/collections/users/meta").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u & ~mask);
  }
}

// ---------------------------------------------------------------- unpack: refusals

struct UnsafeCase {
  const char* label;
  std::vector<Craft> entries;
  const char* message;  // part of the expected message
};

TEST_F(ArchiveTest, UnpackRefusesUnsafeNames) {
  const std::string ok = "{\"_id\":\"a\"}\n";
  const std::vector<UnsafeCase> cases = {
      {"parent", {{"../x", ok}}, "'..'"},
      {"parent backslash", {{"..\\x", ok}}, "'..'"},
      {"absolute", {{"/abs", ok}}, "absolute"},
      {"absolute backslash", {{"\\abs", ok}}, "absolute"},
      {"drive letter", {{"C:/x", ok}}, "drive letter"},
      {"drive letter relative", {{"c:x", ok}}, "drive letter"},
      {"nested parent", {{"a/../../x", ok}}, "'..'"},
      {"nested parent backslash", {{"a\\..\\x", ok}}, "'..'"},
      {"trailing parent", {{"a/..", ok}}, "'..'"},
      {"parent after good entries",
       {{"fine.txt", ok}, {"sub/", "", false, true}, {"sub/../../up", ok}},
       "'..'"},
      {"symlink", {{"link", "/etc/passwd", false, false, S_IFLNK | 0777}}, "symbolic link"},
      {"fifo", {{"pipe", "", false, false, S_IFIFO | 0644}}, "special file"},
      {"duplicate after backslash", {{"a/b", ok}, {"a\\b", ok}}, "repeats"},
      {"duplicate after dot segment", {{"a", ok}, {"./a", ok}}, "repeats"},
      {"duplicate folder and file", {{"a/", "", false, true}, {"a", ok}}, "repeats"},
      {"file used as folder", {{"a", ok}, {"a/b", ok}}, "to be a folder"},
      {"empty name", {{"./", "x"}}, "folder with"},
  };
  for (const UnsafeCase& c : cases) {
    SCOPED_TRACE(c.label);
    WriteZip(archive(), c.entries);
    const zds::Status st = Unpack();
    ZDS_EXPECT_CODE(st, Code::kBadArchive);
    EXPECT_NE(st.message().find(c.message), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(archive()), std::string::npos) << st.message();
    ExpectNothingExtracted();
  }
}

TEST_F(ArchiveTest, UnpackAllowsDotsInsideNames) {
  WriteZip(archive(), {{"..foo", "1"},
                       {"a..b", "2"},
                       {"dir/..hidden/x...", "3"},
                       {"./dot/./y", "4"},
                       {"./", "", false, true}});
  ZDS_ASSERT_OK(Unpack());
  EXPECT_EQ(ReadFile(target() + "/..foo"), "1");
  EXPECT_EQ(ReadFile(target() + "/a..b"), "2");
  EXPECT_EQ(ReadFile(target() + "/dir/..hidden/x..."), "3");
  EXPECT_EQ(ReadFile(target() + "/dot/y"), "4");
}

TEST_F(ArchiveTest, UnpackRefusesDuplicateNames) {
  // libzip will not add a name twice: write two names, then make them equal.
  WriteZip(archive(), {{"same_name_1", "one"}, {"same_name_2", "two"}});
  PatchAll(archive(), "same_name_2", "same_name_1");
  const zds::Status st = Unpack();
  ZDS_EXPECT_CODE(st, Code::kBadArchive);
  EXPECT_NE(st.message().find("'same_name_1' appears twice"), std::string::npos) << st.message();
  ExpectNothingExtracted();
}

TEST_F(ArchiveTest, UnpackRefusesNulInName) {
  // libzip reads the NUL as a space ("nul name"); the raw name is checked.
  WriteZip(archive(), {{"fine", "x"}, {"nulXname", "y"}});
  PatchAll(archive(), "nulXname", std::string("nul\0name", 8));
  const zds::Status st = Unpack();
  ZDS_EXPECT_CODE(st, Code::kBadArchive);
  EXPECT_NE(st.message().find("'nul\\x00name' has a NUL byte"), std::string::npos) << st.message();
  ExpectNothingExtracted();
}

TEST_F(ArchiveTest, UnpackRefusesTooManyEntries) {
  WriteZip(archive(), {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  UnpackOptions options;
  options.max_entries = 2;
  const zds::Status st = Unpack(options);
  ZDS_EXPECT_CODE(st, Code::kBadArchive);
  EXPECT_NE(st.message().find("maxEntries"), std::string::npos) << st.message();
  ExpectNothingExtracted();
  options.max_entries = 3;
  ZDS_EXPECT_OK(Unpack(options));
}

TEST_F(ArchiveTest, UnpackRefusesMalformedArchives) {
  SeedStore();
  ZDS_ASSERT_OK(Pack());
  const std::string good = ReadFile(archive());
  // Truncated: cut anywhere, the end records are gone.
  for (size_t keep : {good.size() - 1, good.size() / 2, size_t{30}, size_t{3}}) {
    SCOPED_TRACE(keep);
    WriteFile(archive(), good.substr(0, keep));
    ZDS_EXPECT_CODE(Unpack(), Code::kBadArchive);
    ExpectNothingExtracted();
  }
  WriteFile(archive(), "just some text, not a zip\n");
  const zds::Status st = Unpack();
  ZDS_EXPECT_CODE(st, Code::kBadArchive);
  EXPECT_NE(st.message().find("not a valid ZIP"), std::string::npos) << st.message();
  ExpectNothingExtracted();
  RemoveTree(archive());
  ZDS_EXPECT_CODE(Unpack(), Code::kNotFound);
  MakeDirs(archive());
  ZDS_EXPECT_CODE(Unpack(), Code::kBadArchive);
  ExpectNothingExtracted();
}

TEST_F(ArchiveTest, UnpackRefusesBadCrc) {
  const std::string data = "{\"_id\":\"a\",\"marker\":\"ABCDEFGHIJ\"}\n";
  for (bool deflate : {false, true}) {
    SCOPED_TRACE(deflate ? "deflated" : "stored");
    WriteZip(archive(),
             {{"collections/c/meta/data.jsonl", data, false}, {"other", std::string(3000, 'z'), deflate}});
    PatchAll(archive(), "ABCDEFGHIJ", "ABCDEFGHIX");
    const zds::Status st = Unpack();
    ZDS_EXPECT_CODE(st, Code::kBadArchive);
    EXPECT_NE(st.message().find("'collections/c/meta/data.jsonl'"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("CRC"), std::string::npos) << st.message();
    ExpectNothingExtracted();
  }
}

TEST_F(ArchiveTest, UnpackStopsZipBombs) {
  const std::string zeros(50u << 20, '\0');
  WriteZip(archive(), {{"small", "hello"}, {"bomb", zeros, true}});
  const uint64_t archive_size = static_cast<uint64_t>(FileSize(archive()));
  ASSERT_LT(archive_size, 1u << 20);
  {
    // Declared sizes over the limit: refused before anything is written.
    UnpackOptions options;
    options.max_total_bytes = 10u << 20;
    const zds::Status st = Unpack(options);
    ZDS_EXPECT_CODE(st, Code::kBadArchive);
    EXPECT_NE(st.message().find("over the limit of 10485760 bytes; pass a higher maxTotalBytes"),
              std::string::npos)
        << st.message();
    ExpectNothingExtracted();
  }
  {
    // The ratio check, per entry, once past 1 MiB.
    UnpackOptions options;
    options.max_ratio = 100;
    const zds::Status st = Unpack(options);
    ZDS_EXPECT_CODE(st, Code::kBadArchive);
    EXPECT_NE(st.message().find("'bomb'"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("maxRatio"), std::string::npos) << st.message();
    ExpectNothingExtracted();
  }
  {
    // Within every limit, it unpacks.
    UnpackOptions options;
    options.max_ratio = 100000;
    ZDS_ASSERT_OK(Unpack(options));
    EXPECT_EQ(FileSize(target() + "/bomb"), static_cast<int64_t>(zeros.size()));
    RemoveTree(target());
  }
  {
    // Lying sizes: the bomb declares 1000 bytes (local and central headers
    // agree, so the declared total is within every limit); the bytes counted
    // while inflating give it away at once.
    std::string bytes = ReadFile(archive());
    const size_t local = bytes.find(std::string("PK\x03\x04", 4), 1);  // the second local header: "bomb"
    const size_t central = bytes.find(std::string("PK\x01\x02", 4));
    const size_t central_bomb = bytes.find(std::string("PK\x01\x02", 4), central + 1);
    ASSERT_NE(local, std::string::npos);
    ASSERT_NE(central_bomb, std::string::npos);
    ASSERT_EQ(bytes.substr(local + 30, 4), "bomb");
    std::string small;
    PutLE(&small, 1000, 4);
    bytes.replace(local + 22, 4, small);
    bytes.replace(central_bomb + 24, 4, small);
    WriteFile(archive(), bytes);
    FaultyFileSystem fs;
    UnpackOptions options;
    options.max_ratio = 1000000;
    const zds::Status st = Unpack(options, nullptr, nullptr, &fs);
    ZDS_EXPECT_CODE(st, Code::kBadArchive);
    EXPECT_NE(st.message().find("entry 'bomb' inflates to more than its declared 1000 bytes"),
              std::string::npos)
        << st.message();
    EXPECT_LT(fs.Bytes(Op::kPWrite, "bomb"), 1000u);  // nothing of it was written
    ExpectNothingExtracted();
  }
}

TEST_F(ArchiveTest, ManyEntriesUseTheZip64EndRecords) {
  // Over 65535 entries, the count only fits the ZIP64 end record: the raw
  // name check (ReadCentralNames) must read it.
  std::vector<Craft> entries;
  for (int i = 0; i < 70000; ++i) entries.push_back({"f/" + std::to_string(i), "x"});
  WriteZip(archive(), entries);
  EXPECT_NE(ReadFile(archive()).find(std::string("PK\x06\x06", 4)), std::string::npos);
  std::vector<Problem> problems;
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), archive(), &problems));
  EXPECT_TRUE(problems.empty()) << Describe(problems);
  UnpackOptions options;
  options.max_entries = 69999;
  ZDS_EXPECT_CODE(Unpack(options), Code::kBadArchive);
  ExpectNothingExtracted();
  // One NUL among them is found.
  PatchAll(archive(), "f/69999", std::string("f/6\0999", 7));
  ZDS_EXPECT_CODE(Unpack(), Code::kBadArchive);
  ExpectNothingExtracted();
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), archive(), &problems));
  EXPECT_TRUE(HasProblem(problems, "entry 'f/6 999'", "NUL")) << Describe(problems);
}

// ---------------------------------------------------------------- unpack: the target

TEST_F(ArchiveTest, UnpackTargetRules) {
  SeedStore();
  ZDS_ASSERT_OK(Pack());
  // An existing empty folder is fine.
  MakeDirs(target());
  ZDS_ASSERT_OK(Unpack());
  EXPECT_EQ(Tree(target()), Tree(store()));

  // A non-empty one is refused and left alone...
  WriteFile(target() + "/mine.txt", "keep me");
  const zds::Status st = Unpack();
  ZDS_EXPECT_CODE(st, Code::kExists);
  EXPECT_NE(st.message().find("overwrite"), std::string::npos) << st.message();
  EXPECT_EQ(ReadFile(target() + "/mine.txt"), "keep me");

  // ...unless overwrite: then the target holds the archive, nothing else.
  UnpackOptions options;
  options.overwrite = true;
  ZDS_ASSERT_OK(Unpack(options));
  EXPECT_EQ(Tree(target()), Tree(store()));
  EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>({"store.zds", "target"}));

  // Not when the archive is inside the folder it would replace.
  const std::string inner = target() + "/inner.zds";
  ASSERT_EQ(std::rename(archive().c_str(), inner.c_str()), 0);
  ZDS_EXPECT_CODE(zds::UnpackStore(Fs(), inner, target(), options, nullptr, nullptr), Code::kInvalidArg);
  EXPECT_TRUE(PathExists(inner));
  ASSERT_EQ(std::rename(inner.c_str(), archive().c_str()), 0);

  // A file is never replaced.
  RemoveTree(target());
  WriteFile(target(), "a file");
  ZDS_EXPECT_CODE(Unpack(options), Code::kExists);
  EXPECT_EQ(ReadFile(target()), "a file");
}

TEST_F(ArchiveTest, OverwriteThatFailsKeepsTheOldTarget) {
  WriteZip(archive(),
           {{"a", "new"}, {"collections/c/meta/data.jsonl", "{\"_id\":\"x\",\"m\":\"ABCDEFGHIJ\"}\n"}});
  PatchAll(archive(), "ABCDEFGHIJ", "ABCDEFGHIX");  // bad CRC in the second entry
  MakeDirs(target());
  WriteFile(target() + "/a", "old");
  UnpackOptions options;
  options.overwrite = true;
  ZDS_EXPECT_CODE(Unpack(options), Code::kBadArchive);
  EXPECT_EQ(ReadFile(target() + "/a"), "old");
  EXPECT_EQ(ListNames(out_dir()), std::vector<std::string>({"store.zds", "target"}));
}

TEST_F(ArchiveTest, FailedOrCancelledUnpackLeavesNothing) {
  SeedStore();
  WriteFile(store() + "/big.bin", Random(5 * 1024 * 1024, 3));
  ZDS_ASSERT_OK(Pack());
  {
    FaultyFileSystem fs;
    fs.FailNthPWrite(3, EIO, ".unpack-");
    ZDS_EXPECT_CODE(Unpack({}, nullptr, nullptr, &fs), Code::kIo);
    ExpectNothingExtracted();
  }
  {
    FaultyFileSystem fs;
    fs.FailSync(EIO, ".unpack-");
    ZDS_EXPECT_CODE(Unpack({}, nullptr, nullptr, &fs), Code::kIo);
    ExpectNothingExtracted();
  }
  {
    FaultyFileSystem fs;
    fs.FailRename(EIO, ".unpack-");
    ZDS_EXPECT_CODE(Unpack({}, nullptr, nullptr, &fs), Code::kIo);
    ExpectNothingExtracted();
  }
  {
    std::atomic<bool> cancel{false};
    std::vector<zds::ArchiveProgress> seen;
    const zds::Status st = Unpack(
        {},
        [&](const zds::ArchiveProgress& p) {
          seen.push_back(p);
          if (p.done > 0) cancel = true;
        },
        &cancel);
    ZDS_EXPECT_CODE(st, Code::kCancelled);
    ExpectNothingExtracted();
    ASSERT_GE(seen.size(), 2u);
    EXPECT_GT(seen.back().done, 0u);
    EXPECT_LT(seen.back().done, seen.back().total);
  }
  // And then it works, reporting the bytes.
  std::vector<zds::ArchiveProgress> seen;
  ZDS_ASSERT_OK(Unpack({}, [&](const zds::ArchiveProgress& p) { seen.push_back(p); }));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().done, seen.back().total);
  EXPECT_EQ(seen.back().entries_done, seen.back().entries_total);
  EXPECT_EQ(Tree(target()), Tree(store()));
}

// ---------------------------------------------------------------- inspect

TEST_F(ArchiveTest, InspectListsCollections) {
  SeedStore();
  for (bool deflate : {false, true}) {
    SCOPED_TRACE(deflate ? "deflated" : "stored");
    PackOptions options;
    options.deflate = deflate;
    ZDS_ASSERT_OK(Pack(options));
    std::vector<CollectionListing> listing;
    ZDS_ASSERT_OK(zds::InspectArchive(Fs(), archive(), &listing));
    ASSERT_EQ(listing.size(), 2u);
    EXPECT_EQ(listing[0].name, "events");
    EXPECT_EQ(listing[0].documents, 40);
    EXPECT_EQ(listing[1].name, "users");
    EXPECT_EQ(listing[1].documents, 120);
    for (const CollectionListing& c : listing) {
      EXPECT_TRUE(c.has_index);
      EXPECT_EQ(c.data_bytes, static_cast<uint64_t>(FileSize(data_path(c.name))));
      EXPECT_EQ(c.data_stored, !deflate);
      if (deflate) {
        EXPECT_LT(c.compressed_bytes, c.data_bytes);
      } else {
        EXPECT_EQ(c.compressed_bytes, c.data_bytes);
      }
    }
  }
}

TEST_F(ArchiveTest, InspectWithoutOrWithBadIndex) {
  const std::string data = Doc("a") + "\n" + Doc("b") + "\n";
  WriteZip(archive(), {{"collections/noindex/meta/data.jsonl", data},
                       {"collections/badindex/meta/data.jsonl", data},
                       {"collections/badindex/meta/index.bin", "ISDZ\x02"},
                       {"collections/foreign/meta/data.jsonl", data, true},
                       {"collections/foreign/meta/index.bin", BuildZdsi(LineEntries(data, {"a", "b"})), true},
                       {"collections/orphan/meta/index.bin", BuildZdsi({})},
                       {"collections/bad..name/meta/data.jsonl", data},
                       {"elsewhere/meta/data.jsonl", data}});
  std::vector<CollectionListing> listing;
  ZDS_ASSERT_OK(zds::InspectArchive(Fs(), archive(), &listing));
  ASSERT_EQ(listing.size(), 3u);
  EXPECT_EQ(listing[0].name, "badindex");
  EXPECT_TRUE(listing[0].has_index);
  EXPECT_EQ(listing[0].documents, -1);
  EXPECT_EQ(listing[1].name, "foreign");
  EXPECT_TRUE(listing[1].has_index);
  EXPECT_EQ(listing[1].documents, 2);
  EXPECT_FALSE(listing[1].data_stored);
  EXPECT_EQ(listing[2].name, "noindex");
  EXPECT_FALSE(listing[2].has_index);
  EXPECT_EQ(listing[2].documents, -1);
  EXPECT_EQ(listing[2].data_bytes, data.size());

  ZDS_EXPECT_CODE(zds::InspectArchive(Fs(), tmp_.Sub("missing.zds"), &listing), Code::kNotFound);
  WriteFile(archive(), "nope");
  ZDS_EXPECT_CODE(zds::InspectArchive(Fs(), archive(), &listing), Code::kBadArchive);
}

// ---------------------------------------------------------------- verify

TEST_F(ArchiveTest, VerifyFindsNothingInAGoodStore) {
  SeedStore();
  // Lines appended after the index was written are outside it: fine.
  AppendFile(data_path("events"),
             Doc("late", "\"n\":1") + "\n" + "{\"_id\":\"events_3\",\"$zds\":\"delete\"}\n");
  std::vector<Problem> problems;
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), store(), &problems));
  EXPECT_TRUE(problems.empty()) << Describe(problems);
  for (bool deflate : {false, true}) {
    PackOptions options;
    options.deflate = deflate;
    ZDS_ASSERT_OK(Pack(options));
    ZDS_ASSERT_OK(zds::VerifyStore(Fs(), archive(), &problems));
    EXPECT_TRUE(problems.empty()) << Describe(problems);
  }
}

TEST_F(ArchiveTest, VerifyFindsBadAndTornLines) {
  MakeDirs(coll_dir() + "/meta");
  WriteFile(data_path(),
            Doc("a") + "\nnot json\n\n" + "{\"_id\":\"bad id\"}\n" + Doc("b") + "\n{\"_id\":\"c\"");
  std::vector<Problem> problems;
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), store(), &problems));
  EXPECT_EQ(problems.size(), 3u) << Describe(problems);
  EXPECT_TRUE(HasProblem(problems, "collections/c/meta/data.jsonl line 2", "invalid JSON"))
      << Describe(problems);
  EXPECT_TRUE(HasProblem(problems, "collections/c/meta/data.jsonl line 4", "invalid \"_id\""))
      << Describe(problems);
  EXPECT_TRUE(HasProblem(problems, "collections/c/meta/data.jsonl line 6", "torn")) << Describe(problems);
  // Verify changed nothing.
  EXPECT_FALSE(PathExists(index_path()));
  EXPECT_FALSE(PathExists(store() + "/.zds"));
}

TEST_F(ArchiveTest, VerifyFindsIndexEntriesThatDisagree) {
  MakeDirs(coll_dir() + "/meta");
  const std::string data = Doc("a", "\"n\":1") + "\n" + Doc("b", "\"n\":2") + "\n" + Doc("a", "\"n\":3") +
                           "\n" + "{\"_id\":\"b\",\"$zds\":\"delete\"}\n" + Doc("d") + "\n";
  WriteFile(data_path(), data);
  const auto lines = LineEntries(data, {"a", "b", "a", "b", "d"});
  // A zds index (with trailer): "a" points at its older line, "d" is missing.
  zds::DocIndex idx;
  idx.Put("a", {lines[0].offset, lines[0].length});
  const uint64_t from = data.size() > 4096 ? data.size() - 4096 : 0;
  WriteFile(index_path(),
            zds::EncodeIndex(idx, data.size(), zds::TailHash(std::string_view(data).substr(from))));
  std::vector<Problem> problems;
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), store(), &problems));
  EXPECT_TRUE(HasProblem(problems, "collections/c/meta/index.bin", "points 'a' at offset 0"))
      << Describe(problems);
  EXPECT_TRUE(HasProblem(problems, "collections/c/meta/index.bin", "does not list 'd'"))
      << Describe(problems);
  EXPECT_EQ(problems.size(), 2u) << Describe(problems);

  // The right index: no problem.
  idx.Clear();
  idx.Put("a", {lines[2].offset, lines[2].length});
  idx.Put("d", {lines[4].offset, lines[4].length});
  WriteFile(index_path(),
            zds::EncodeIndex(idx, data.size(), zds::TailHash(std::string_view(data).substr(from))));
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), store(), &problems));
  EXPECT_TRUE(problems.empty()) << Describe(problems);

  // A stale one: its tail hash is of other bytes.
  WriteFile(index_path(), zds::EncodeIndex(idx, data.size(), 12345));
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), store(), &problems));
  EXPECT_TRUE(HasProblem(problems, "index.bin", "tail hash")) << Describe(problems);
  EXPECT_EQ(problems.size(), 1u) << Describe(problems);

  // Another tool's index (no trailer): may omit deleted ids, but "b" is not
  // live and "d" points into the middle of a line.
  WriteFile(index_path(), BuildZdsi({{"a", lines[2].offset, lines[2].length},
                                     {"b", lines[1].offset, lines[1].length},
                                     {"d", lines[4].offset + 1, lines[4].length - 1}}));
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), store(), &problems));
  EXPECT_TRUE(HasProblem(problems, "index.bin", "'b'")) << Describe(problems);
  EXPECT_TRUE(HasProblem(problems, "index.bin", "points 'd'")) << Describe(problems);
  EXPECT_EQ(problems.size(), 2u) << Describe(problems);

  // An index that does not decode.
  WriteFile(index_path(), "ISDZ\x01\x00");
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), store(), &problems));
  EXPECT_TRUE(HasProblem(problems, "index.bin", "corrupt")) << Describe(problems);
}

TEST_F(ArchiveTest, VerifyFindsBadCrcAndBadLinesInArchives) {
  SeedCollection("c", 10, "\"marker\":\"ABCDEFGHIJ\"");
  ZDS_ASSERT_OK(Pack());
  std::string bytes = ReadFile(archive());
  const size_t at = bytes.find("ABCDEFGHIJ");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'Z';
  WriteFile(archive(), bytes);
  std::vector<Problem> problems;
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), archive(), &problems));
  ASSERT_EQ(problems.size(), 1u) << Describe(problems);
  EXPECT_EQ(problems[0].where, "entry 'collections/c/meta/data.jsonl'");
  EXPECT_NE(problems[0].what.find("CRC"), std::string::npos) << problems[0].what;

  // A bad line inside an archive (the CRC is right: written that way).
  const std::string data = Doc("a") + "\n{oops}\n";
  WriteZip(archive(), {{"collections/c/meta/data.jsonl", data, true}, {"../evil", "x"}});
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), archive(), &problems));
  EXPECT_TRUE(HasProblem(problems, "collections/c/meta/data.jsonl line 2", "invalid JSON"))
      << Describe(problems);
  EXPECT_TRUE(HasProblem(problems, "entry '../evil'", "'..'")) << Describe(problems);
  EXPECT_EQ(problems.size(), 2u) << Describe(problems);
}

TEST_F(ArchiveTest, VerifyStatusFailsOnlyWhenUnreadable) {
  std::vector<Problem> problems;
  ZDS_EXPECT_CODE(zds::VerifyStore(Fs(), tmp_.Sub("missing"), &problems), Code::kNotFound);
  WriteFile(archive(), std::string("PK\x03\x04", 4) + "truncated");
  ZDS_EXPECT_CODE(zds::VerifyStore(Fs(), archive(), &problems), Code::kBadArchive);
  WriteFile(archive(), "plain text");
  ZDS_EXPECT_CODE(zds::VerifyStore(Fs(), archive(), &problems), Code::kNotDir);
  // A folder that is not a store is one problem, not a failure.
  MakeDirs(tmp_.Sub("not_a_store"));
  ZDS_ASSERT_OK(zds::VerifyStore(Fs(), tmp_.Sub("not_a_store"), &problems));
  EXPECT_EQ(problems.size(), 1u) << Describe(problems);
}

// ---------------------------------------------------------------- LooksLikeArchive

TEST_F(ArchiveTest, LooksLikeArchive) {
  SeedStore();
  ZDS_ASSERT_OK(Pack());
  EXPECT_TRUE(zds::LooksLikeArchive(Fs(), archive()));
  EXPECT_FALSE(zds::LooksLikeArchive(Fs(), store()));
  EXPECT_FALSE(zds::LooksLikeArchive(Fs(), tmp_.Sub("missing")));
  WriteFile(tmp_.Sub("text"), "PK but not a zip");
  EXPECT_FALSE(zds::LooksLikeArchive(Fs(), tmp_.Sub("text")));
  WriteFile(tmp_.Sub("short"), "PK");
  EXPECT_FALSE(zds::LooksLikeArchive(Fs(), tmp_.Sub("short")));
  WriteFile(tmp_.Sub("empty.zip"), std::string("PK\x05\x06", 4) + std::string(18, '\0'));
  EXPECT_TRUE(zds::LooksLikeArchive(Fs(), tmp_.Sub("empty.zip")));
}

}  // namespace
}  // namespace zds_test
