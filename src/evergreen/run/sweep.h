// One sweep runner for every benchmark: configurations x seeds, each run through the experiment
// runner, results kept typed and summarised as mean and standard deviation.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

#include "evergreen/run/experiment.h"

namespace evergreen {

/// One configuration of a sweep: a complete experiment config with one strategy.
struct SweepCell {
  std::string label;  ///< unique; names the output folder
  YAML::Node config;
};

struct SweepOptions {
  std::vector<uint64_t> seeds{0};
  std::string out_dir;  ///< each run writes into out_dir/<label>/seed-<seed>
  /// Runs at once, on threads of this process (each with one intra-op thread). With more than
  /// one, the green meter's CPU time and energy of a run include the others' (they are process
  /// totals); results do not depend on it.
  int64_t jobs = 1;
  std::function<void(const std::string&)> progress;  ///< one line per finished run
  /// Where the run of `cell` with `seed` writes, when out_dir/<label>/seed-<seed> does not suit
  /// (a bench with a documented layout of its own).
  std::function<std::string(const SweepCell& cell, uint64_t seed)> run_directory;
  /// Called after each experience of each run is trained and evaluated, with the cell's index,
  /// the run's seed, the model and the experience's index: what a bench measures beyond the
  /// run's metrics (forecasts, next-event predictions). With jobs > 1, from several threads.
  std::function<void(size_t cell, uint64_t seed, Model& model, int64_t experience)>
      after_experience;
  /// Streams the caller built already (it planned one of the cells to read the stream): the
  /// runs then share them. Null: the sweep keeps its own.
  StreamCache* streams = nullptr;
};

/// Seeds 0 .. count - 1, what a bench's `--seeds N` means.
std::vector<uint64_t> first_seeds(int64_t count);

/// The runs of one cell, one per seed, in seed order.
struct SweepResult {
  std::string label;
  std::vector<StrategyOutcome> runs;
};

struct MeanStd {
  double mean = 0;
  double std = 0;  ///< sample standard deviation (n - 1); 0 for one value
  int64_t count = 0;
};

MeanStd mean_std(const std::vector<double>& values);

/// `value(run)` over a cell's runs.
MeanStd summarize_runs(const SweepResult& result,
                       const std::function<double(const StrategyOutcome&)>& value);

/// Plans every cell first (so a bad configuration fails before anything trains), then runs
/// cells x seeds, building each distinct stream once. Throws InputError for a bad cell, naming
/// its label.
std::vector<SweepResult> run_sweep(const std::vector<SweepCell>& cells,
                                   const SweepOptions& options);

}  // namespace evergreen
