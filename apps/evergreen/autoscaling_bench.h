// `evergreen bench autoscaling`: every strategy on workload streams, as forecasts and as the
// scaling decisions they drive (after Hao et al., CIKM 2023).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace evergreen::cli {

/// A user's CSV file as a bench stream (`--csv FILE --column NAME ...`).
struct AutoscalingCsvInput {
  std::string path;
  std::string column;       ///< header name or 0-based index of the demand
  std::string time_column;  ///< optional: Unix seconds; rows are placed on a regular grid
  std::string delimiter = ",";
  double step_seconds = 0;  ///< 0: the median spacing of the time column
};

struct AutoscalingBenchOptions {
  int64_t seeds = 3;
  std::vector<double> memory_fractions = {0.01, 0.05};  ///< of the stream's training windows
  /// Named streams: synthetic, alibaba, nasa, bitbrains-N (N = 1..20), nab-NAME (a NAB file's
  /// name without .csv), and the groups bitbrains, nab and real (alibaba, nasa, bitbrains, nab).
  std::vector<std::string> streams = {"synthetic", "alibaba", "nasa"};
  std::vector<AutoscalingCsvInput> csv;  ///< user files, after the named streams
  /// Strategy families to run: naive, joint, ewc, er, derpp, agem, dmshm, dmshm-ablations.
  std::vector<std::string> strategies = {"naive", "joint", "ewc",   "er",
                                         "derpp", "agem",  "dmshm", "dmshm-ablations"};
  int64_t epochs = 20;
  double season_seconds = 86400;  ///< seasonal naive's season and the length of a period
  /// Windows of the Alibaba, --csv, Bitbrains and NAB streams. With one-day periods of 288
  /// points and 20% kept for testing, a period has 58 - L - H + 1 test windows: 29 at L = 24.
  int64_t input_length = 24;
  int64_t horizon = 6;
  /// YAML map merged into the model section (an MLP with one hidden layer of 16 and the
  /// forecasters' defaults), e.g. "{residual: none}".
  std::string model_options;
  std::string data_dir;  ///< holds workload/ (alibaba2018, nasa, bitbrains_rnd, nab)
  std::string out_dir;   ///< per-run outputs, scaling traces and plots
  bool smoke = false;    ///< a one-minute version: synthetic stream (or only the --csv files)
};

/// Runs the benchmark; the result holds one entry per (stream, strategy, budget) with mean and
/// standard deviation over seeds.
nlohmann::json run_autoscaling_bench(const AutoscalingBenchOptions& options);

/// Markdown tables, one per stream, then one summary row per stream.
std::string format_autoscaling_bench(const nlohmann::json& result);

}  // namespace evergreen::cli
