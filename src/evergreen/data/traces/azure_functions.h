// Reading the Azure Functions 2019 per-minute invocation files (one per day) into one regular
// Series.
#pragma once

#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/data/series.h"
#include "evergreen/data/traces/trace_read_report.h"

namespace evergreen {

/// Which rows of the Azure Functions 2019 invocation files to sum, and how.
///
/// Example (all HTTP-triggered functions, two days, per 5 minutes):
///   Series http = read_azure_functions(
///       list_trace_files("azure", "invocations_per_function_md.anon.d*.csv"),  // trace_files.h
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

}  // namespace evergreen
