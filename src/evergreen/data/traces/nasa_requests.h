// Reading the NASA HTTP requests-per-second trace, plain or as the bzip2 tar it is published in,
// into one regular Series.
#pragma once

#include <torch/arg.h>

#include <cstdint>
#include <string>

#include "evergreen/data/series.h"
#include "evergreen/data/traces/trace_read_report.h"

namespace evergreen {

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

}  // namespace evergreen
