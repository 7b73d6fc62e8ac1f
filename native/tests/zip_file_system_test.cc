// ZipDirectory and ZipFileSystem: a store read in place from a .zds (ZIP)
// archive. Archives come from libzip, from a ZIP writer in this file (for
// ZIP64, data descriptors, odd names and every kind of damage, byte-exact),
// and, when installed, from Info-ZIP's zip and Python's zipfile.
#include "engine/zip_file_system.h"

#include <gtest/gtest.h>
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/cursor.h"
#include "engine/format.h"
#include "engine/root.h"
#include "engine/zip_directory.h"
#include "fault_fs.h"
#include "test_util.h"

namespace zds_test {
namespace {

using zds::Code;
using zds::FileInfo;
using zds::OpenMode;
using zds::ZipEntry;
using zds::ZipFileSystem;
using zds_test::Op;

// path relative to the archive root -> contents
using Files = std::map<std::string, std::string>;

std::string Compressible(size_t n, int seed = 0) {
  std::string s;
  s.reserve(n + 64);
  for (int i = 0; s.size() < n; ++i)
    s += "{\"_id\":\"doc" + std::to_string(i + seed) + "\",\"v\":" + std::to_string(i % 97) + "}\n";
  s.resize(n);
  return s;
}

// Bytes that deflate cannot shrink (a linear congruential generator).
std::string Noise(size_t n, uint32_t seed = 1) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = static_cast<char>(seed >> 23);
  }
  return s;
}

Files SampleFiles() {
  Files f;
  f["collections/c/meta/data.jsonl"] = Compressible(5000);
  f["collections/c/meta/manifest.json"] = "{\"name\":\"c\"}\n";
  f["collections/c/meta/index.bin"] = Noise(3000);
  f["collections/d/meta/data.jsonl"] = Compressible(700 * 1024, 7);  // several inflate chunks
  f["collections/d/meta/empty.txt"] = "";
  f["top.txt"] = "top level\n";
  return f;
}

// ---------------------------------------------------------------- writers

enum class Method { kStore, kDeflate };

void WriteLibzip(const std::string& path, const Files& files, Method method,
                 const std::vector<std::string>& dirs = {}) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(za, nullptr) << "zip_open " << err;
  for (const auto& d : dirs) ASSERT_GE(zip_dir_add(za, d.c_str(), ZIP_FL_ENC_UTF_8), 0) << zip_strerror(za);
  for (const auto& [name, data] : files) {
    zip_source_t* src = zip_source_buffer(za, data.data(), data.size(), 0);
    ASSERT_NE(src, nullptr);
    const zip_int64_t idx = zip_file_add(za, name.c_str(), src, ZIP_FL_ENC_UTF_8);
    ASSERT_GE(idx, 0) << zip_strerror(za);
    ASSERT_EQ(zip_set_file_compression(za, static_cast<zip_uint64_t>(idx),
                                       method == Method::kStore ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0),
              0);
  }
  ASSERT_EQ(zip_close(za), 0) << zip_strerror(za);
}

void WriteTree(const std::string& root, const Files& files) {
  for (const auto& [name, data] : files) {
    MakeDirs(zds::DirName(root + "/" + name));
    WriteFile(root + "/" + name, data);
  }
}

std::string RawDeflate(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

uint32_t Crc(const std::string& s) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

// A byte-exact ZIP writer, so tests control every field (APPNOTE.TXT 4.3).
struct RawEntry {
  std::string name;  // as written
  std::string data;  // uncompressed
  uint16_t method = 0;
  uint16_t flags = 0;
  bool descriptor = false;           // bit 3: zeros in the local header, a data descriptor after the data
  bool zip64 = false;                // saturated sizes and offset, values in ZIP64 extra fields
  uint16_t made_by = (3 << 8) | 20;  // Unix
  uint32_t external = 0100644u << 16;
  bool write_local = true;    // false: only a central header (with local_offset)
  uint64_t local_offset = 0;  // used when !write_local
  std::string raw_payload;    // when set: written as the data, as is
};

struct RawZip {
  std::string bytes;
  std::vector<uint64_t> local;    // local header offset of each entry
  std::vector<uint64_t> central;  // central header offset of each entry
  std::vector<uint64_t> data;     // data offset of each entry
  uint64_t cd_offset = 0;
  uint64_t end_offset = 0;  // the classic end record
};

RawZip BuildZip(const std::vector<RawEntry>& entries, bool zip64_end = false,
                const std::string& comment = "") {
  RawZip z;
  std::string& b = z.bytes;
  std::vector<std::string> payloads;
  for (const RawEntry& e : entries) {
    std::string payload = !e.raw_payload.empty() ? e.raw_payload
                          : e.method == 8        ? RawDeflate(e.data)
                                                 : e.data;
    payloads.push_back(payload);
    if (!e.write_local) {
      z.local.push_back(e.local_offset);
      z.data.push_back(0);
      continue;
    }
    z.local.push_back(b.size());
    PutLE(&b, 0x04034b50, 4);
    PutLE(&b, e.zip64 ? 45 : 20, 2);
    PutLE(&b, e.flags | (e.descriptor ? 8 : 0), 2);
    PutLE(&b, e.method, 2);
    PutLE(&b, 0, 2);
    PutLE(&b, 0x21, 2);
    std::string extra;
    if (e.zip64) {
      PutLE(&extra, 1, 2);
      PutLE(&extra, 16, 2);
      PutLE(&extra, e.descriptor ? 0 : e.data.size(), 8);
      PutLE(&extra, e.descriptor ? 0 : payload.size(), 8);
    }
    PutLE(&b, e.descriptor ? 0 : Crc(e.data), 4);
    PutLE(&b, e.zip64 ? 0xFFFFFFFF : e.descriptor ? 0 : payload.size(), 4);
    PutLE(&b, e.zip64 ? 0xFFFFFFFF : e.descriptor ? 0 : e.data.size(), 4);
    PutLE(&b, e.name.size(), 2);
    PutLE(&b, extra.size(), 2);
    b += e.name;
    b += extra;
    z.data.push_back(b.size());
    b += payload;
    if (e.descriptor) {
      PutLE(&b, 0x08074b50, 4);
      PutLE(&b, Crc(e.data), 4);
      PutLE(&b, payload.size(), e.zip64 ? 8 : 4);
      PutLE(&b, e.data.size(), e.zip64 ? 8 : 4);
    }
  }
  z.cd_offset = b.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    const RawEntry& e = entries[i];
    z.central.push_back(b.size());
    std::string extra;
    if (e.zip64) {
      PutLE(&extra, 1, 2);
      PutLE(&extra, 24, 2);
      PutLE(&extra, e.data.size(), 8);
      PutLE(&extra, payloads[i].size(), 8);
      PutLE(&extra, z.local[i], 8);
    }
    PutLE(&b, 0x02014b50, 4);
    PutLE(&b, e.made_by, 2);
    PutLE(&b, e.zip64 ? 45 : 20, 2);
    PutLE(&b, e.flags | (e.descriptor ? 8 : 0), 2);
    PutLE(&b, e.method, 2);
    PutLE(&b, 0, 2);
    PutLE(&b, 0x21, 2);
    PutLE(&b, Crc(e.data), 4);
    PutLE(&b, e.zip64 ? 0xFFFFFFFF : payloads[i].size(), 4);
    PutLE(&b, e.zip64 ? 0xFFFFFFFF : e.data.size(), 4);
    PutLE(&b, e.name.size(), 2);
    PutLE(&b, extra.size(), 2);
    PutLE(&b, 0, 2);  // comment
    PutLE(&b, 0, 2);  // disk
    PutLE(&b, 0, 2);  // internal attributes
    PutLE(&b, e.external, 4);
    PutLE(&b, e.zip64 ? 0xFFFFFFFF : z.local[i], 4);
    b += e.name;
    b += extra;
  }
  const uint64_t cd_size = b.size() - z.cd_offset;
  if (zip64_end) {
    const uint64_t rec = b.size();
    PutLE(&b, 0x06064b50, 4);
    PutLE(&b, 44, 8);
    PutLE(&b, 45, 2);
    PutLE(&b, 45, 2);
    PutLE(&b, 0, 4);
    PutLE(&b, 0, 4);
    PutLE(&b, entries.size(), 8);
    PutLE(&b, entries.size(), 8);
    PutLE(&b, cd_size, 8);
    PutLE(&b, z.cd_offset, 8);
    PutLE(&b, 0x07064b50, 4);
    PutLE(&b, 0, 4);
    PutLE(&b, rec, 8);
    PutLE(&b, 1, 4);
  }
  z.end_offset = b.size();
  PutLE(&b, 0x06054b50, 4);
  PutLE(&b, 0, 2);
  PutLE(&b, 0, 2);
  PutLE(&b, zip64_end ? 0xFFFF : entries.size(), 2);
  PutLE(&b, zip64_end ? 0xFFFF : entries.size(), 2);
  PutLE(&b, zip64_end ? 0xFFFFFFFF : cd_size, 4);
  PutLE(&b, zip64_end ? 0xFFFFFFFF : z.cd_offset, 4);
  PutLE(&b, comment.size(), 2);
  b += comment;
  return z;
}

