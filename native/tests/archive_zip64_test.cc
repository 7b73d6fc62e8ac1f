// ZIP64 in .zds archives (FORMAT.md "Archives"): a collection whose
// data.jsonl is larger than 4 GiB packs into a valid ZIP64 archive. The big
// file is simulated: a FileSystem wrapper reports a size of 4 GiB + 1 MiB
// for one small real file and serves the bytes past its end as a repeating
// JSON line padded with spaces, so nothing large is ever on disk. Packed
// with deflate level 1 the archive is ~22 MB; the checks read its headers
// byte by byte, through ZipDirectory, InspectArchive and (when installed)
// unzip, whose -t inflates all 4 GiB and checks the CRC-32.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/archive.h"
#include "engine/file_system.h"
#include "engine/zip_directory.h"
#include "test_util.h"

namespace zds_test {
namespace {

constexpr uint64_t kFakeSize = (4ull << 30) + (1ull << 20);  // 4 GiB + 1 MiB
constexpr uint64_t kZip32Max = 0xFFFFFFFFull;
// What the fake file holds past its real bytes, over and over: a JSON line
// padded with spaces (blank as far as JSONL goes). Runs of one byte deflate
// fastest and smallest, like zeros; the line and the odd period (4097, not a
// divisor of any buffer size) make a read at a wrong offset change the bytes,
// hence the CRC-32 the test expects.
const std::string& Filler() {
  static const std::string* filler = new std::string("{\"_id\":\"filler\"}" + std::string(4080, ' ') + "\n");
  return *filler;
}

// Forwards everything to DefaultFileSystem(), except that the file `big`
// (an exact path, as PackStore builds it) is kFakeSize bytes long: its real
// bytes, then Filler() repeated. Size, Stat and StatFd report the fake size;
// PRead serves it.
class HugeFileSystem final : public zds::FileSystem {
 public:
  HugeFileSystem(std::string big, uint64_t real_size) : big_(std::move(big)), real_size_(real_size) {}

  uint64_t bytes_served() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_served_;
  }

