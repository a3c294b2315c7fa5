#include "evergreen/run/sweep.h"

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include "evergreen/core/error.h"

namespace evergreen {

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd result;
  result.count = static_cast<int64_t>(values.size());
  if (values.empty()) return result;
  for (double value : values) result.mean += value;
  result.mean /= static_cast<double>(values.size());
  if (values.size() < 2) return result;
  double squares = 0;
  for (double value : values) squares += (value - result.mean) * (value - result.mean);
  result.std = std::sqrt(squares / static_cast<double>(values.size() - 1));
  return result;
}

MeanStd summarize_runs(const SweepResult& result,
                       const std::function<double(const StrategyOutcome&)>& value) {
  std::vector<double> values;
  for (const auto& run : result.runs) values.push_back(value(run));
  return mean_std(values);
}

std::vector<uint64_t> first_seeds(int64_t count) {
  std::vector<uint64_t> seeds;
  for (int64_t seed = 0; seed < count; ++seed) seeds.push_back(static_cast<uint64_t>(seed));
  return seeds;
}

std::vector<SweepResult> run_sweep(const std::vector<SweepCell>& cells,
                                   const SweepOptions& options) {
  EVERGREEN_CHECK_INPUT(!options.seeds.empty(), "a sweep needs at least one seed");
  EVERGREEN_CHECK_INPUT(options.jobs >= 1, "a sweep needs jobs >= 1, got {}", options.jobs);
  for (size_t i = 0; i < options.seeds.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      EVERGREEN_CHECK_INPUT(options.seeds[i] != options.seeds[j],
                            "a sweep's seeds must differ (seed {} twice)", options.seeds[i]);
  struct Task {
    size_t cell;
    size_t seed;
  };
  std::vector<Task> tasks;
  StreamCache own_streams;  // each distinct stream is built once, for the plans and the runs
  StreamCache& streams = options.streams ? *options.streams : own_streams;
  for (size_t c = 0; c < cells.size(); ++c) {
    for (size_t s = 0; s < options.seeds.size(); ++s) tasks.push_back({c, s});
    try {
      YAML::Node config = YAML::Clone(cells[c].config);
      config["seed"] = options.seeds.front();
      plan_experiment(config, cells[c].label, &streams);
    } catch (const InputError& error) {
      throw InputError(fmt::format("sweep cell '{}': {}", cells[c].label, error.what()));
    }
  }
  std::vector<SweepResult> results(cells.size());
  for (size_t c = 0; c < cells.size(); ++c) {
    results[c].label = cells[c].label;
    results[c].runs.resize(options.seeds.size());
  }
  std::atomic<size_t> next{0};
  std::mutex report;
  std::exception_ptr failure;
  auto work = [&] {
    for (size_t index = next++; index < tasks.size(); index = next++) {
      const Task& task = tasks[index];
      const SweepCell& cell = cells[task.cell];
      const uint64_t seed = options.seeds[task.seed];
      try {
        YAML::Node config = YAML::Clone(cell.config);
        config["seed"] = seed;
        ExperimentPlan plan = plan_experiment(config, cell.label, &streams);
        RunControl control;
        control.out_dir = options.run_directory
                              ? options.run_directory(cell, seed)
                              : fmt::format("{}/{}/seed-{}", options.out_dir, cell.label, seed);
        control.progress = [](const ProgressEvent&) {};
        if (options.after_experience)
          control.after_experience = [&options, cell_index = task.cell, seed](Model& model,
                                                                              int64_t experience) {
            options.after_experience(cell_index, seed, model, experience);
          };
        auto outcomes = run_experiment(plan, control);
        EVERGREEN_ASSERT(outcomes.size() == 1 && outcomes.front().completed,
                         "sweep cell '{}' must hold exactly one strategy", cell.label);
        std::lock_guard<std::mutex> lock(report);
        results[task.cell].runs[task.seed] = std::move(outcomes.front());
        if (options.progress)
          options.progress(
              fmt::format("{} seed {} ({}/{})", cell.label, seed, index + 1, tasks.size()));
      } catch (...) {
        std::lock_guard<std::mutex> lock(report);
        if (!failure) failure = std::current_exception();
        next = tasks.size();
      }
    }
  };
  std::vector<std::thread> workers;
  for (int64_t j = 1; j < options.jobs; ++j) workers.emplace_back(work);
  work();
  for (auto& worker : workers) worker.join();
  if (failure) std::rethrow_exception(failure);
  return results;
}

}  // namespace evergreen
