// `evergreen bench autoscaling`: every strategy on workload streams, as forecasts and as the
// scaling decisions they drive (after Hao et al., CIKM 2023).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace evergreen::cli {

struct AutoscalingBenchOptions {
  int64_t seeds = 3;
  std::vector<double> memory_fractions = {0.01, 0.05};  ///< of the stream's training windows
  std::vector<std::string> streams = {"synthetic", "alibaba", "nasa"};
  int64_t epochs = 20;
  std::string data_dir;  ///< holds workload/alibaba2018 and workload/nasa
  std::string out_dir;   ///< per-run outputs, scaling traces and plots
  bool smoke = false;    ///< a one-minute version: synthetic stream, one seed, few strategies
};

/// Runs the benchmark; the result holds one entry per (stream, strategy, budget) with mean and
/// standard deviation over seeds.
nlohmann::json run_autoscaling_bench(const AutoscalingBenchOptions& options);

/// Markdown tables, one per stream.
std::string format_autoscaling_bench(const nlohmann::json& result);

}  // namespace evergreen::cli
