#include "engine/status.h"

#include <cstring>

namespace zds {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kNotFound:
      return "ENOTFOUND";
    case Code::kInvalidId:
      return "EINVALIDID";
    case Code::kInvalidArg:
      return "EINVALIDARG";
    case Code::kInvalidDoc:
      return "EINVALIDDOC";
    case Code::kLocked:
      return "ELOCKED";
    case Code::kReadOnly:
      return "EREADONLY";
    case Code::kClosed:
      return "ECLOSED";
    case Code::kCorrupt:
      return "ECORRUPT";
    case Code::kIo:
      return "EIO";
    case Code::kNotDir:
      return "ENOTDIR";
    case Code::kPoisoned:
      return "EPOISONED";
    case Code::kInvalidQuery:
      return "EINVALIDQUERY";
    case Code::kBadArchive:
      return "EBADARCHIVE";
    case Code::kExists:
      return "EEXIST";
    case Code::kCancelled:
      return "ECANCELLED";
  }
  return "EIO";
}

Status Status::FromErrno(const std::string& what, const std::string& path, int err) {
  Status st(err == ENOTDIR ? Code::kNotDir : Code::kIo,
            what + " failed for '" + path + "': " + std::strerror(err));
  st.errno_ = err;
  return st;
}

}  // namespace zds