void Patch(std::string* bytes, uint64_t at, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) (*bytes)[at + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

bool HaveTool(const char* path) { return PathExists(path); }

bool HavePython() { return std::system("python3 -c 'import zipfile' >/dev/null 2>&1") == 0; }

int Shell(const std::string& cmd) { return std::system(cmd.c_str()); }

// ---------------------------------------------------------------- checks

zds::Status OpenFs(const std::string& archive, std::unique_ptr<ZipFileSystem>* out,
                   const std::string& mount = "") {
  return ZipFileSystem::Open(zds::DefaultFileSystem(), archive, mount.empty() ? archive : mount, out);
}

std::string ReadVia(zds::FileSystem* fs, const std::string& path) {
  std::string out;
  zds::Status st = fs->ReadAll(path, &out);
  EXPECT_TRUE(st.ok()) << path << ": " << Describe(st);
  return out;
}

// Every file reads back (whole, in pieces and mapped) and every directory
// lists exactly its children.
void ExpectTree(ZipFileSystem* fs, const std::string& mount, const Files& files) {
  std::map<std::string, std::set<std::string>> children;
  children[""];
  for (const auto& [name, data] : files) {
    std::string rel = name;
    while (true) {
      const size_t slash = rel.rfind('/');
      const std::string parent = slash == std::string::npos ? "" : rel.substr(0, slash);
      children[parent].insert(slash == std::string::npos ? rel : rel.substr(slash + 1));
      if (slash == std::string::npos) break;
      rel = parent;
    }
  }
  for (const auto& [dir, kids] : children) {
    const std::string path = dir.empty() ? mount : mount + "/" + dir;
    FileInfo info;
    ZDS_EXPECT_OK(fs->Stat(path, &info));
    EXPECT_TRUE(info.exists && info.is_dir) << path;
    std::vector<std::string> names;
    ZDS_EXPECT_OK(fs->ListDir(path, &names));
    EXPECT_EQ(names, std::vector<std::string>(kids.begin(), kids.end())) << path;
  }
  std::set<uint64_t> inodes;
  for (const auto& [name, data] : files) {
    const std::string path = mount + "/" + name;
    SCOPED_TRACE(path);
    FileInfo info;
    ZDS_EXPECT_OK(fs->Stat(path, &info));
    EXPECT_TRUE(info.exists);
    EXPECT_FALSE(info.is_dir);
    EXPECT_EQ(info.size, data.size());
    EXPECT_TRUE(inodes.insert(info.inode).second) << "inode reused";
    EXPECT_EQ(ReadVia(fs, path), data);

    int fd = -1;
    ZDS_ASSERT_OK(fs->Open(path, OpenMode::kRead, &fd));
    zds::ScopedFd guard(fs, fd);
    EXPECT_GE(fd, 0);
    uint64_t size = 0;
    ZDS_EXPECT_OK(fs->Size(fd, &size));
    EXPECT_EQ(size, data.size());
    FileInfo finfo;
    ZDS_EXPECT_OK(fs->StatFd(fd, &finfo));
    EXPECT_EQ(finfo.size, data.size());
    EXPECT_EQ(finfo.inode, info.inode);
    EXPECT_EQ(finfo.device, info.device);
    // Pieces of an awkward size, then a read running past the end.
    std::string pieces;
    std::string chunk;
    for (uint64_t off = 0; off < data.size(); off += 4093) {
      ZDS_ASSERT_OK(fs->ReadRange(fd, off, 4093, &chunk));
      pieces += chunk;
    }
    EXPECT_EQ(pieces, data);
    ZDS_EXPECT_OK(fs->ReadRange(fd, data.size() + 10, 5, &chunk));
    EXPECT_EQ(chunk, "");
    if (data.size() > 3) {
      ZDS_EXPECT_OK(fs->ReadRange(fd, data.size() - 3, 100, &chunk));
      EXPECT_EQ(chunk, data.substr(data.size() - 3));
    }
    if (!data.empty()) {
      const char* addr = nullptr;
      ZDS_ASSERT_OK(fs->MapReadOnly(fd, data.size(), &addr));
      EXPECT_EQ(std::string(addr, data.size()), data);
      fs->Unmap(addr, data.size());
      // A prefix maps too.
      ZDS_ASSERT_OK(fs->MapReadOnly(fd, 1, &addr));
      EXPECT_EQ(addr[0], data[0]);
      fs->Unmap(addr, 1);
    }
  }
}

Files ReadTreeFromDisk(const std::string& root) {
  Files files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = std::filesystem::relative(e.path(), root).generic_string();
    if (rel.rfind(".zds/", 0) == 0) continue;  // the writer lock: never packed
    files[rel] = ReadFile(e.path().string());
  }
  return files;
}

// ---------------------------------------------------------------- libzip archives