  zds::Status Open(const std::string& path, zds::OpenMode mode, int* fd) override {
    if (path == big_ && mode != zds::OpenMode::kRead)
      return zds::Status(zds::Code::kInvalidArg, "the simulated big file is read-only");
    const zds::Status st = base_->Open(path, mode, fd);
    if (st.ok() && path == big_) {
      std::lock_guard<std::mutex> lock(mu_);
      big_fds_.insert(*fd);
    }
    return st;
  }
  void Close(int fd) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      big_fds_.erase(fd);
    }
    base_->Close(fd);
  }
  zds::Status PRead(int fd, void* buf, size_t len, uint64_t offset, size_t* got) override {
    if (!IsBig(fd)) return base_->PRead(fd, buf, len, offset, got);
    *got = 0;
    if (offset >= kFakeSize) return zds::Status::Ok();
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, kFakeSize - offset));
    char* out = static_cast<char*>(buf);
    size_t done = 0;
    if (offset < real_size_) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(n, real_size_ - offset));
      size_t real_got = 0;
      ZDS_RETURN_IF_ERROR(base_->PRead(fd, out, want, offset, &real_got));
      if (real_got != want)
        return zds::Status(zds::Code::kIo, "the real part of the simulated big file shrank");
      done = want;
    }
    // Past the real bytes, offset o holds Filler()[(o - real_size_) % Filler().size()].
    while (done < n) {
      const size_t phase = static_cast<size_t>((offset + done - real_size_) % filler_.size());
      const size_t chunk = std::min(n - done, filler_.size() - phase);
      std::memcpy(out + done, filler_.data() + phase, chunk);
      done += chunk;
    }
    *got = n;
    std::lock_guard<std::mutex> lock(mu_);
    bytes_served_ += n;
    return zds::Status::Ok();
  }
  zds::Status PWrite(int fd, const void* buf, size_t len, uint64_t offset, size_t* written) override {
    return base_->PWrite(fd, buf, len, offset, written);
  }
  zds::Status Sync(int fd) override { return base_->Sync(fd); }
  void StartWriteback(int fd, uint64_t offset, uint64_t len) override {
    base_->StartWriteback(fd, offset, len);
  }
  zds::Status MapReadOnly(int fd, size_t len, const char** addr) override {
    if (IsBig(fd)) return zds::Status(zds::Code::kInvalidArg, "the simulated big file cannot be mapped");
    return base_->MapReadOnly(fd, len, addr);
  }
  void Unmap(const char* addr, size_t len) override { base_->Unmap(addr, len); }
  zds::Status Truncate(int fd, uint64_t size) override {
    if (IsBig(fd)) return zds::Status(zds::Code::kInvalidArg, "the simulated big file is read-only");
    return base_->Truncate(fd, size);
  }
  zds::Status Size(int fd, uint64_t* size) override {
    ZDS_RETURN_IF_ERROR(base_->Size(fd, size));
    if (IsBig(fd)) *size = kFakeSize;
    return zds::Status::Ok();
  }
  zds::Status Stat(const std::string& path, zds::FileInfo* info) override {
    ZDS_RETURN_IF_ERROR(base_->Stat(path, info));
    if (path == big_ && info->exists) info->size = kFakeSize;
    return zds::Status::Ok();
  }
  zds::Status StatFd(int fd, zds::FileInfo* info) override {
    ZDS_RETURN_IF_ERROR(base_->StatFd(fd, info));
    if (IsBig(fd)) info->size = kFakeSize;
    return zds::Status::Ok();
  }
  zds::Status Rename(const std::string& from, const std::string& to) override {
    return base_->Rename(from, to);
  }
  zds::Status Unlink(const std::string& path) override { return base_->Unlink(path); }
  zds::Status MakeDir(const std::string& path) override { return base_->MakeDir(path); }
  zds::Status SyncDir(const std::string& path) override { return base_->SyncDir(path); }
  zds::Status ListDir(const std::string& path, std::vector<std::string>* names) override {
    return base_->ListDir(path, names);
  }
  zds::Status TryLock(int fd, const std::string& path) override { return base_->TryLock(fd, path); }
  zds::Status RealPath(const std::string& path, std::string* out) override {
    return base_->RealPath(path, out);
  }

 private:
  bool IsBig(int fd) const {
    std::lock_guard<std::mutex> lock(mu_);
    return big_fds_.count(fd) != 0;
  }

  zds::FileSystem* const base_ = zds::DefaultFileSystem();
  const std::string big_;
  const std::string& filler_ = Filler();
  const uint64_t real_size_;
  mutable std::mutex mu_;
  std::set<int> big_fds_;
  uint64_t bytes_served_ = 0;
};

// CRC-32 of `copies` repetitions of a block whose CRC is `crc` and length
// `len`, by doubling with crc32_combine: no need to run over 4 GiB.
uLong RepeatedCrc(uLong crc, uint64_t len, uint64_t copies) {
  uLong result = crc32(0L, Z_NULL, 0);
  while (copies > 0) {
    if (copies & 1) result = crc32_combine(result, crc, static_cast<z_off_t>(len));
    crc = crc32_combine(crc, crc, static_cast<z_off_t>(len));
    len *= 2;
    copies >>= 1;
  }
  return result;
}

// The CRC-32 of the whole simulated file: `real` then filler up to kFakeSize.
uint32_t ExpectedCrc(const std::string& real) {
  const auto crc_of = [](const char* p, size_t n) {
    return crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(p), static_cast<uInt>(n));
  };
  const std::string& filler = Filler();
  const uint64_t tail = kFakeSize - real.size();
  const uint64_t copies = tail / filler.size();
  const size_t rest = static_cast<size_t>(tail % filler.size());
  uLong crc = crc_of(real.data(), real.size());
  crc = crc32_combine(crc, RepeatedCrc(crc_of(filler.data(), filler.size()), filler.size(), copies),
                      static_cast<z_off_t>(copies * filler.size()));
  crc = crc32_combine(crc, crc_of(filler.data(), rest), static_cast<z_off_t>(rest));
  return static_cast<uint32_t>(crc);
}

