// The CSV series reader (data/csv_series.h) on arbitrary files, with the options drawn from the
// input: delimiter, header, layout, column, label column, resampling and invalid values.
//
// Input: 8 option bytes (see below, in order), then the file's contents.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/data/csv_series.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  fuzz::FuzzInput input(data, size);
  static const char kDelimiters[] = {',', ';', '\t', ' '};
  static const char* const kHeaders[] = {"auto", "true", "false"};
  static const char* const kLayouts[] = {"columns", "columns", "columns", "flat"};
  static const char* const kColumns[] = {"0", "1", "value", "cpu_util_percent", "4"};
  static const char* const kLabelColumns[] = {"", "", "1", "label"};
  static const int64_t kResample[] = {1, 2, 3, 12};
  static const char* const kInvalid[] = {"error", "drop"};
  static const char* const kAggregates[] = {"mean", "sum"};
  CsvSeriesOptions options;
  options.delimiter(input.pick(kDelimiters))
      .header(input.pick(kHeaders))
      .layout(input.pick(kLayouts))
      .column(input.pick(kColumns))
      .label_column(input.pick(kLabelColumns))
      .resample(input.pick(kResample))
      .invalid_values(input.pick(kInvalid))
      .aggregate(input.pick(kAggregates));
  if (options.invalid_values() == "drop") options.sentinels({-1, 101});
  const std::string file = fuzz::write_fuzz_file("series.csv", input.rest());
  fuzz::expect_only_input_errors([&] { read_csv_series(file, options); });
  return 0;
}