TEST(ZipFileSystemTest, StoredEntriesReadBack) {
  TempDir tmp;
  const std::string archive = tmp.Sub("s.zds");
  const Files files = SampleFiles();
  WriteLibzip(archive, files, Method::kStore);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  EXPECT_EQ(fs->entries().size(), files.size());
  const std::string raw = ReadFile(archive);
  for (const ZipEntry& e : fs->entries()) {
    SCOPED_TRACE(e.name);
    EXPECT_EQ(e.method, zds::kZipMethodStored);
    EXPECT_EQ(e.size, e.compressed_size);
    ASSERT_TRUE(files.count(e.name));
    EXPECT_EQ(e.size, files.at(e.name).size());
    // The data offset is where the bytes really are: what mapping relies on.
    EXPECT_EQ(raw.substr(e.data_offset, e.size), files.at(e.name));
    EXPECT_EQ(fs->FindEntry(e.name), &e);
  }
  EXPECT_EQ(fs->FindEntry("collections"), nullptr);  // implied, no entry of its own
  ExpectTree(fs.get(), archive, files);
}

TEST(ZipFileSystemTest, DeflatedEntriesReadBack) {
  TempDir tmp;
  const std::string archive = tmp.Sub("d.zds");
  const Files files = SampleFiles();
  WriteLibzip(archive, files, Method::kDeflate);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  int deflated = 0;
  for (const ZipEntry& e : fs->entries()) {
    if (e.method == zds::kZipMethodDeflate) ++deflated;
    EXPECT_EQ(e.crc32, Crc(files.at(e.name)));
  }
  EXPECT_GE(deflated, 4);
  const ZipEntry* big = fs->FindEntry("collections/d/meta/data.jsonl");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->method, zds::kZipMethodDeflate);
  EXPECT_LT(big->compressed_size, big->size / 3);
  ExpectTree(fs.get(), archive, files);
}

TEST(ZipFileSystemTest, ExplicitDirectoryEntriesAndEmptyDirectories) {
  TempDir tmp;
  const std::string archive = tmp.Sub("dirs.zds");
  Files files = {{"collections/c/meta/data.jsonl", "{\"_id\":\"a\"}\n"}};
  WriteLibzip(archive, files, Method::kStore, {"collections/", "collections/c/", "collections/empty/"});
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  ASSERT_NE(fs->FindEntry("collections/empty/"), nullptr);
  EXPECT_TRUE(fs->FindEntry("collections/empty/")->is_dir());
  std::vector<std::string> names;
  ZDS_ASSERT_OK(fs->ListDir(archive + "/collections", &names));
  EXPECT_EQ(names, std::vector<std::string>({"c", "empty"}));
  ZDS_ASSERT_OK(fs->ListDir(archive + "/collections/empty", &names));
  EXPECT_TRUE(names.empty());
  FileInfo info;
  ZDS_ASSERT_OK(fs->Stat(archive + "/collections/empty/", &info));
  EXPECT_TRUE(info.exists && info.is_dir);
  int fd = -1;
  ZDS_EXPECT_CODE(fs->Open(archive + "/collections/empty", OpenMode::kRead, &fd), Code::kIo);
}

TEST(ZipFileSystemTest, MissingPathsAreNotFound) {
  TempDir tmp;
  const std::string archive = tmp.Sub("m.zds");
  WriteLibzip(archive, SampleFiles(), Method::kDeflate);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  int fd = -1;
  ZDS_EXPECT_CODE(fs->Open(archive + "/nope", OpenMode::kRead, &fd), Code::kNotFound);
  ZDS_EXPECT_CODE(fs->Open(archive + "/collections/c/meta/data.jsonl/x", OpenMode::kRead, &fd),
                  Code::kNotFound);
  ZDS_EXPECT_CODE(fs->Open(archive + "x/top.txt", OpenMode::kRead, &fd), Code::kNotFound);
  ZDS_EXPECT_CODE(fs->Open("/elsewhere/top.txt", OpenMode::kRead, &fd), Code::kNotFound);
  std::string text;
  ZDS_EXPECT_CODE(fs->ReadAll(archive + "/collections/c/meta/missing.json", &text), Code::kNotFound);
  FileInfo info;
  ZDS_ASSERT_OK(fs->Stat(archive + "/collections/zzz", &info));  // as POSIX: no error, !exists
  EXPECT_FALSE(info.exists);
  ZDS_ASSERT_OK(fs->Stat(tmp.path(), &info));  // outside the mount
  EXPECT_FALSE(info.exists);
  std::vector<std::string> names = {"stale"};
  ZDS_ASSERT_OK(fs->ListDir(archive + "/collections/zzz", &names));
  EXPECT_TRUE(names.empty());
  ZDS_EXPECT_CODE(fs->ListDir(archive + "/top.txt", &names), Code::kNotDir);
  std::string real;
  ZDS_EXPECT_CODE(fs->RealPath(archive + "/nope", &real), Code::kNotFound);
  // Descriptors this file system never handed out.
  uint64_t size = 0;
  ZDS_EXPECT_CODE(fs->Size(3, &size), Code::kInvalidArg);
  ZDS_EXPECT_CODE(fs->Size(ZipFileSystem::kFirstFd + 1000, &size), Code::kInvalidArg);
}

TEST(ZipFileSystemTest, EveryWriteIsReadOnly) {
  TempDir tmp;
  const std::string archive = tmp.Sub("w.zds");
  WriteLibzip(archive, SampleFiles(), Method::kStore);
  const std::string before = ReadFile(archive);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  const std::string file = archive + "/top.txt";
  int fd = -1;
  ZDS_EXPECT_CODE(fs->Open(file, OpenMode::kReadWrite, &fd), Code::kReadOnly);
  ZDS_EXPECT_CODE(fs->Open(file, OpenMode::kCreateTrunc, &fd), Code::kReadOnly);
  ZDS_EXPECT_CODE(fs->Open(archive + "/new.txt", OpenMode::kReadWrite, &fd), Code::kReadOnly);
  ZDS_ASSERT_OK(fs->Open(file, OpenMode::kRead, &fd));
  size_t written = 7;
  ZDS_EXPECT_CODE(fs->PWrite(fd, "x", 1, 0, &written), Code::kReadOnly);
  EXPECT_EQ(written, 0u);
  ZDS_EXPECT_CODE(fs->Truncate(fd, 0), Code::kReadOnly);
  ZDS_EXPECT_CODE(fs->Sync(fd), Code::kReadOnly);
  ZDS_EXPECT_CODE(fs->TryLock(fd, file), Code::kReadOnly);
  fs->StartWriteback(fd, 0, 1);
  fs->Close(fd);
  ZDS_EXPECT_CODE(fs->Rename(file, archive + "/b.txt"), Code::kReadOnly);
  ZDS_EXPECT_CODE(fs->Unlink(file), Code::kReadOnly);
  ZDS_EXPECT_CODE(fs->MakeDir(archive + "/newdir"), Code::kReadOnly);
  ZDS_EXPECT_CODE(fs->MakeDirs(archive + "/a/b"), Code::kReadOnly);
  ZDS_EXPECT_CODE(fs->SyncDir(archive), Code::kReadOnly);
  const zds::Status st = fs->WriteFileAtomic(file, "new");
  ZDS_EXPECT_CODE(st, Code::kReadOnly);
  EXPECT_NE(st.message().find("unpack it to write"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(archive), std::string::npos) << st.message();
  // The descriptor still reads after Close (Close of a virtual fd is a no-op).
  EXPECT_EQ(ReadVia(fs.get(), file), "top level\n");
  EXPECT_EQ(ReadFile(archive), before);
}

TEST(ZipFileSystemTest, PathsAreNormalisedAndMountCanBeAnywhere) {
  TempDir tmp;
  const std::string archive = tmp.Sub("n.zds");
  WriteLibzip(archive, SampleFiles(), Method::kStore);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs, "/virtual//store/"));
  EXPECT_EQ(fs->mount_path(), "/virtual/store");
  EXPECT_EQ(ReadVia(fs.get(), "/virtual/store/top.txt"), "top level\n");
  EXPECT_EQ(ReadVia(fs.get(), "/virtual/store/./collections//c/../../top.txt"), "top level\n");
  std::string real;
  ZDS_ASSERT_OK(fs->RealPath("/virtual/store/", &real));
  EXPECT_EQ(real, "/virtual/store");
  ZDS_ASSERT_OK(fs->RealPath("/virtual/./store/collections/c/../d", &real));
  EXPECT_EQ(real, "/virtual/store/collections/d");
  FileInfo info;
  ZDS_ASSERT_OK(fs->Stat("/virtual", &info));  // above the mount: not ours
  EXPECT_FALSE(info.exists);
  ZDS_ASSERT_OK(fs->Stat("/virtual/store", &info));
  EXPECT_TRUE(info.exists && info.is_dir);
  // The archive's own path means nothing here.
  ZDS_ASSERT_OK(fs->Stat(archive + "/top.txt", &info));
  EXPECT_FALSE(info.exists);
}

