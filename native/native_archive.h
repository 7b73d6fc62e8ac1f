// The archive functions of the addon (pack, unpack, inspect, verify): thin
// wrappers that check arguments and run engine/archive.h on the threadpool.
// They are plain functions, not a class: no JS object stands behind them.
#pragma once

#include <napi.h>

namespace zds::node {

// Adds packAsync, unpackAsync, inspect, verifyAsync and looksLikeArchive to `exports`.
void DefineArchiveFunctions(Napi::Env env, Napi::Object exports);

}  // namespace zds::node
