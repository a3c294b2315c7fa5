// Reading Alibaba cluster-trace-v2018 usage files (machine_usage, container_usage, or the grouped
// cluster averages) into one regular Series.
#pragma once

#include <torch/arg.h>

#include <cstdint>
#include <string>

#include "evergreen/data/series.h"
#include "evergreen/data/traces/trace_read_report.h"

namespace evergreen {

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

}  // namespace evergreen