TEST(ZipFileSystemTest, ConcurrentFirstOpensAndReads) {
  TempDir tmp;
  const std::string archive = tmp.Sub("t.zds");
  Files files;
  for (int i = 0; i < 8; ++i) files["f" + std::to_string(i)] = Compressible(300 * 1024, i * 1000);
  WriteLibzip(archive, files, Method::kDeflate);
  WriteLibzip(tmp.Sub("s.zds"), files, Method::kStore);
  for (const std::string& which : {archive, tmp.Sub("s.zds")}) {
    std::unique_ptr<ZipFileSystem> fs;
    ZDS_ASSERT_OK(OpenFs(which, &fs));
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t]() {
        for (int round = 0; round < 4; ++round) {
          for (int k = 0; k < 8; ++k) {
            const std::string name = "f" + std::to_string((k + t) % 8);
            const std::string& want = files.at(name);
            int fd = -1;
            if (!fs->Open(which + "/" + name, OpenMode::kRead, &fd).ok()) {
              ++errors;
              continue;
            }
            std::string got;
            const uint64_t off = static_cast<uint64_t>(t * 1000 + round * 77);
            if (!fs->ReadRange(fd, off, 5000, &got).ok() || got != want.substr(off, 5000)) ++errors;
            const char* addr = nullptr;
            if (!fs->MapReadOnly(fd, want.size(), &addr).ok() || std::string(addr, want.size()) != want) {
              ++errors;
            } else {
              fs->Unmap(addr, want.size());
            }
            fs->Close(fd);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(errors.load(), 0) << which;
  }
}

TEST(ZipFileSystemTest, IoErrorsOfTheArchiveAreIo) {
  TempDir tmp;
  const std::string archive = tmp.Sub("io.zds");
  WriteLibzip(archive, {{"s.txt", Compressible(1000)}}, Method::kStore);
  WriteLibzip(tmp.Sub("d.zds"), {{"d.txt", Compressible(1000)}}, Method::kDeflate);
  FaultyFileSystem base;
  Fault fault;
  fault.op = Op::kPRead;
  fault.err = EIO;
  fault.times = -1;
  fault.path_contains = ".zds";
  // While reading the directory.
  base.Inject(fault);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_EXPECT_CODE(ZipFileSystem::Open(&base, archive, archive, &fs), Code::kIo);
  // While reading entries.
  base.ClearFaults();
  ZDS_ASSERT_OK(ZipFileSystem::Open(&base, archive, archive, &fs));
  std::unique_ptr<ZipFileSystem> dfs;
  ZDS_ASSERT_OK(ZipFileSystem::Open(&base, tmp.Sub("d.zds"), tmp.Sub("d.zds"), &dfs));
  base.Inject(fault);
  std::string text;
  ZDS_EXPECT_CODE(fs->ReadAll(archive + "/s.txt", &text), Code::kIo);
  int fd = -1;
  ZDS_EXPECT_CODE(dfs->Open(tmp.Sub("d.zds") + "/d.txt", OpenMode::kRead, &fd), Code::kIo);
  // A transient failure is not remembered.
  base.ClearFaults();
  EXPECT_EQ(ReadVia(dfs.get(), tmp.Sub("d.zds") + "/d.txt"), Compressible(1000));
  EXPECT_TRUE(base.MutatingCalls().empty());
}

// ---------------------------------------------------------------- hand-built archives

TEST(ZipDirectoryTest, Zip64RecordsAndExtraFields) {
  TempDir tmp;
  const std::string archive = tmp.Sub("z64.zds");
  std::vector<RawEntry> entries(3);
  entries[0].name = "collections/c/meta/data.jsonl";
  entries[0].data = Compressible(10000);
  entries[0].zip64 = true;
  entries[1].name = "collections/c/meta/index.bin";
  entries[1].data = Compressible(20000, 3);
  entries[1].method = 8;
  entries[1].zip64 = true;
  entries[2].name = "plain.txt";
  entries[2].data = "no zip64 here";
  const RawZip z = BuildZip(entries, /*zip64_end=*/true);
  WriteFile(archive, z.bytes);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  ASSERT_EQ(fs->entries().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const ZipEntry& e = fs->entries()[i];
    EXPECT_EQ(e.name, entries[i].name);
    EXPECT_EQ(e.size, entries[i].data.size());
    EXPECT_EQ(e.local_header_offset, z.local[i]);
    EXPECT_EQ(e.data_offset, z.data[i]);  // past the local ZIP64 extra field
    EXPECT_EQ(e.crc32, Crc(entries[i].data));
    EXPECT_EQ(e.external_attributes, 0100644u << 16);
  }
  ExpectTree(fs.get(), archive,
             {{entries[0].name, entries[0].data},
              {entries[1].name, entries[1].data},
              {entries[2].name, entries[2].data}});
}

TEST(ZipDirectoryTest, DataDescriptorsCommentsAndOddNames) {
  TempDir tmp;
  const std::string archive = tmp.Sub("dd.zds");
  std::vector<RawEntry> entries(4);
  entries[0].name = "./collections/c/meta/data.jsonl";
  entries[0].data = Compressible(3000);
  entries[0].descriptor = true;
  entries[1].name = "collections\\c\\meta\\manifest.json";
  entries[1].data = "{}";
  entries[1].method = 8;
  entries[1].descriptor = true;
  entries[1].zip64 = true;
  entries[2].name = "./";  // the root itself: carries nothing
  entries[2].external = 040755u << 16;
  entries[3].name = "a//b/./c.txt";
  entries[3].data = "c";
  // A comment that itself holds an end-record signature must not fool the search.
  std::string comment = "PK\x05\x06 is not where the end record is, though it looks like one";
  const RawZip z = BuildZip(entries, false, comment);
  WriteFile(archive, z.bytes);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  ASSERT_EQ(fs->entries().size(), 3u);
  EXPECT_EQ(fs->entries()[0].name, "collections/c/meta/data.jsonl");
  EXPECT_EQ(fs->entries()[1].name, "collections/c/meta/manifest.json");
  EXPECT_EQ(fs->entries()[2].name, "a/b/c.txt");
  EXPECT_NE(fs->entries()[0].flags & 8, 0);
  ExpectTree(fs.get(), archive,
             {{"collections/c/meta/data.jsonl", entries[0].data},
              {"collections/c/meta/manifest.json", "{}"},
              {"a/b/c.txt", "c"}});
}

TEST(ZipDirectoryTest, EmptyArchive) {
  TempDir tmp;
  const std::string archive = tmp.Sub("empty.zds");
  WriteFile(archive, BuildZip({}).bytes);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  EXPECT_TRUE(fs->entries().empty());
  std::vector<std::string> names;
  ZDS_ASSERT_OK(fs->ListDir(archive, &names));
  EXPECT_TRUE(names.empty());
  FileInfo info;
  ZDS_ASSERT_OK(fs->Stat(archive, &info));
  EXPECT_TRUE(info.exists && info.is_dir);
}

// ---------------------------------------------------------------- damage

class ZipDamageTest : public ::testing::Test {
 protected:
  // A small valid archive: one stored and one deflated entry.
  RawZip Good() {
    std::vector<RawEntry> e(2);
    e[0].name = "stored.txt";
    e[0].data = Compressible(2000);
    e[1].name = "deflated.txt";
    e[1].data = Compressible(4000, 5);
    e[1].method = 8;
    return BuildZip(e);
  }
  zds::Status OpenBytes(const std::string& bytes, std::unique_ptr<ZipFileSystem>* fs = nullptr) {
    WriteFile(archive(), bytes);
    std::unique_ptr<ZipFileSystem> local;
    return OpenFs(archive(), fs ? fs : &local);
  }
  std::string archive() const { return tmp_.Sub("bad.zds"); }
  void ExpectBad(const std::string& bytes, const std::string& words) {
    const zds::Status st = OpenBytes(bytes);
    ZDS_EXPECT_CODE(st, Code::kBadArchive);
    EXPECT_NE(st.message().find(words), std::string::npos) << st.message();
  }
  TempDir tmp_;
};

TEST_F(ZipDamageTest, GoodArchiveOpens) {
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenBytes(Good().bytes, &fs));
  EXPECT_EQ(ReadVia(fs.get(), archive() + "/deflated.txt"), Compressible(4000, 5));
}

TEST_F(ZipDamageTest, NotAZipOrTruncated) {
  ExpectBad("", "too short");
  ExpectBad("hello, this is plain text and not an archive at all", "no end of central directory");
  const std::string good = Good().bytes;
  ExpectBad(good.substr(0, good.size() / 2), "no end of central directory");
  ExpectBad(good.substr(0, good.size() - 1), "no end of central directory");
  // The front cut off: every offset now points past where it should.
  const RawZip z = Good();
  ExpectBad(z.bytes.substr(100), "outside the file");
  // Trailing bytes after the end record.
  ExpectBad(good + "junk", "no end of central directory");
  // A directory is not an archive.
  MakeDirs(tmp_.Sub("dir.zds"));
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_EXPECT_CODE(OpenFs(tmp_.Sub("dir.zds"), &fs), Code::kBadArchive);
  ZDS_EXPECT_CODE(OpenFs(tmp_.Sub("absent.zds"), &fs), Code::kNotFound);
}

TEST_F(ZipDamageTest, BadSignatures) {
  RawZip z = Good();
  std::string b = z.bytes;
  Patch(&b, z.central[1], 0x02014b51, 4);
  ExpectBad(b, "central directory header signature");
  b = z.bytes;
  Patch(&b, z.local[1], 0x04034b51, 4);
  ExpectBad(b, "bad local header signature");
  // Local and central names disagree.
  b = z.bytes;
  b[z.local[0] + 30] = 'S';
  ExpectBad(b, "different name in its local header");
}

TEST_F(ZipDamageTest, EntryDataOutsideTheFile) {
  RawZip z = Good();
  std::string b = z.bytes;
  // Stored entry: both sizes say 1 GiB.
  Patch(&b, z.central[0] + 20, 1u << 30, 4);
  Patch(&b, z.central[0] + 24, 1u << 30, 4);
  ExpectBad(b, "data outside the file");
  b = z.bytes;
  Patch(&b, z.central[1] + 42, 0x7FFFFFF0, 4);  // local header offset
  ExpectBad(b, "local header outside the file");
  b = z.bytes;
  Patch(&b, z.end_offset + 16, 0x7FFFFFF0, 4);  // central directory offset
  ExpectBad(b, "central directory outside the file");
  b = z.bytes;
  Patch(&b, z.end_offset + 10, 3, 2);  // three entries claimed, two present
  Patch(&b, z.end_offset + 8, 3, 2);
  ExpectBad(b, "claims more entries");
  b = z.bytes;
  Patch(&b, z.end_offset + 10, 1, 2);  // one entry claimed, two present
  Patch(&b, z.end_offset + 8, 1, 2);
  ExpectBad(b, "stray bytes");
  // Stored sizes that disagree.
  b = z.bytes;
  Patch(&b, z.central[0] + 24, 1999, 4);
  ExpectBad(b, "sizes differ");
}

TEST_F(ZipDamageTest, EncryptedEntriesAreRefused) {
  std::vector<RawEntry> e(1);
  e[0].name = "secret.txt";
  e[0].data = "x";
  e[0].flags = 1;
  ExpectBad(BuildZip(e).bytes, "is encrypted");

  if (zip_encryption_method_supported(ZIP_EM_TRAD_PKWARE, 1)) {
    int err = 0;
    const std::string path = tmp_.Sub("enc.zds");
    zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(za, nullptr);
    const std::string data = "top secret";
    const zip_int64_t idx = zip_file_add(za, "s.txt", zip_source_buffer(za, data.data(), data.size(), 0), 0);
    ASSERT_GE(idx, 0);
    ASSERT_EQ(zip_file_set_encryption(za, static_cast<zip_uint64_t>(idx), ZIP_EM_TRAD_PKWARE, "pw"), 0);
    ASSERT_EQ(zip_close(za), 0);
    std::unique_ptr<ZipFileSystem> fs;
    const zds::Status st = OpenFs(path, &fs);
    ZDS_EXPECT_CODE(st, Code::kBadArchive);
    EXPECT_NE(st.message().find("'s.txt'"), std::string::npos) << st.message();
  }
}

TEST_F(ZipDamageTest, BadCrcOfDeflatedEntry) {
  RawZip z = Good();
  std::string b = z.bytes;
  Patch(&b, z.central[1] + 16, Crc(Compressible(4000, 5)) ^ 1, 4);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenBytes(b, &fs));  // the directory itself is fine
  int fd = -1;
  const zds::Status st = fs->Open(archive() + "/deflated.txt", OpenMode::kRead, &fd);
  ZDS_EXPECT_CODE(st, Code::kBadArchive);
  EXPECT_NE(st.message().find("'deflated.txt'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("CRC"), std::string::npos) << st.message();
  // Still refused the second time (nothing half-inflated was kept).
  ZDS_EXPECT_CODE(fs->Open(archive() + "/deflated.txt", OpenMode::kRead, &fd), Code::kBadArchive);
  EXPECT_EQ(ReadVia(fs.get(), archive() + "/stored.txt"), Compressible(2000));
}

TEST_F(ZipDamageTest, BadCrcOfStoredEntryOnWholeRead) {
  RawZip z = Good();
  std::string b = z.bytes;
  Patch(&b, z.central[0] + 16, Crc(Compressible(2000)) ^ 0x100, 4);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenBytes(b, &fs));
  int fd = -1;
  ZDS_ASSERT_OK(fs->Open(archive() + "/stored.txt", OpenMode::kRead, &fd));
  std::string part;
  ZDS_EXPECT_OK(fs->ReadRange(fd, 10, 100, &part));  // partial reads are not checked
  std::string all;
  ZDS_EXPECT_CODE(fs->ReadAll(archive() + "/stored.txt", &all), Code::kBadArchive);
  // A flipped data byte is caught the same way.
  b = z.bytes;
  b[z.data[0] + 5] ^= 0x20;
  ZDS_ASSERT_OK(OpenBytes(b, &fs));
  ZDS_EXPECT_CODE(fs->ReadAll(archive() + "/stored.txt", &all), Code::kBadArchive);
}

TEST_F(ZipDamageTest, DeflatedEntryOfTheWrongSizeOrData) {
  RawZip z = Good();
  std::string b = z.bytes;
  Patch(&b, z.central[1] + 24, 4001, 4);  // says one byte more than it inflates to
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenBytes(b, &fs));
  int fd = -1;
  ZDS_EXPECT_CODE(fs->Open(archive() + "/deflated.txt", OpenMode::kRead, &fd), Code::kBadArchive);
  b = z.bytes;
  Patch(&b, z.central[1] + 24, 3999, 4);  // one byte less
  ZDS_ASSERT_OK(OpenBytes(b, &fs));
  ZDS_EXPECT_CODE(fs->Open(archive() + "/deflated.txt", OpenMode::kRead, &fd), Code::kBadArchive);
  b = z.bytes;
  Patch(&b, z.central[1] + 24, 0xF0000000, 4);  // an impossible ratio: refused before allocating
  ZDS_ASSERT_OK(OpenBytes(b, &fs));
  const zds::Status st = fs->Open(archive() + "/deflated.txt", OpenMode::kRead, &fd);
  ZDS_EXPECT_CODE(st, Code::kBadArchive);
  EXPECT_NE(st.message().find("cannot hold"), std::string::npos) << st.message();
  // Garbage instead of a deflate stream.
  b = z.bytes;
  for (uint64_t i = 0; i < 16; ++i) b[z.data[1] + i] = static_cast<char>(0xFF);
  ZDS_ASSERT_OK(OpenBytes(b, &fs));
  ZDS_EXPECT_CODE(fs->Open(archive() + "/deflated.txt", OpenMode::kRead, &fd), Code::kBadArchive);
}

