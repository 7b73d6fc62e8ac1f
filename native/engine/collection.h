// Collection: one ZDS collection (FORMAT.md "Collections"): the append-only
// data.jsonl, the in-memory DocIndex, and the index.bin cache of it. All
// methods are thread-safe; handles in one process share one Collection.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/doc_index.h"
#include "engine/file_system.h"
#include "engine/jsonl_scan.h"
#include "engine/status.h"

namespace zds {

class Root;
class Cursor;
class QueryPlan;

struct CollectionOptions {
  bool read_only = false;
  bool skip_corrupt = false;  // open despite malformed lines, reporting them
  size_t batch_size = 5000;   // documents buffered in memory before write()
};

// What open did to make the collection usable; never silent.
struct RecoveryReport {
  bool index_rebuilt = false;    // index.bin was missing, corrupt or stale
  std::string index_reason;      // why, when rebuilt
  uint64_t replayed_lines = 0;   // lines past the index applied at open
  uint64_t truncated_bytes = 0;  // torn tail cut off (ignored when read-only)
  uint64_t torn_offset = 0;
  bool newline_added = false;    // a valid last line lacked its '\n'
  uint64_t foreign_deletes = 0;  // ids another tool deleted from its index only
  std::vector<BadLine> skipped;  // malformed lines skipped (skip_corrupt)
  bool any() const {
    return index_rebuilt || replayed_lines || truncated_bytes || newline_added || foreign_deletes ||
           !skipped.empty();
  }
};

// An open data.jsonl; shared with cursors so a compaction's rename leaves
// running scans on the file they started with.
struct DataFile {
  DataFile(FileSystem* f, int d, std::shared_ptr<const void> o = nullptr)
      : fs(f), fd(d), owner(std::move(o)) {}
  ~DataFile() { fs->Close(fd); }
  FileSystem* fs;
  int fd;
  // Keeps `fs` alive when the root owns it (an archive read in place): a
  // cursor holds the DataFile, and may outlive every handle of the store.
  std::shared_ptr<const void> owner;
};

// A document's line without its '\n': a view into a mapping of data.jsonl
// (kept alive by `keep`) or into the caller's scratch string.
struct LineView {
  std::string_view text;
  std::shared_ptr<const Mapping> keep;
};

class Collection : public std::enable_shared_from_this<Collection> {
 public:
  static Status Open(FileSystem* fs, std::shared_ptr<Root> root, const std::string& name,
                     const CollectionOptions& options, std::shared_ptr<Collection>* out);
  ~Collection();

  const std::string& name() const { return name_; }
  const std::string& dir() const { return dir_; }
  bool read_only() const { return read_only_; }
  void SetBatchSize(size_t n);

  // `line` is one JSON object without '\n' whose first member is "_id":"<id>".
  Status Put(std::string_view id, std::string_view line);
  // Appends pre-serialised JSONL; lines pair with ids in order, or, when ids
  // is empty, each line names its own with a string "_id". Validates every
  // line before writing any. Lines without "_id" get it added.
  Status WriteJsonl(std::string_view blob, const std::vector<std::string>& ids, size_t* count);
  Status Delete(std::string_view id);
  // The latest line for id, without its '\n'. kNotFound when absent.
  Status Get(std::string_view id, std::string* line);
  // The same without copying when the line can be read in place.
  Status Get(std::string_view id, std::string* scratch, LineView* out);
  bool Exists(std::string_view id);
  size_t Count();
  void ListIds(std::vector<std::string>* ids);
  // Durable: data fsynced, index.bin replaced atomically.
  Status Flush();
  // Flush plus the manifest: what close() does.
  Status Checkpoint();
  // Rewrites data.jsonl with live documents only, atomically.
  Status Compact();
  // Read-only handles: pick up what a writer flushed since open.
  Status Refresh();
  // A snapshot scan; with a plan, a query over the snapshot.
  Status NewCursor(std::unique_ptr<Cursor>* out, std::shared_ptr<const QueryPlan> plan = nullptr);

  RecoveryReport recovery();
  size_t IndexMemoryUsage();
  uint64_t DataBytes();

 private:
  Collection(FileSystem* fs, std::shared_ptr<Root> root, std::string name, std::string dir,
             const CollectionOptions& options);

  struct State;
  class IndexBytes;
  Status Load(State* st);
  Status ReadIndexFile(IndexBytes* out);
  Status LoadDocsMode(State* st);
  Status ScanInto(State* st, uint64_t start, uint64_t end, uint64_t first_line_no, ScanOutcome* out);
  Status AdoptForeignIndex(State* st, const struct DecodedIndex& decoded);

  Status CheckWritable();
  Status AppendLine(std::string_view id, std::string_view line, bool tombstone);
  Status WritePendingLocked();
  Status FlushLocked();
  Status WriteIndexLocked();
  Status WriteManifestLocked();
  Status ReadLineLocked(LineRef ref, std::string* out);
  Status ViewLineLocked(LineRef ref, std::string* scratch, LineView* out);
  Status DocsModeLine(std::string_view id, std::string* line);

  FileSystem* const fs_;
  const std::shared_ptr<Root> root_;
  const std::string name_;
  const std::string dir_;
  const std::string meta_dir_;
  const std::string data_path_;
  const std::string index_path_;
  const bool read_only_;
  const bool skip_corrupt_;

  std::mutex mu_;
  size_t batch_size_;
  std::unique_ptr<State> st_;
  Status poisoned_;  // set once an fsync failed: writes refused until reopen
};

}  // namespace zds