uint64_t LE(const std::string& s, size_t pos, int bytes) { return GetLE(s, pos, bytes); }

// The extra field with header `id` in an extra-field block; empty if absent.
std::string ExtraField(const std::string& extra, uint16_t id) {
  size_t pos = 0;
  while (pos + 4 <= extra.size()) {
    const uint16_t field = static_cast<uint16_t>(LE(extra, pos, 2));
    const size_t len = static_cast<size_t>(LE(extra, pos + 2, 2));
    if (pos + 4 + len > extra.size()) break;
    if (field == id) return extra.substr(pos + 4, len);
    pos += 4 + len;
  }
  return std::string();
}

std::string ReadAt(int fd, uint64_t offset, size_t len) {
  std::string out;
  const zds::Status st = zds::DefaultFileSystem()->ReadRange(fd, offset, len, &out);
  EXPECT_TRUE(st.ok()) << Describe(st);
  return out;
}

// Runs a shell command; its exit status and standard output.
int Shell(const std::string& cmd, std::string* output) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  output->clear();
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) output->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class Zip64ArchiveTest : public StoreTest {};

TEST_F(Zip64ArchiveTest, CollectionOver4GiBPacksIntoZip64) {
  constexpr int kDocs = 20;
  {
    std::shared_ptr<zds::Root> root;
    std::shared_ptr<zds::Collection> coll;
    ZDS_ASSERT_OK(OpenColl(&root, &coll, {}, false, zds::DefaultFileSystem(), "big"));
    for (int i = 0; i < kDocs; ++i) {
      const std::string id = "d" + std::to_string(i);
      ZDS_ASSERT_OK(coll->Put(id, Doc(id, "\"i\":" + std::to_string(i))));
    }
    ZDS_ASSERT_OK(coll->Checkpoint());
  }
  const std::string data = data_path("big");
  const std::string real = ReadFile(data);
  ASSERT_FALSE(real.empty());
  ASSERT_EQ(real.back(), '\n');
  ASSERT_TRUE(PathExists(index_path("big")));

  const std::string out_dir = tmp_.Sub("out");
  MakeDirs(out_dir);
  const std::string archive = out_dir + "/big.zds";
  HugeFileSystem fs(data, real.size());

  // ---- Pack. Deflate level 1, the fastest: the filler deflates ~200:1
  // (~10 s for the 4 GiB on this 2-core machine, CRC-32 included).
  zds::PackOptions options;
  options.deflate = true;
  options.level = 1;
  zds::ArchiveProgress last;
  uint64_t progress_calls = 0;
  const auto start = std::chrono::steady_clock::now();
  ZDS_ASSERT_OK(zds::PackStore(
      &fs, store(), archive, options,
      [&](const zds::ArchiveProgress& p) {
        last = p;
        ++progress_calls;
      },
      nullptr));
  const double pack_seconds = SecondsSince(start);
  std::printf("[ zip64    ] PackStore of 4 GiB + 1 MiB (deflate level 1): %.1f s, archive %lld bytes\n",
              pack_seconds, static_cast<long long>(FileSize(archive)));
  // PackStore read the whole simulated file (plus its 64 KiB deflate sample).
  EXPECT_EQ(fs.bytes_served(), kFakeSize + 64 * 1024);
  EXPECT_EQ(last.done, last.total);
  EXPECT_GT(last.total, kFakeSize);
  EXPECT_EQ(last.entries_done, last.entries_total);
  EXPECT_LE(progress_calls, 3000u);
  const int64_t archive_size = FileSize(archive);
  ASSERT_GT(archive_size, 0);
  EXPECT_LT(archive_size, int64_t{64} << 20);  // the filler deflated: no 4 GiB on disk
  // No "<out>.tmp-<pid>" (nor libzip temp) left beside the archive.
  std::vector<std::string> out_names;
  ZDS_ASSERT_OK(zds::DefaultFileSystem()->ListDir(out_dir, &out_names));
  EXPECT_EQ(out_names, std::vector<std::string>({"big.zds"}));

  // ---- The central directory, read by the engine's own reader.
  const std::string entry_name = "collections/big/meta/data.jsonl";
  zds::FileSystem* real_fs = zds::DefaultFileSystem();
  int fd = -1;
  ZDS_ASSERT_OK(real_fs->Open(archive, zds::OpenMode::kRead, &fd));
  zds::ScopedFd guard(real_fs, fd);
  zds::ZipDirectory dir;
  ZDS_ASSERT_OK(zds::ZipDirectory::Read(real_fs, fd, archive, &dir));
  EXPECT_EQ(dir.archive_size(), static_cast<uint64_t>(archive_size));
  const zds::ZipEntry* e = dir.Find(entry_name);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->size, kFakeSize);
  EXPECT_EQ(e->method, zds::kZipMethodDeflate);
  EXPECT_GT(e->compressed_size, 0u);
  EXPECT_LT(e->compressed_size, uint64_t{64} << 20);
  EXPECT_EQ(e->crc32, ExpectedCrc(real)) << "the bytes packed are not the bytes served, in order";
  EXPECT_EQ(e->flags & 0x08, 0) << "sizes are in the headers, not in a data descriptor";
  for (const zds::ZipEntry& other : dir.entries()) {
    if (other.name == entry_name) continue;
    EXPECT_LT(other.size, kZip32Max) << other.name;
    if (other.name == "collections/big/meta/index.bin") {
      EXPECT_EQ(static_cast<int64_t>(other.size), FileSize(index_path("big")));
    }
  }

  // ---- The same, byte by byte (APPNOTE 4.3.7, 4.3.12, 4.5.3): both headers
  // saturate the 32-bit uncompressed size and carry it in a ZIP64 extra field.
  {
    // Central directory header: find it by walking from the directory's start.
    uint64_t pos = dir.central_directory_offset();
    bool found = false;
    for (size_t i = 0; i < dir.entries().size(); ++i) {
      const std::string h = ReadAt(fd, pos, 46);
      ASSERT_EQ(h.size(), 46u);
      ASSERT_EQ(h.substr(0, 4), std::string("PK\x01\x02", 4));
      const size_t name_len = static_cast<size_t>(LE(h, 28, 2));
      const size_t extra_len = static_cast<size_t>(LE(h, 30, 2));
      const size_t comment_len = static_cast<size_t>(LE(h, 32, 2));
      const std::string name = ReadAt(fd, pos + 46, name_len);
      if (name == entry_name) {
        found = true;
        EXPECT_GE(LE(h, 6, 2) & 0xff, 45u) << "version needed to extract: ZIP64 needs 4.5";
        EXPECT_EQ(LE(h, 24, 4), kZip32Max) << "32-bit uncompressed size must be saturated";
        EXPECT_EQ(LE(h, 20, 4), e->compressed_size) << "the compressed size fits 32 bits";
        const std::string zip64 = ExtraField(ReadAt(fd, pos + 46 + name_len, extra_len), 0x0001);
        // Only the saturated fields appear, in order: the uncompressed size.
        ASSERT_EQ(zip64.size(), 8u);
        EXPECT_EQ(LE(zip64, 0, 8), kFakeSize);
      }
      pos += 46 + name_len + extra_len + comment_len;
    }
    EXPECT_TRUE(found);
    // Local header: the ZIP64 extra field holds both sizes (APPNOTE 4.5.3).
    const std::string lh = ReadAt(fd, e->local_header_offset, 30);
    ASSERT_EQ(lh.size(), 30u);
    ASSERT_EQ(lh.substr(0, 4), std::string("PK\x03\x04", 4));
    EXPECT_GE(LE(lh, 4, 2) & 0xff, 45u);
    EXPECT_EQ(LE(lh, 14, 4), e->crc32);
    EXPECT_EQ(LE(lh, 18, 4), kZip32Max);
    EXPECT_EQ(LE(lh, 22, 4), kZip32Max);
    const size_t name_len = static_cast<size_t>(LE(lh, 26, 2));
    const size_t extra_len = static_cast<size_t>(LE(lh, 28, 2));
    EXPECT_EQ(ReadAt(fd, e->local_header_offset + 30, name_len), entry_name);
    const std::string zip64 =
        ExtraField(ReadAt(fd, e->local_header_offset + 30 + name_len, extra_len), 0x0001);
    ASSERT_EQ(zip64.size(), 16u);
    EXPECT_EQ(LE(zip64, 0, 8), kFakeSize);
    EXPECT_EQ(LE(zip64, 8, 8), e->compressed_size);
    EXPECT_EQ(e->data_offset, e->local_header_offset + 30 + name_len + extra_len);
  }
  guard.Reset();

  // ---- InspectArchive (libzip's reading of the same headers).
  std::vector<zds::CollectionListing> listing;
  ZDS_ASSERT_OK(zds::InspectArchive(real_fs, archive, &listing));
  ASSERT_EQ(listing.size(), 1u);
  EXPECT_EQ(listing[0].name, "big");
  EXPECT_EQ(listing[0].data_bytes, kFakeSize);
  EXPECT_EQ(listing[0].compressed_bytes, e->compressed_size);
  EXPECT_FALSE(listing[0].data_stored);
  EXPECT_TRUE(listing[0].has_index);
  EXPECT_EQ(listing[0].documents, kDocs);

  // ---- unzip (Info-ZIP, built with ZIP64 support on Debian), when installed.
  if (::access("/usr/bin/unzip", X_OK) == 0) {
    std::string output;
    EXPECT_EQ(Shell("/usr/bin/unzip -v '" + archive + "' 2>&1", &output), 0) << output;
    // "  Length  Method    Size  Cmpr    Date    Time   CRC-32   Name"
    bool listed = false;
    char crc_hex[9];
    std::snprintf(crc_hex, sizeof(crc_hex), "%08x", static_cast<unsigned>(e->crc32));
    for (const std::string& line : SplitLines(output)) {
      if (line.find(entry_name) == std::string::npos) continue;
      listed = true;
      unsigned long long length = 0;
      unsigned long long size = 0;
      char method[16] = {0};
      ASSERT_EQ(std::sscanf(line.c_str(), "%llu %15s %llu", &length, method, &size), 3) << line;
      EXPECT_EQ(length, kFakeSize) << line;
      EXPECT_EQ(size, e->compressed_size) << line;
      EXPECT_EQ(std::string(method).substr(0, 4), "Defl") << line;
      EXPECT_NE(line.find(crc_hex), std::string::npos) << line;
    }
    EXPECT_TRUE(listed) << output;
    EXPECT_EQ(Shell("/usr/bin/unzip -l '" + archive + "' 2>&1", &output), 0) << output;
    EXPECT_NE(output.find(std::to_string(kFakeSize) + "  "), std::string::npos) << output;

    // unzip -t inflates the 4 GiB and checks every CRC-32: ~15 s here,
    // most of the test's time, but the only check by an independent reader
    // that the deflated data really is what the headers say.
    const auto test_start = std::chrono::steady_clock::now();
    EXPECT_EQ(Shell("/usr/bin/unzip -t '" + archive + "' 2>&1", &output), 0) << output;
    EXPECT_NE(output.find("No errors detected"), std::string::npos) << output;
    std::printf("[ zip64    ] unzip -t: %.1f s\n", SecondsSince(test_start));
  } else {
    std::printf("[ zip64    ] /usr/bin/unzip is not installed: unzip checks skipped\n");
  }

  // ---- Clean up: the archive now, the store with the fixture's folder.
  ZDS_EXPECT_OK(real_fs->Unlink(archive));
  EXPECT_FALSE(PathExists(archive));
}

}  // namespace
}  // namespace zds_test
