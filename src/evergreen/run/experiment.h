// An experiment: a resolved configuration turned into components through the registries, run
// strategy by strategy over one stream, with a checkpoint after every experience.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evergreen/data/experience.h"
#include "evergreen/eval/continual_metrics.h"
#include "evergreen/green/green_meter.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

class Model;

/// A configuration checked against every component's options, with every default filled in.
struct ExperimentPlan {
  YAML::Node config;  ///< fully resolved: saving it reproduces the run
  std::string file;   ///< where the configuration came from (for messages)
  std::string name;
  uint64_t seed = 0;
  int64_t threads = 1;
  Stream stream;
  std::vector<std::string> strategy_labels;  ///< one per entry of `strategies`, unique
};

/// Resolves `config` (read from `file`, "" for the built-in default): builds the stream, checks
/// the model's and strategies' options and rejects unknown keys. Throws InputError.
ExperimentPlan plan_experiment(YAML::Node config, const std::string& file,
                               class StreamCache* streams = nullptr);

/// Streams already built, by their configuration, so that a sweep builds each stream once. The
/// streams' tensors are shared between the plans that use them (models never write to them).
class StreamCache {
 public:
  /// The stream `options` describe, built by `build` on the first request; `resolved` receives
  /// the options with every default filled in.
  Stream get(const YAML::Node& options, YAML::Node* resolved,
             const std::function<Stream(YAML::Node*)>& build);

 private:
  std::mutex mutex_;
  std::map<std::string, std::pair<Stream, YAML::Node>> streams_;
};

/// The built-in default experiment (configs/default.yaml): the synthetic workload stream with
/// Naive, ER and Joint side by side.
YAML::Node default_experiment_config();

/// One step of a run's progress, typed: the terminal formats it, nothing parses it back.
struct ProgressEvent {
  enum class Kind {
    kEpoch,    ///< an epoch of an experience finished
    kResumed,  ///< the run continued from its checkpoint after `experience` experiences
  };
  Kind kind = Kind::kEpoch;
  std::string label;            ///< the strategy's label
  std::string experience_name;  ///< kEpoch: the experience trained
  int64_t experience = 0;       ///< kEpoch: 1-based index; kResumed: experiences already trained
  int64_t experiences = 0;      ///< in the stream
  int64_t epoch = 0;            ///< kEpoch: 1-based
  int64_t epochs = 0;
  double loss = 0;  ///< kEpoch: mean training loss of the epoch
  bool last_epoch() const { return kind == Kind::kEpoch && epoch == epochs; }
  /// "period 2 (2/6)  epoch 3/40  loss 0.1234" or "resumed after 2 of 6 experiences".
  std::string text() const;
};

/// How to run: where to write, whether to resume, when to stop.
struct RunControl {
  std::string out_dir;
  bool resume = false;
  int64_t stop_after = -1;  ///< stop cleanly once this many experiences are trained (-1: never)
  /// Progress events. Default prints each as a line to stderr.
  std::function<void(const ProgressEvent&)> progress;
  /// Called after each experience is trained and evaluated, with the model and the experience's
  /// index (benchmarks use it to read forecasts).
  std::function<void(Model&, int64_t)> after_experience;
  /// Called once the run is accepted (output directory locked, checkpoints' identity checked),
  /// before anything is trained: the command line announces the run there, so that a refused
  /// run prints only its error.
  std::function<void()> on_start;
};

/// Outcome of one strategy's run, typed: benches read these fields; `summary` is what
/// summary.json holds, written from them.
struct StrategyOutcome {
  std::string label;
  bool completed = false;  ///< false when stopped by `stop_after`
  int64_t experiences_trained = 0;
  // The fields below are filled when completed.
  MainMetric metric;
  MetricMatrix matrix;
  ContinualSummary continual;
  /// Each metric after the last experience, averaged over the experiences' test splits.
  std::map<std::string, double> final_metrics;
  MemoryUsage memory;
  PhaseMeasure train;  ///< the training phase's time, CPU, MACs and energy
  PhaseMeasure total;
  nlohmann::json summary;  ///< summary.json's content (when completed)
};

/// Runs one strategy (index into plan.strategy_labels) writing into `directory`.
StrategyOutcome run_strategy(const ExperimentPlan& plan, size_t strategy_index,
                             const std::string& directory, const RunControl& control);

/// Runs every strategy; with several, each gets out_dir/<label>/ and out_dir/comparison.json.
std::vector<StrategyOutcome> run_experiment(const ExperimentPlan& plan, const RunControl& control);

}  // namespace evergreen