TEST_F(ZipDamageTest, UnsupportedMethodIsRefusedWhenOpened) {
  std::vector<RawEntry> e(2);
  e[0].name = "bzip2.bin";
  e[0].data = "whatever";
  e[0].method = 12;
  e[0].raw_payload = "BZh9not really";
  e[1].name = "ok.txt";
  e[1].data = "fine";
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenBytes(BuildZip(e).bytes, &fs));
  FileInfo info;
  ZDS_ASSERT_OK(fs->Stat(archive() + "/bzip2.bin", &info));
  EXPECT_TRUE(info.exists);
  int fd = -1;
  const zds::Status st = fs->Open(archive() + "/bzip2.bin", OpenMode::kRead, &fd);
  ZDS_EXPECT_CODE(st, Code::kBadArchive);
  EXPECT_NE(st.message().find("compression method 12"), std::string::npos) << st.message();
  EXPECT_EQ(ReadVia(fs.get(), archive() + "/ok.txt"), "fine");
}

TEST_F(ZipDamageTest, NamesThatCannotBeMounted) {
  std::vector<RawEntry> e(2);
  e[0].name = "a.txt";
  e[0].data = "1";
  e[1].name = "b.txt";
  e[1].data = "2";
  RawZip z = BuildZip(e);
  // Duplicates, made by renaming b.txt to a.txt in both headers.
  std::string b = z.bytes;
  b[z.local[1] + 30] = 'a';
  b[z.central[1] + 46] = 'a';
  ExpectBad(b, "holds 'a.txt' twice");
  // The same name through '\\' and "./".
  e[1].name = ".\\a.txt";
  ExpectBad(BuildZip(e).bytes, "twice");
  e[1].name = "../escape.txt";
  ExpectBad(BuildZip(e).bytes, "'..'");
  e[1].name = "/etc/passwd";
  ExpectBad(BuildZip(e).bytes, "absolute");
  e[1].name = std::string("nul\0byte", 8);
  ExpectBad(BuildZip(e).bytes, "NUL");
  e[1].name = "a.txt/inner.txt";  // a.txt is a file
  ExpectBad(BuildZip(e).bytes, "both a file and a directory");
  e[1].name = "a.txt/";  // and an explicit directory
  e[1].data = "";
  ExpectBad(BuildZip(e).bytes, "twice");
  e[1].name = "link";
  e[1].data = "/etc/passwd";
  e[1].external = 0120777u << 16;
  ExpectBad(BuildZip(e).bytes, "symbolic link");
}

