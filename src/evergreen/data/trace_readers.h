// Readers for public cloud workload traces in their original formats (Alibaba cluster-trace-v2018,
// the NASA HTTP requests per second, Azure Functions 2019 invocations per minute), each turned
// into one regular Series. Every error names the file, the line and the column or field.
#pragma once

#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/data/series.h"

namespace evergreen {

/// What a trace reader found besides the values, for the stream's metadata and the user.
struct TraceReadReport {
  /// Data rows (Alibaba, Azure) or values (NASA) read from the files.
  int64_t rows = 0;
  /// Rows that passed the id or hash filters (all rows without filters).
  int64_t selected_rows = 0;
  /// Points filled by interpolation (Alibaba, `empty_buckets: interpolate`).
  int64_t interpolated_points = 0;
};

/// How to read an Alibaba cluster-trace-v2018 usage file. String choices are validated by
/// read_alibaba_trace (InputError naming the option).
///
/// Example (one machine's CPU, 5-minute means, invalid readings skipped):
///   auto options = AlibabaTraceOptions().id("m_1932").invalid_values("drop");
///   Series cpu = read_alibaba_trace("machine_usage.csv", options);
struct AlibabaTraceOptions {
  /// "machine_usage" (9 fields: machine_id,time_stamp,cpu_util_percent,mem_util_percent,mem_gps,
  /// mkpi,net_in,net_out,disk_io_percent), "container_usage" (11 fields: container_id,
  /// machine_id,time_stamp,cpu_util_percent,mem_util_percent,cpi,mem_gps,mpki,net_in,net_out,
  /// disk_io_percent), "grouped" (a header naming the metrics, one row every `row_seconds`, no
  /// id or time column: the cluster averages in shared/data) or "auto": grouped when the first
  /// line names a metric, else by the first line's number of fields.
  TORCH_ARG(std::string, table) = "auto";
  /// The metric column, by its name in the trace's schema.
  TORCH_ARG(std::string, metric) = "cpu_util_percent";
  /// Only rows of this machine (machine_usage) or container (container_usage); "" for all.
  TORCH_ARG(std::string, id) = "";
  /// Width of a bucket; a point is the mean of the valid readings whose time falls in it.
  /// Buckets start at the earliest time of a valid reading.
  TORCH_ARG(int64_t, bucket_seconds) = 300;
  /// Seconds between two rows of a grouped file (row i is at time i * row_seconds).
  TORCH_ARG(int64_t, row_seconds) = 300;
  /// "error" or "drop" for readings the trace marks invalid (-1 or 101), percentages outside
  /// [0, 100], non-finite numbers and empty metric or time fields. Dropped readings are counted
  /// in Series::dropped_points. Text that is not a number is always an error.
  TORCH_ARG(std::string, invalid_values) = "error";
  /// "error" (a bucket without a valid reading is reported with its time range) or
  /// "interpolate" (linearly between the neighbouring buckets; counted in the report).
  TORCH_ARG(std::string, empty_buckets) = "error";
};

/// Throws InputError naming the first option out of its choices or range.
void check_alibaba_trace_options(const AlibabaTraceOptions& options);

/// Reads one metric of an Alibaba usage file into buckets of `bucket_seconds` (rows may come in
/// any order of time). The series is named "BASENAME:METRIC" or "BASENAME:ID:METRIC".
Series read_alibaba_trace(const std::string& file, const AlibabaTraceOptions& options,
                          TraceReadReport* report = nullptr);

/// How to read the NASA requests-per-second trace.
///
/// Example (per-minute request counts, the first week):
///   Series minutes = read_nasa_requests("workload.tbz2",
///                                       NasaRequestsOptions().resample(60).max_points(7 * 1440));
struct NasaRequestsOptions {
  /// Sum this many consecutive seconds into one point (60: requests per minute); a trailing
  /// partial group is dropped.
  TORCH_ARG(int64_t, resample) = 60;
  /// Keep only the first `max_points` points after resampling (reading stops there); 0: all.
  TORCH_ARG(int64_t, max_points) = 0;
};

/// Throws InputError naming the first option out of its range.
void check_nasa_requests_options(const NasaRequestsOptions& options);

/// Reads whitespace-separated non-negative integers, one per second, from a text file or from a
/// bzip2 tar (detected by its content, e.g. `workload.tbz2`) decompressed with `tar -xOjf`
/// (every member, in order). Lines and fields in errors count in the (decompressed) text.
Series read_nasa_requests(const std::string& file, const NasaRequestsOptions& options,
                          TraceReadReport* report = nullptr);

/// Which rows of the Azure Functions 2019 invocation files to sum, and how.
///
/// Example (all HTTP-triggered functions, two days, per 5 minutes):
///   Series http = read_azure_functions(
///       list_trace_files("azure", "invocations_per_function_md.anon.d*.csv"),
///       AzureFunctionsOptions().trigger("http").resample(5));
struct AzureFunctionsOptions {
  /// Exact HashOwner, HashApp, HashFunction or Trigger to keep; "" keeps all.
  TORCH_ARG(std::string, owner) = "";
  TORCH_ARG(std::string, app) = "";
  TORCH_ARG(std::string, function) = "";
  TORCH_ARG(std::string, trigger) = "";
  /// Sum this many consecutive minutes into one point; a trailing partial group is dropped.
  TORCH_ARG(int64_t, resample) = 1;
};

/// Throws InputError naming the first option out of its range.
void check_azure_functions_options(const AzureFunctionsOptions& options);

/// Sums the selected rows' 1,440 per-minute counts of each day file, days in the order given.
/// A day where no row matches contributes zeros (no invocations); no match in any file is an
/// error (most likely a mistyped filter).
Series read_azure_functions(const std::vector<std::string>& files,
                            const AzureFunctionsOptions& options,
                            TraceReadReport* report = nullptr);

/// The regular files in `directory` whose names match `pattern` (`*`: any run of characters,
/// `?`: one character; no `/`), in natural order (digit runs compare as numbers: d2 before d10).
/// InputError when the directory is missing or nothing matches.
std::vector<std::string> list_trace_files(const std::string& directory, const std::string& pattern);

}  // namespace evergreen
