// The NASA requests-per-second reader (data/traces/nasa_requests.h) on arbitrary files: plain
// text, or (from the bzip2 magic "BZh" on) what `tar -xOjf` makes of it.
//
// Input: 2 option bytes (resample factor, max_points), then the file's contents.
#include <cstddef>
#include <cstdint>
#include <string>

#include "evergreen/data/traces/nasa_requests.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  fuzz::FuzzInput input(data, size);
  static const int64_t kResample[] = {60, 1, 2, 3600};
  static const int64_t kMaxPoints[] = {0, 0, 1, 10};
  NasaRequestsOptions options;
  options.resample(input.pick(kResample)).max_points(input.pick(kMaxPoints));
  const std::string file = fuzz::write_fuzz_file("workload.tbz2", input.rest());
  fuzz::expect_only_input_errors([&] {
    TraceReadReport report;
    read_nasa_requests(file, options, &report);
  });
  return 0;
}