TEST_F(ZipDamageTest, OverlappingEntries) {
  // Entry "b.txt"'s local header and data lie inside the data of "a.bin".
  std::vector<RawEntry> inner(1);
  inner[0].name = "b.txt";
  inner[0].data = "hello";
  const RawZip in = BuildZip(inner);
  const std::string local_b = in.bytes.substr(0, in.cd_offset);
  std::vector<RawEntry> e(2);
  e[0].name = "a.bin";
  e[0].data = local_b;
  e[1].name = "b.txt";
  e[1].data = "hello";
  e[1].write_local = false;
  e[1].local_offset = 30 + e[0].name.size();  // a.bin's data offset
  ExpectBad(BuildZip(e).bytes, "overlaps");
}

TEST_F(ZipDamageTest, Zip64Damage) {
  std::vector<RawEntry> e(1);
  e[0].name = "x.txt";
  e[0].data = "x";
  e[0].zip64 = true;
  RawZip z = BuildZip(e, true);
  std::string b = z.bytes;
  // The locator's record offset points at garbage.
  Patch(&b, z.end_offset - 20 + 8, 1, 8);
  ExpectBad(b, "ZIP64 end of central directory signature");
  // Saturated fields without a locator.
  b = z.bytes;
  Patch(&b, z.end_offset - 20, 0, 4);
  ExpectBad(b, "needs a ZIP64 end of central directory record");
  // The extra field is too short for the saturated fields.
  b = z.bytes;
  Patch(&b, z.central[0] + 46 + 5 + 2, 8, 2);
  ExpectBad(b, "ZIP64 extra field too short");
  // Spanned over several disks.
  b = z.bytes;
  Patch(&b, z.end_offset - 20 + 16, 2, 4);
  ExpectBad(b, "several disks");
}

