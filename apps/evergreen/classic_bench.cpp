#include "classic_bench.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "command_output.h"
#include "evergreen/core/error.h"
#include "evergreen/core/threads.h"
#include "evergreen/models/model_registry.h"
#include "evergreen/run/experiment.h"
#include "evergreen/run/sweep.h"
#include "evergreen/run/trainer.h"
#include "evergreen/strategies/strategy_registry.h"

namespace evergreen::cli {
namespace {

using Clock = std::chrono::steady_clock;

bool wants(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string cell_label(const std::string& benchmark, const std::string& method, int64_t buffer) {
  return mammoth_method_uses_buffer(method) ? fmt::format("{}-{}-{}", benchmark, method, buffer)
                                            : fmt::format("{}-{}", benchmark, method);
}

nlohmann::json mean_std_json(const MeanStd& value) {
  return {{"mean", value.mean}, {"std", value.std}, {"runs", value.count}};
}

nlohmann::json run_accuracy_part(const ClassicBenchOptions& options) {
  struct CellInfo {
    std::string benchmark, method;
    int64_t buffer;
  };
  std::vector<SweepCell> cells;
  std::vector<CellInfo> infos;
  for (const auto& benchmark : options.benchmarks)
    for (const auto& method : options.methods) {
      if (!mammoth_method_runs_on(method, benchmark)) continue;
      std::vector<int64_t> buffers =
          mammoth_method_uses_buffer(method) ? options.buffers : std::vector<int64_t>{0};
      for (int64_t buffer : buffers) {
        MammothStreamOptions stream = options.stream;
        if (benchmark != "split") {
          stream.train_rows = options.domain_train_rows;
          stream.test_rows = options.domain_test_rows;
        }
        cells.push_back({cell_label(benchmark, method, buffer),
                         mammoth_experiment(benchmark, method, buffer, stream)});
        infos.push_back({benchmark, method, buffer});
      }
    }
  SweepOptions sweep;
  sweep.seeds = first_seeds(options.seeds);
  sweep.out_dir = options.out_dir;
  sweep.jobs = options.jobs;
  sweep.progress = [](const std::string& line) {
    std::fprintf(stderr, "bench classic: %s\n", line.c_str());
  };
  auto results = run_sweep(cells, sweep);
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& result = results[i];
    auto metric = [&](const std::string& name) {
      return summarize_runs(result, [&](const StrategyOutcome& run) {
        auto found = run.final_metrics.find(name);
        return found == run.final_metrics.end() ? std::nan("") : 100.0 * found->second;
      });
    };
    nlohmann::json row = {
        {"benchmark", infos[i].benchmark},
        {"method", infos[i].method},
        {"buffer", infos[i].buffer},
        {"accuracy", mean_std_json(metric("accuracy"))},
        {"forgetting",
         mean_std_json(summarize_runs(
             result, [](const auto& run) { return 100.0 * run.continual.forgetting; }))},
        {"train_s",
         mean_std_json(summarize_runs(result, [](const auto& run) { return run.train.wall_s; }))}};
    if (infos[i].benchmark == "split")
      row["task_il_accuracy"] = mean_std_json(metric("task_il_accuracy"));
    rows.push_back(row);
  }
  return rows;
}

/// Steps per second of evergreen's Trainer on Split Fashion-MNIST with `method`, one thread.
nlohmann::json time_evergreen(const ClassicBenchOptions& options, const std::string& method,
                              int64_t rows_per_task) {
  MammothStreamOptions stream = options.stream;
  stream.train_rows = rows_per_task;
  YAML::Node config = mammoth_experiment("split", method, 200, stream);
  // The Python reference replays 10 rows per step for both methods.
  config["strategies"][0]["replay_batch_size"] = 10;
  if (method == "er") config["train"]["learning_rate"] = 0.01;
  ExperimentPlan plan = plan_experiment(config, "bench classic speed");
  set_thread_count(1);
  torch::manual_seed(0);
  Options model_options(plan.config["model"], "model");
  auto model = model_registry().find("mlp_classifier", "bench").make(model_options, plan.stream);
  Options strategy_options(plan.config["strategies"][0], "strategy");
  auto strategy = strategy_registry()
                      .find(plan.config["strategies"][0]["name"].as<std::string>(), "bench")
                      .make(strategy_options);
  Options train_options(plan.config["train"], "train");
  TrainOptions train = read_train_options(train_options);
  Trainer trainer(*model, *strategy, train, 0);
  trainer.set_stream_spec(&plan.stream.spec);
  int64_t steps = 0;
  for (const auto& experience : plan.stream.experiences)
    steps += (experience.train.size() + train.batch_size() - 1) / train.batch_size();
  auto start = Clock::now();
  for (const auto& experience : plan.stream.experiences) trainer.train(experience);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  double accuracy = 0;
  for (const auto& experience : plan.stream.experiences)
    accuracy += strategy->evaluate(*model, experience.test).at("accuracy") /
                static_cast<double>(plan.stream.size());
  return {{"implementation", "evergreen"},
          {"steps", steps},
          {"seconds", seconds},
          {"steps_per_second", static_cast<double>(steps) / seconds},
          {"accuracy_class_il", accuracy}};
}

nlohmann::json time_python(const ClassicBenchOptions& options, const std::string& method,
                           int64_t max_steps) {
  if (!std::filesystem::exists(options.python_script) ||
      std::system(fmt::format("{} -c 'import torch' > /dev/null 2>&1", options.python).c_str()) !=
          0)
    return nullptr;
  std::string command = fmt::format(
      "{} '{}' --strategy {} --buffer 200 --minibatch 10 --batch-size 10 --threads 1 "
      "--max-steps {}{}",
      options.python, options.python_script, method, max_steps,
      options.stream.data_dir.empty() ? "" : " --data '" + options.stream.data_dir + "'");
  std::string output = read_command_output(command);
  try {
    return nlohmann::json::parse(output);
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

nlohmann::json run_speed_part(const ClassicBenchOptions& options) {
  nlohmann::json rows = nlohmann::json::array();
  // The smoke version trains 40 steps per task; the full one every step of the five tasks.
  const int64_t rows_per_task = options.smoke ? 400 : 0;
  for (const std::string method : {"er", "derpp"}) {
    std::fprintf(stderr, "bench classic: speed of %s ...\n", method.c_str());
    nlohmann::json ours = time_evergreen(options, method, rows_per_task);
    nlohmann::json python = time_python(options, method, options.smoke ? 200 : 0);
    nlohmann::json row = {
        {"method", method}, {"batch_size", 10}, {"evergreen", ours}, {"python", python}};
    if (!python.is_null())
      row["ratio"] =
          ours.at("steps_per_second").get<double>() / python.at("steps_per_second").get<double>();
    rows.push_back(row);
  }
  return rows;
}

std::string format_percent(const nlohmann::json& value) {
  if (value.is_null() || std::isnan(value.at("mean").get<double>())) return "-";
  if (value.at("runs").get<int64_t>() < 2)
    return fmt::format("{:.2f}", value.at("mean").get<double>());
  return fmt::format("{:.2f} ± {:.2f}", value.at("mean").get<double>(),
                     value.at("std").get<double>());
}

}  // namespace

nlohmann::json run_classic_bench(const ClassicBenchOptions& given) {
  ClassicBenchOptions options = given;
  if (options.smoke) {
    options.benchmarks = {"split", "permuted"};
    options.methods = {"sgd", "joint", "ewc",   "si",    "lwf",  "er",
                       "gem", "agem",  "icarl", "gdumb", "derpp"};
    options.buffers = {200};
    options.seeds = 1;
    options.stream.train_rows = 300;
    options.stream.test_rows = 100;
    options.stream.domain_tasks = 3;
    options.domain_train_rows = 300;
    options.domain_test_rows = 100;
  }
  for (const auto& benchmark : options.benchmarks)
    EVERGREEN_CHECK_INPUT(wants(mammoth_benchmarks(), benchmark),
                          "--benchmarks: unknown '{}' (known: split, permuted, rotated)",
                          benchmark);
  for (const auto& method : options.methods)
    EVERGREEN_CHECK_INPUT(wants(mammoth_methods(), method), "--methods: unknown '{}' (known: {})",
                          method, fmt::join(mammoth_methods(), ", "));
  for (int64_t buffer : options.buffers)
    EVERGREEN_CHECK_INPUT(buffer >= 1, "--buffers: must be >= 1, got {}", buffer);
  EVERGREEN_CHECK_INPUT(options.seeds >= 1, "--seeds: must be >= 1, got {}", options.seeds);
  nlohmann::json result = {
      {"protocol", "after Buzzega et al. 2020 (Mammoth's best arguments)"},
      {"data", options.stream.data_dir.empty() ? "/usr/share/datasets/fashion-mnist"
                                               : options.stream.data_dir},
      {"seeds", options.seeds}};
  auto start = Clock::now();
  if (wants(options.parts, "accuracy")) result["accuracy"] = run_accuracy_part(options);
  if (wants(options.parts, "speed")) result["speed"] = run_speed_part(options);
  result["wall_s"] = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

std::string format_classic_bench(const nlohmann::json& result) {
  std::string text = fmt::format(
      "# bench classic: Fashion-MNIST in the DER paper's protocol ({})\n\n"
      "Accuracy (%) after the last task, mean ± std over {} seed(s). Beside it: the DER paper's "
      "numbers on MNIST (published, a different and easier data set: compare orderings, not "
      "values) and Mammoth's own code on this Fashion-MNIST (one seed, buffer 200).\n\n",
      result.at("protocol").get<std::string>(), result.at("seeds").get<int64_t>());
  if (result.contains("accuracy")) {
    // One line per method and buffer, the benchmarks as columns.
    struct Line {
      std::string method;
      int64_t buffer;
      std::map<std::string, std::string> cells;
    };
    std::vector<Line> lines;
    for (const auto& row : result.at("accuracy")) {
      std::string method = row.at("method");
      int64_t buffer = row.at("buffer");
      auto line = std::find_if(lines.begin(), lines.end(), [&](const Line& l) {
        return l.method == method && l.buffer == buffer;
      });
      if (line == lines.end()) {
        lines.push_back({method, buffer, {}});
        line = lines.end() - 1;
      }
      std::string benchmark = row.at("benchmark");
      if (benchmark == "split") {
        line->cells["class"] = format_percent(row.at("accuracy"));
        line->cells["task"] = format_percent(row.at("task_il_accuracy"));
      } else {
        line->cells[benchmark] = format_percent(row.at("accuracy"));
      }
    }
    text +=
        "| method | buffer | S-FMNIST Class-IL | S-FMNIST Task-IL | P-FMNIST Domain-IL | "
        "R-FMNIST Domain-IL | published MNIST (C / T / P / R) | Mammoth on FMNIST (C / T) |\n"
        "|---|---|---|---|---|---|---|---|\n";
    auto cell = [](const Line& line, const std::string& key) {
      auto found = line.cells.find(key);
      return found == line.cells.end() ? std::string("") : found->second;
    };
    for (const auto& line : lines) {
      std::string published = "-", mammoth = "-";
      if (auto numbers = published_mnist_accuracy(line.method, line.buffer)) {
        std::vector<std::string> parts;
        for (double value : *numbers)
          parts.push_back(std::isnan(value) ? "-" : fmt::format("{:.2f}", value));
        published = fmt::format("{}", fmt::join(parts, " / "));
      }
      if (line.buffer == 200 || line.buffer == 0)
        if (auto numbers = mammoth_fashion_mnist_accuracy(line.method);
            numbers && (line.buffer == 200 || !mammoth_method_uses_buffer(line.method)))
          mammoth = fmt::format("{:.2f} / {:.2f}", numbers->first, numbers->second);
      text += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", line.method,
                          line.buffer > 0 ? std::to_string(line.buffer) : "-", cell(line, "class"),
                          cell(line, "task"), cell(line, "permuted"), cell(line, "rotated"),
                          published, mammoth);
    }
    text += "\n";
  }
  if (result.contains("speed")) {
    text +=
        "Training speed, Split Fashion-MNIST, batch 10, one thread, buffer 200 (10 rows "
        "replayed per step):\n\n| method | evergreen steps/s | Python PyTorch steps/s | "
        "ratio | accuracy evergreen / Python |\n|---|---|---|---|---|\n";
    for (const auto& row : result.at("speed")) {
      const auto& ours = row.at("evergreen");
      const auto& python = row.at("python");
      text += fmt::format(
          "| {} | {:.0f} | {} | {} | {:.2f} / {} |\n", row.at("method").get<std::string>(),
          ours.at("steps_per_second").get<double>(),
          python.is_null() ? "-"
                           : fmt::format("{:.0f}", python.at("steps_per_second").get<double>()),
          row.contains("ratio") ? fmt::format("{:.2f}x", row.at("ratio").get<double>()) : "-",
          100 * ours.at("accuracy_class_il").get<double>(),
          python.is_null()
              ? "-"
              : fmt::format("{:.2f}", 100 * python.at("accuracy_class_il").get<double>()));
    }
    text += "\nGoal: evergreen >= 3x the Python loop at batch 10.\n";
  }
  text += fmt::format("\nbench classic took {:.0f} s\n", result.at("wall_s").get<double>());
  return text;
}

}  // namespace evergreen::cli
