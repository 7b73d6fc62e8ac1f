// libFuzzer target for the query engine: the input's first line is a query
// spec (engine/query_plan.h), the rest a document line. Compiling any spec
// and matching and projecting any line must end in a Status, never a crash.
//
//   cmake -S . -B build-fuzz -DZDS_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ && cmake --build build-fuzz
//   build-fuzz/zds_query_fuzz -max_total_time=60 native/fuzz/corpus
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/query_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string_view spec = input.substr(0, nl);
  std::string line(nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1));
  std::shared_ptr<const zds::QueryPlan> plan;
  if (!zds::QueryPlan::Compile(spec, &plan).ok()) return 0;
  zds::LineMatcher matcher(plan);
  const size_t len = line.size();
  line.resize(len + simdjson::SIMDJSON_PADDING);
  bool match = false;
  zds::SortValues keys;
  if (matcher.Match(line.data(), len, line.size(), &match, &keys).ok() && match) {
    std::string out;
    (void)matcher.Project(line.data(), len, line.size(), &out);
  }
  return 0;
}