// ---------------------------------------------------------------- other writers

void ExpectArchiveOf(const std::string& archive, const Files& files) {
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  ExpectTree(fs.get(), archive, files);
}

TEST(ZipOtherWritersTest, InfoZip) {
  if (!HaveTool("/usr/bin/zip")) GTEST_SKIP() << "no /usr/bin/zip";
  TempDir tmp;
  const Files files = SampleFiles();
  const std::string src = tmp.Sub("src");
  WriteTree(src, files);
  struct Variant {
    const char* name;
    std::string cmd;
  };
  const std::vector<Variant> variants = {
      {"plain", "cd " + src + " && zip -q -r ../plain.zds ."},
      {"stored", "cd " + src + " && zip -q -r -0 ../stored.zds ."},
      {"descriptors", "cd " + src + " && zip -q -r -fd ../descriptors.zds ."},
      {"zip64", "cd " + src + " && zip -q -r -fz ../zip64.zds ."},
      // Written to a pipe: no seeking back, so data descriptors throughout.
      {"streamed", "cd " + src + " && zip -q -r - . | cat > ../streamed.zds"},
  };
  for (const auto& v : variants) {
    SCOPED_TRACE(v.name);
    if (Shell(v.cmd + " 2>/dev/null") != 0) {
      // -fd is not in every Info-ZIP build.
      std::printf("zip variant %s unavailable, skipped\n", v.name);
      continue;
    }
    const std::string archive = tmp.Sub(std::string(v.name) + ".zds");
    ExpectArchiveOf(archive, files);
  }
}

const char* kPythonWriter = R"PY(
import os, sys, zipfile
src, mode = sys.argv[1], sys.argv[2]
out = sys.stdout.buffer if mode == "pipe" else open(sys.argv[3], "wb")
with zipfile.ZipFile(out, "w") as zf:
    n = 0
    for root, dirs, files in sorted(os.walk(src)):
        dirs.sort()
        for f in sorted(files):
            path = os.path.join(root, f)
            arc = os.path.relpath(path, src)
            method = zipfile.ZIP_DEFLATED if n % 2 else zipfile.ZIP_STORED
            info = zipfile.ZipInfo(arc, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = method
            with open(path, "rb") as fh, zf.open(info, "w", force_zip64=(mode == "zip64" or n % 3 == 0)) as w:
                w.write(fh.read())
            n += 1
)PY";

TEST(ZipOtherWritersTest, PythonZipfile) {
  if (!HavePython()) GTEST_SKIP() << "no python3 with zipfile";
  TempDir tmp;
  const Files files = SampleFiles();
  const std::string src = tmp.Sub("src");
  WriteTree(src, files);
  WriteFile(tmp.Sub("w.py"), kPythonWriter);
  const std::string py = "python3 " + tmp.Sub("w.py") + " " + src;
  // zip64: ZIP64 local extra fields; pipe: data descriptors (Python cannot seek back).
  ASSERT_EQ(Shell(py + " zip64 " + tmp.Sub("zip64.zds")), 0);
  ASSERT_EQ(Shell(py + " pipe | cat > " + tmp.Sub("pipe.zds")), 0);
  ASSERT_EQ(Shell(py + " file " + tmp.Sub("file.zds")), 0);
  for (const char* name : {"zip64.zds", "pipe.zds", "file.zds"}) {
    SCOPED_TRACE(name);
    ExpectArchiveOf(tmp.Sub(name), files);
  }
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(tmp.Sub("pipe.zds"), &fs));
  for (const ZipEntry& e : fs->entries())
    EXPECT_NE(e.flags & 8, 0) << e.name << ": expected a data descriptor";
}

// ---------------------------------------------------------------- the engine on an archive

class ZipStoreTest : public StoreTest {
 protected:
  // A store with two collections, overwrites and deletes.
  void SeedStore() {
    std::shared_ptr<zds::Root> root;
    std::shared_ptr<zds::Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll));
    for (int i = 0; i < 300; ++i) {
      const std::string id = "doc" + std::to_string(i);
      ZDS_ASSERT_OK(coll->Put(
          id, Doc(id, "\"n\":" + std::to_string(i) + ",\"s\":\"" + std::string(i % 50, 'x') + "\"")));
    }
    for (int i = 0; i < 300; i += 7) ZDS_ASSERT_OK(coll->Delete("doc" + std::to_string(i)));
    for (int i = 1; i < 300; i += 11) {
      if (i % 7 != 0)
        ZDS_ASSERT_OK(coll->Put("doc" + std::to_string(i), Doc("doc" + std::to_string(i), "\"v\":2")));
    }
    ZDS_ASSERT_OK(coll->Checkpoint());
    std::shared_ptr<zds::Collection> other;
    ZDS_ASSERT_OK(root->OpenCollection("other", {}, &other));
    ZDS_ASSERT_OK(other->Put("only", Doc("only", "\"x\":true")));
    ZDS_ASSERT_OK(other->Checkpoint());
    expected_ = Dump(coll.get());
    ASSERT_EQ(expected_.size(), 300u - 43u);
  }

  // Zips the store folder with libzip, directories as entries of their own.
  void Pack(const std::string& archive, Method method, bool with_index = true) {
    std::vector<std::string> dirs;
    Files files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(store())) {
      const std::string rel = std::filesystem::relative(e.path(), store()).generic_string();
      if (rel == ".zds" || rel.rfind(".zds/", 0) == 0) continue;
      if (e.is_directory()) dirs.push_back(rel + "/");
      if (e.is_regular_file() && (with_index || e.path().filename() != zds::format::kIndexFile))
        files[rel] = ReadFile(e.path().string());
    }
    std::sort(dirs.begin(), dirs.end());
    WriteLibzip(archive, files, method, dirs);
  }

  void ExpectSameStore(const std::string& archive, bool expect_index_used) {
    std::unique_ptr<ZipFileSystem> fs;
    ZDS_ASSERT_OK(OpenFs(archive, &fs));
    std::shared_ptr<zds::Root> root;
    ZDS_ASSERT_OK(zds::Root::Open(fs.get(), archive, /*read_only=*/true, &root));
    EXPECT_EQ(root->path(), archive);
    std::vector<std::string> names;
    ZDS_ASSERT_OK(root->ListCollections(&names));
    EXPECT_EQ(names, std::vector<std::string>({"c", "other"}));
    bool exists = false;
    ZDS_ASSERT_OK(root->CollectionExists("c", &exists));
    EXPECT_TRUE(exists);
    ZDS_ASSERT_OK(root->CollectionExists("nope", &exists));
    EXPECT_FALSE(exists);
    std::shared_ptr<zds::Collection> missing;
    ZDS_EXPECT_CODE(root->OpenCollection("nope", {}, &missing), Code::kNotFound);

    std::shared_ptr<zds::Collection> coll;
    ZDS_ASSERT_OK(root->OpenCollection("c", {}, &coll));
    EXPECT_TRUE(coll->read_only());
    const zds::RecoveryReport report = coll->recovery();
    EXPECT_EQ(report.index_rebuilt, !expect_index_used) << report.index_reason;
    EXPECT_EQ(report.truncated_bytes, 0u);
    EXPECT_EQ(coll->Count(), expected_.size());
    EXPECT_EQ(Dump(coll.get()), expected_);
    std::string line;
    ZDS_EXPECT_CODE(coll->Get("doc0", &line), Code::kNotFound);  // deleted
    ZDS_ASSERT_OK(coll->Get("doc1", &line));
    EXPECT_EQ(line, Doc("doc1", "\"v\":2"));
    // Zero-copy gets (mapped) from several threads at once.
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&]() {
        for (const auto& [id, want] : expected_) {
          std::string scratch;
          zds::LineView view;
          if (!coll->Get(id, &scratch, &view).ok() || view.text != want) ++errors;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(errors.load(), 0);

    std::unique_ptr<zds::Cursor> cursor;
    ZDS_ASSERT_OK(coll->NewCursor(&cursor));
    std::string scanned;
    zds::Batch batch;
    while (!cursor->done()) {
      ZDS_ASSERT_OK(cursor->Next(50, 1 << 20, zds::BatchForm::kJsonl, &batch));
      scanned += batch.bytes;
    }
    std::multiset<std::string> got, want;
    for (const auto& l : SplitLines(scanned)) got.insert(l);
    for (const auto& [id, l] : expected_) want.insert(l);
    EXPECT_EQ(got, want);

    // Writes through the read-only handle are refused, and nothing changes.
    ZDS_EXPECT_CODE(coll->Put("new", Doc("new")), Code::kReadOnly);
    ZDS_EXPECT_OK(coll->Refresh());
    EXPECT_EQ(coll->Count(), expected_.size());

    std::shared_ptr<zds::Collection> other;
    ZDS_ASSERT_OK(root->OpenCollection("other", {}, &other));
    ZDS_ASSERT_OK(other->Get("only", &line));
    EXPECT_EQ(line, Doc("only", "\"x\":true"));

    // A writable open cannot take the lock in an archive.
    std::shared_ptr<zds::Root> writer;
    ZDS_EXPECT_CODE(zds::Root::Open(fs.get(), archive, /*read_only=*/false, &writer), Code::kReadOnly);
  }

  std::vector<std::pair<std::string, std::string>> expected_;
};

