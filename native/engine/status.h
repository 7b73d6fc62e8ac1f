// Status: the engine's only error channel. Each failure carries a stable code
// (mirrored by ZdsError.code in JavaScript) and a sentence for humans.
#pragma once

#include <string>
#include <utility>

namespace zds {

enum class Code {
  kOk = 0,
  kNotFound,      // ENOTFOUND: document, collection or store does not exist
  kInvalidId,     // EINVALIDID: document id or collection name breaks the rules
  kInvalidArg,    // EINVALIDARG: an argument has the wrong type or value
  kInvalidDoc,    // EINVALIDDOC: a document JSON cannot hold, or the reserved key
  kLocked,        // ELOCKED: another process holds the writer lock
  kReadOnly,      // EREADONLY: write on a read-only handle
  kClosed,        // ECLOSED: use after close
  kCorrupt,       // ECORRUPT: data.jsonl holds malformed complete lines
  kIo,            // EIO: the operating system reported an I/O failure
  kNotDir,        // ENOTDIR: the store root is not a directory
  kPoisoned,      // EPOISONED: an earlier fsync failed; reopen before writing
  kInvalidQuery,  // EINVALIDQUERY: a filter, projection or sort outside README "Queries"
  kBadArchive,    // EBADARCHIVE: a .zds archive is malformed, truncated, unsafe or over a limit
  kExists,        // EEXIST: the target folder exists and is not empty
  kCancelled,     // ECANCELLED: the work was stopped by its caller
};

// The JavaScript-visible code string ("ENOTFOUND", ...).
const char* CodeName(Code code);

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  // An I/O failure: the message names the operation, the path and strerror(err).
  static Status FromErrno(const std::string& what, const std::string& path, int err);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  int sys_errno() const { return errno_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  int errno_ = 0;
};

#define ZDS_RETURN_IF_ERROR(expr)      \
  do {                                 \
    ::zds::Status _zds_st = (expr);    \
    if (!_zds_st.ok()) return _zds_st; \
  } while (0)

}  // namespace zds
