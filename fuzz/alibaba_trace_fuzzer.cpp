// The Alibaba cluster-trace-v2018 reader (data/traces/alibaba_trace.h) on arbitrary files, with
// the table, metric, id filter, bucket width and the policies drawn from the input.
//
// Input: 7 option bytes (see below, in order), then the file's contents.
#include <cstddef>
#include <cstdint>
#include <string>

#include "evergreen/data/traces/alibaba_trace.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  fuzz::FuzzInput input(data, size);
  static const char* const kTables[] = {"auto", "auto", "machine_usage", "container_usage",
                                        "grouped"};
  static const char* const kMetrics[] = {"cpu_util_percent", "mem_util_percent", "net_in",
                                         "disk_io_percent", "cpi"};
  static const char* const kIds[] = {"", "", "m_1", "c_1"};
  static const int64_t kBucketSeconds[] = {300, 1, 10, 3600};
  static const int64_t kRowSeconds[] = {300, 1, 30};
  static const char* const kInvalid[] = {"error", "drop"};
  static const char* const kEmptyBuckets[] = {"error", "interpolate"};
  AlibabaTraceOptions options;
  options.table(input.pick(kTables))
      .metric(input.pick(kMetrics))
      .id(input.pick(kIds))
      .bucket_seconds(input.pick(kBucketSeconds))
      .row_seconds(input.pick(kRowSeconds))
      .invalid_values(input.pick(kInvalid))
      .empty_buckets(input.pick(kEmptyBuckets));
  const std::string file = fuzz::write_fuzz_file("machine_usage.csv", input.rest());
  fuzz::expect_only_input_errors([&] {
    TraceReadReport report;
    read_alibaba_trace(file, options, &report);
  });
  return 0;
}
