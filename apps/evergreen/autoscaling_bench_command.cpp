// `evergreen bench autoscaling`: the flags of the autoscaling benchmark.
#include <iostream>

#include "autoscaling_bench.h"
#include "commands.h"
#include "evergreen/core/error.h"

namespace evergreen::cli {
namespace {

/// The flags a user's CSV files need; each takes one value for every file or one per --csv.
struct CsvFlags {
  std::vector<std::string> paths;
  std::vector<std::string> columns;
  std::vector<std::string> time_columns;
  std::vector<std::string> delimiters;
  std::vector<double> step_seconds;
};

template <typename T>
T value_for(const std::vector<T>& values, size_t file, const T& fallback, const char* flag,
            size_t files) {
  if (values.empty()) return fallback;
  EVERGREEN_CHECK_INPUT(values.size() == 1 || values.size() == files,
                        "{}: give one value for every file or one per --csv ({} files, {} "
                        "values)",
                        flag, files, values.size());
  return values.size() == 1 ? values.front() : values[file];
}

std::vector<AutoscalingCsvInput> csv_inputs(const CsvFlags& flags) {
  std::vector<AutoscalingCsvInput> inputs;
  const size_t files = flags.paths.size();
  EVERGREEN_CHECK_INPUT(files > 0 || (flags.columns.empty() && flags.time_columns.empty()),
                        "--column and --time-column describe a --csv FILE; none was given");
  for (size_t i = 0; i < files; ++i) {
    AutoscalingCsvInput input;
    input.path = flags.paths[i];
    input.column = value_for<std::string>(flags.columns, i, "", "--column", files);
    EVERGREEN_CHECK_INPUT(!input.column.empty(), "--csv {}: give --column NAME (the demand)",
                          input.path);
    input.time_column = value_for<std::string>(flags.time_columns, i, "", "--time-column", files);
    input.delimiter = value_for<std::string>(flags.delimiters, i, ",", "--delimiter", files);
    input.step_seconds = value_for<double>(flags.step_seconds, i, 0.0, "--step-seconds", files);
    inputs.push_back(input);
  }
  return inputs;
}

}  // namespace

void add_autoscaling_bench_command(CLI::App& bench) {
  auto scaling = std::make_shared<AutoscalingBenchOptions>();
  scaling->data_dir = std::string(EVERGREEN_SOURCE_DIR) + "/../shared/data";
  scaling->out_dir = "runs/bench-autoscaling";
  auto scaling_json = std::make_shared<bool>(false);
  auto csv = std::make_shared<CsvFlags>();
  CLI::App* autoscaling = bench.add_subcommand(
      "autoscaling",
      "Every strategy (and two references) on workload streams: forecast error, forgetting, "
      "cost, and the SLO effect of scaling on the forecasts (after Hao et al., CIKM 2023)");
  autoscaling->add_option("--seeds", scaling->seeds, "seeds per configuration")
      ->capture_default_str();
  autoscaling
      ->add_option("--memory-fractions", scaling->memory_fractions,
                   "memory budgets as fractions of the stream's training windows")
      ->delimiter(',')
      ->capture_default_str();
  autoscaling
      ->add_option("--streams", scaling->streams,
                   "synthetic, alibaba, nasa, bitbrains-1 .. bitbrains-20, nab-NAME (a NAB "
                   "file without .csv); groups: bitbrains, nab, real (alibaba, nasa, bitbrains, "
                   "nab); none: only the --csv files")
      ->delimiter(',')
      ->capture_default_str();
  autoscaling
      ->add_option("--csv", csv->paths,
                   "a CSV file of your own as one more stream (repeatable); one period per "
                   "--season-seconds")
      ->take_all();
  autoscaling->add_option("--column", csv->columns,
                          "the demand column of each --csv file: a header name or 0-based index");
  autoscaling->add_option("--time-column", csv->time_columns,
                          "optional time column (Unix seconds) of each --csv file: rows are put "
                          "on a regular grid, gaps interpolated, duplicates averaged");
  autoscaling->add_option("--step-seconds", csv->step_seconds,
                          "seconds between rows of each --csv file (default: the median spacing "
                          "of --time-column)");
  autoscaling->add_option("--delimiter", csv->delimiters,
                          "field separator of each --csv file: one character or tab (default ,)");
  autoscaling
      ->add_option("--season-seconds", scaling->season_seconds,
                   "season of the seasonal naive reference and length of a period, for --csv, "
                   "Bitbrains and NAB streams")
      ->capture_default_str();
  autoscaling
      ->add_option("--input-length", scaling->input_length,
                   "window length of the Alibaba, --csv, Bitbrains and NAB streams")
      ->capture_default_str();
  autoscaling
      ->add_option("--horizon", scaling->horizon,
                   "horizon of the Alibaba, --csv, Bitbrains and NAB streams")
      ->capture_default_str();
  autoscaling
      ->add_option("--strategies", scaling->strategies,
                   "strategy families: naive, joint, ewc, er, derpp, agem, dmshm, "
                   "dmshm-ablations")
      ->delimiter(',')
      ->capture_default_str();
  autoscaling
      ->add_option("--model-options", scaling->model_options,
                   "YAML map merged into the MLP's options, e.g. '{normalisation: none, "
                   "residual: none}'")
      ->capture_default_str();
  autoscaling->add_option("--epochs", scaling->epochs, "epochs per period")->capture_default_str();
  autoscaling->add_option("--data", scaling->data_dir, "folder holding workload/ (shared data)")
      ->capture_default_str();
  autoscaling->add_option("--out", scaling->out_dir, "per-run outputs, traces and plots")
      ->capture_default_str();
  autoscaling->add_flag(
      "--smoke", scaling->smoke,
      "one-minute version: the synthetic stream (or only the --csv files), one seed, 2 "
      "epochs, few strategies");
  autoscaling->add_flag("--json", *scaling_json, "print JSON instead of markdown");
  autoscaling->callback([scaling, scaling_json, csv] {
    AutoscalingBenchOptions options = *scaling;
    options.csv = csv_inputs(*csv);
    if (options.streams.size() == 1 && options.streams.front() == "none") options.streams.clear();
    auto result = run_autoscaling_bench(options);
    std::cout << (*scaling_json ? result.dump(2) + "\n" : format_autoscaling_bench(result));
  });
}

}  // namespace evergreen::cli