TEST_F(ZipStoreTest, OpenInPlaceStored) {
  SeedStore();
  const std::string archive = tmp_.Sub("store.zds");
  Pack(archive, Method::kStore);
  const std::string before = ReadFile(archive);
  ExpectSameStore(archive, /*expect_index_used=*/true);
  EXPECT_EQ(ReadFile(archive), before);
}

TEST_F(ZipStoreTest, OpenInPlaceDeflated) {
  SeedStore();
  const std::string archive = tmp_.Sub("store.zds");
  Pack(archive, Method::kDeflate);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  const ZipEntry* data = fs->FindEntry("collections/c/meta/data.jsonl");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->method, zds::kZipMethodDeflate);
  ExpectSameStore(archive, /*expect_index_used=*/true);
}

TEST_F(ZipStoreTest, OpenInPlaceWithoutIndex) {
  SeedStore();
  for (Method m : {Method::kStore, Method::kDeflate}) {
    const std::string archive = tmp_.Sub(m == Method::kStore ? "noindex-s.zds" : "noindex-d.zds");
    Pack(archive, m, /*with_index=*/false);
    ExpectSameStore(archive, /*expect_index_used=*/false);
  }
}

TEST_F(ZipStoreTest, NothingIsWrittenThroughTheBase) {
  SeedStore();
  const std::string archive = tmp_.Sub("store.zds");
  Pack(archive, Method::kStore);
  FaultyFileSystem base;
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(ZipFileSystem::Open(&base, archive, archive, &fs));
  {
    std::shared_ptr<zds::Root> root;
    ZDS_ASSERT_OK(zds::Root::Open(fs.get(), archive, /*read_only=*/true, &root));
    std::shared_ptr<zds::Collection> coll;
    ZDS_ASSERT_OK(root->OpenCollection("c", {}, &coll));
    EXPECT_EQ(Dump(coll.get()), expected_);
    std::shared_ptr<zds::Root> writer;
    ZDS_EXPECT_CODE(zds::Root::Open(fs.get(), archive, /*read_only=*/false, &writer), Code::kReadOnly);
  }
  EXPECT_TRUE(base.MutatingCalls().empty());
  EXPECT_EQ(base.Count(Op::kOpen), 1u);  // the archive, once
}

TEST_F(ZipStoreTest, ArchiveInsideAnArchiveFallsBackToReads) {
  SeedStore();
  const std::string inner = tmp_.Sub("inner.zds");
  Pack(inner, Method::kStore);
  const std::string outer = tmp_.Sub("outer.zip");
  WriteLibzip(outer, {{"inner.zds", ReadFile(inner)}, {"note.txt", "deflated"}}, Method::kStore);
  std::unique_ptr<ZipFileSystem> outer_fs;
  ZDS_ASSERT_OK(OpenFs(outer, &outer_fs));
  // The inner archive's descriptors are virtual: it cannot be mmapped, and
  // the engine reads instead.
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(ZipFileSystem::Open(outer_fs.get(), outer + "/inner.zds", "/mnt/inner", &fs));
  int fd = -1;
  ZDS_ASSERT_OK(fs->Open("/mnt/inner/collections/c/meta/data.jsonl", OpenMode::kRead, &fd));
  const char* addr = nullptr;
  ZDS_EXPECT_CODE(fs->MapReadOnly(fd, 1, &addr), Code::kIo);
  std::shared_ptr<zds::Root> root;
  ZDS_ASSERT_OK(zds::Root::Open(fs.get(), "/mnt/inner", /*read_only=*/true, &root));
  std::shared_ptr<zds::Collection> coll;
  ZDS_ASSERT_OK(root->OpenCollection("c", {}, &coll));
  EXPECT_FALSE(coll->recovery().index_rebuilt) << coll->recovery().index_reason;
  EXPECT_EQ(Dump(coll.get()), expected_);
}

TEST_F(ZipStoreTest, OpenInPlaceFromInfoZip) {
  if (!HaveTool("/usr/bin/zip")) GTEST_SKIP() << "no /usr/bin/zip";
  SeedStore();
  const std::string archive = tmp_.Sub("infozip.zds");
  ASSERT_EQ(Shell("cd " + store() + " && zip -q -r " + archive + " . -x '.zds' '.zds/*'"), 0);
  ExpectSameStore(archive, /*expect_index_used=*/true);
  std::unique_ptr<ZipFileSystem> fs;
  ZDS_ASSERT_OK(OpenFs(archive, &fs));
  ExpectTree(fs.get(), archive, ReadTreeFromDisk(store()));
}

}  // namespace
}  // namespace zds_test
