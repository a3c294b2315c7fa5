// The Azure Functions 2019 reader (data/traces/azure_functions.h) on arbitrary day files, with
// the filters, the resampling and the number of days drawn from the input.
//
// Input: 3 option bytes (trigger filter, resample factor, days), then the file's contents (every
// day reads the same file).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/data/traces/azure_functions.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  fuzz::FuzzInput input(data, size);
  static const char* const kTriggers[] = {"", "", "http", "timer"};
  static const int64_t kResample[] = {1, 5, 60, 1440, 2880};
  static const int kDays[] = {1, 2};
  AzureFunctionsOptions options;
  options.trigger(input.pick(kTriggers)).resample(input.pick(kResample));
  const int days = input.pick(kDays);
  const std::string file =
      fuzz::write_fuzz_file("invocations_per_function_md.anon.d01.csv", input.rest());
  fuzz::expect_only_input_errors([&] {
    TraceReadReport report;
    read_azure_functions(std::vector<std::string>(days, file), options, &report);
  });
  return 0;
}
