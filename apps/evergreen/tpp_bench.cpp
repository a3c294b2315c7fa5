#include "tpp_bench.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>

#include "command_output.h"
#include "evergreen/core/error.h"
#include "evergreen/core/threads.h"
#include "evergreen/data/tpp/event_sequences.h"
#include "evergreen/data/tpp/event_streams.h"
#include "evergreen/data/tpp/ground_truth.h"
#include "evergreen/data/tpp/hawkes.h"
#include "evergreen/data/tpp/hawkes_fit.h"
#include "evergreen/data/tpp/sequence_windows.h"
#include "evergreen/eval/point_process_nll.h"
#include "evergreen/models/tpp/attentive_neural_hawkes.h"
#include "evergreen/models/tpp/neural_hawkes.h"
#include "evergreen/models/tpp/thinning.h"
#include "evergreen/run/experiment.h"
#include "evergreen/run/sweep.h"
#include "evergreen/run/trainer.h"
#include "evergreen/strategies/naive.h"

namespace evergreen::cli {
namespace {

using Clock = std::chrono::steady_clock;

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void write_batch(const Batch& batch, int64_t num_types, const std::string& file) {
  std::ofstream out(file, std::ios::binary);
  int64_t header[3] = {batch.size(), batch.at("times").size(1), num_types};
  out.write(reinterpret_cast<const char*>(header), sizeof(header));
  auto times = batch.at("times").contiguous();
  auto types = batch.at("types").contiguous();
  auto mask = batch.at("mask").contiguous();
  out.write(reinterpret_cast<const char*>(times.data_ptr<float>()), times.numel() * 4);
  out.write(reinterpret_cast<const char*>(types.data_ptr<int64_t>()), types.numel() * 8);
  out.write(reinterpret_cast<const char*>(mask.data_ptr<float>()), mask.numel() * 4);
  EVERGREEN_CHECK_INPUT(out.good(), "{}: cannot write the benchmark data", file);
}

nlohmann::json run_python(const TppBenchOptions& options, const Batch& batch, int64_t num_types) {
  if (!std::filesystem::exists(options.python_script) ||
      std::system(fmt::format("{} -c 'import torch' > /dev/null 2>&1", options.python).c_str()) !=
          0)
    return nullptr;
  auto file =
      (std::filesystem::temp_directory_path() / fmt::format("evergreen-tpp-{}.bin", ::getpid()))
          .string();
  write_batch(batch, num_types, file);
  std::string command = fmt::format(
      "OMP_NUM_THREADS=1 {} '{}' --data '{}' --hidden {} --points {} --batch-size {} --steps {}",
      options.python, options.python_script, file, options.hidden_size, options.integral_points,
      options.batch_size, options.speed_steps);
  std::string output = read_command_output(command);
  std::filesystem::remove(file);
  try {
    return nlohmann::json::parse(output);
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

bool wants(const TppBenchOptions& options, const std::string& part) {
  return std::find(options.parts.begin(), options.parts.end(), part) != options.parts.end();
}

/// Trains `model` naively (Adam) for `epochs` on `train`; returns seconds.
double train_model(Model& model, const Batch& train, int64_t epochs,
                   const TppBenchOptions& options) {
  NaiveStrategy strategy;
  Trainer trainer(model, strategy,
                  TrainOptions()
                      .epochs(epochs)
                      .batch_size(options.batch_size)
                      .learning_rate(options.learning_rate),
                  0);
  Experience experience;
  experience.name = "train";
  experience.train = train;
  auto start = Clock::now();
  trainer.train(experience);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Training throughput: `speed_steps` steps of `batch_size` sequences of `data`, one thread.
nlohmann::json measure_speed(Model& model, const Batch& data, const TppBenchOptions& options) {
  NaiveStrategy strategy;
  Trainer trainer(model, strategy, TrainOptions().epochs(1).batch_size(options.batch_size), 0);
  double events = 0;
  auto start = Clock::now();
  for (int64_t step = 0; step < options.speed_steps; ++step) {
    int64_t begin = (step * options.batch_size) % data.size();
    Experience part;
    part.name = "speed";
    part.train = data.slice(begin, std::min(data.size(), begin + options.batch_size));
    events += part.train.at("mask").sum().item<double>();
    trainer.train(part);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return {{"events", events},
          {"seconds", seconds},
          {"events_per_s", events / seconds},
          {"peak_rss_mb", peak_rss_mb()}};
}

nlohmann::json mean_and_std(const std::vector<double>& values) {
  double mean = 0, variance = 0;
  for (double value : values) mean += value / static_cast<double>(values.size());
  for (double value : values) variance += (value - mean) * (value - mean);
  return {{"mean", mean},
          {"std", values.size() > 1 ? std::sqrt(variance / (values.size() - 1)) : 0.0}};
}

/// Naive, Retrain, Pretrain, ER (a reference that breaks the no-replay rule) and PromptTPP on
/// AttNHP over an event stream, `seeds` seeds; means and standard deviations.
nlohmann::json run_continual(const TppBenchOptions& options, const std::string& key,
                             const std::string& stream_yaml) {
  YAML::Node config = YAML::Load(fmt::format(
      "{{experiment: bench-tpp-{}, seed: 0, threads: 1, model: {{name: attnhp, hidden_size: 32, "
      "time_embedding_size: 16}}, train: {{epochs: {}, batch_size: 8, learning_rate: 0.001}}, "
      "strategies: [naive, retrain, pretrain, {{name: er, memory_size: 16}}, prompttpp]}}",
      key, options.continual_epochs));
  config["stream"] = YAML::Load(stream_yaml);
  // One plan of every strategy names the cells and holds the stream the runs share.
  StreamCache streams;
  ExperimentPlan plan = plan_experiment(YAML::Clone(config), "bench tpp", &streams);
  const Stream& stream = plan.stream;
  std::vector<SweepCell> cells;
  for (size_t s = 0; s < plan.strategy_labels.size(); ++s) {
    YAML::Node cell = YAML::Clone(config);
    YAML::Node single(YAML::NodeType::Sequence);
    single.push_back(YAML::Clone(config["strategies"][s]));
    cell["strategies"] = single;
    cells.push_back({plan.strategy_labels[s], cell});
  }
  double true_nll = 0;
  int64_t windows_with_truth = 0;
  for (const auto& experience : stream.experiences) {
    auto found = experience.metadata.find("true_nll_per_event");
    if (found == experience.metadata.end()) continue;
    true_nll += std::stod(found->second);
    ++windows_with_truth;
  }

  SweepOptions sweep;
  sweep.seeds = first_seeds(options.seeds);
  sweep.streams = &streams;
  sweep.run_directory = [&](const SweepCell& cell, uint64_t seed) {
    return fmt::format("{}/{}/seed-{}/{}", options.out_dir, key, seed, cell.label);
  };
  sweep.progress = [&](const std::string& line) {
    std::fprintf(stderr, "bench tpp: %s: %s\n", key.c_str(), line.c_str());
  };
  // Next-event prediction on the last window's test sequences, by the model as it ends: one slot
  // per run (the seeds are 0 .. n-1, so a seed is its own index).
  std::vector<std::vector<std::map<std::string, double>>> predictions(
      cells.size(), std::vector<std::map<std::string, double>>(sweep.seeds.size()));
  sweep.after_experience = [&](size_t cell, uint64_t seed, Model& model, int64_t index) {
    // Only a model with an intensity function can predict the next event.
    if (index + 1 != stream.size() || model.intensity_function() == nullptr) return;
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    NextEventOptions next;
    next.thinning(ThinningOptions().samples(options.thinning_samples));
    predictions[cell][seed] =
        next_event_metrics(model, stream.experiences[index].test, generator, next);
  };
  auto results = run_sweep(cells, sweep);

  nlohmann::json rows = nlohmann::json::array();
  for (size_t c = 0; c < results.size(); ++c) {
    std::map<std::string, std::vector<double>> values;
    MetricMatrix mean_matrix;  // R[j][i]: NLL per event on window i after training window j
    const auto seeds = static_cast<double>(results[c].runs.size());
    for (size_t seed = 0; seed < results[c].runs.size(); ++seed) {
      const StrategyOutcome& run = results[c].runs[seed];
      const auto& prediction = predictions[c][seed];
      values["acc"].push_back(run.continual.acc);
      values["bwt"].push_back(run.continual.bwt);
      values["forgetting"].push_back(run.continual.forgetting);
      values["last_window"].push_back(run.matrix.back().back());
      values["memory_bytes"].push_back(static_cast<double>(run.memory.bytes));
      values["train_s"].push_back(run.train.wall_s);
      values["energy_kwh"].push_back(run.total.energy_kwh);
      values["last_window_rmse"].push_back(prediction.at("rmse"));
      values["last_window_type_accuracy"].push_back(prediction.at("type_accuracy"));
      if (mean_matrix.empty())
        for (const auto& row : run.matrix) mean_matrix.emplace_back(row.size(), 0.0);
      for (size_t j = 0; j < run.matrix.size(); ++j)
        for (size_t i = 0; i < run.matrix[j].size(); ++i)
          mean_matrix[j][i] += run.matrix[j][i] / seeds;
    }
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [name, list] : values) metrics[name] = mean_and_std(list);
    rows.push_back(
        {{"strategy", results[c].label}, {"metrics", metrics}, {"mean_matrix", mean_matrix}});
  }
  nlohmann::json result = {
      {"stream", key},
      {"title", key == "stackoverflow" ? "StackOverflow badges (tpp/stackoverflow)" : stream.name},
      {"windows", stream.size()},
      {"rows", rows}};
  if (windows_with_truth > 0) result["true_nll_per_event"] = true_nll / windows_with_truth;
  return result;
}

}  // namespace

nlohmann::json run_tpp_bench(const TppBenchOptions& given) {
  TppBenchOptions options = given;
  std::vector<std::string> datasets = options.datasets;
  const auto& known = synthetic_tpp_sets();
  for (const auto& name : datasets)
    EVERGREEN_CHECK_INPUT(std::find(known.begin(), known.end(), name) != known.end(),
                          "bench tpp: unknown data set '{}' (known: {})", name,
                          fmt::join(known, ", "));
  if (options.smoke) {
    datasets = {"hawkes1"};
    options.epochs = options.attnhp_epochs = 1;
    options.max_events = 64;
    options.attnhp_window = 32;
    options.evaluation_points = 50;
    options.speed_steps = 2;
    options.parts = {"quality", "speed"};
  }
  set_thread_count(1);
  nlohmann::json result = {{"epochs", options.epochs},
                           {"learning_rate", options.learning_rate},
                           {"attnhp_epochs", options.attnhp_epochs},
                           {"attnhp_window", options.attnhp_window},
                           {"attnhp_integral_points", options.attnhp_integral_points},
                           {"batch_size", options.batch_size},
                           {"hidden_size", options.hidden_size},
                           {"integral_points", options.integral_points},
                           {"evaluation_points", options.evaluation_points},
                           {"quality", nlohmann::json::array()}};
  if (!wants(options, "quality") && !wants(options, "speed")) datasets.clear();
  if (!wants(options, "quality")) datasets.resize(std::min<size_t>(datasets.size(), 1));

  // Train on sequences 0-47, test on 56-63 (48-55 are the development split).
  struct Split {
    std::string name;
    std::vector<MarkedSequence> train, test;
  };
  std::vector<Split> splits;
  for (const auto& name : datasets) {
    auto file = options.data_dir + "/tpp/synth/" + name + ".npz";
    EVERGREEN_CHECK_INPUT(std::filesystem::exists(file), "{}: not found (give --data DIR)", file);
    EventDataset data = read_npz_arrival_times(file);
    EVERGREEN_CHECK_INPUT(data.sequences.size() >= 64, "{}: expected 64 sequences", file);
    splits.push_back({name, select_sequences(data, 0, 48, options.max_events),
                      select_sequences(data, 56, 64, options.max_events)});
  }
  auto make_nhp = [&](int64_t points) -> std::shared_ptr<Model> {
    return NeuralHawkes(
               NeuralHawkesOptions(1).hidden_size(options.hidden_size).integral_points(points))
        .ptr();
  };
  auto make_attnhp = [&](int64_t points) -> std::shared_ptr<Model> {
    return AttentiveNeuralHawkes(AttentiveNeuralHawkesOptions(1)
                                     .hidden_size(options.hidden_size)
                                     .integral_points(points))
        .ptr();
  };

  // Speed first, so that each peak RSS is the model's training and not an earlier evaluation.
  if (wants(options, "speed") && !splits.empty()) {
    std::fprintf(stderr, "bench tpp: speed ...\n");
    Batch sequences = pad_to_longest(splits.front().train);
    torch::manual_seed(0);
    auto nhp = make_nhp(options.integral_points);
    nlohmann::json speed = {{"nhp", measure_speed(*nhp, sequences, options)}};
    auto python = run_python(options, sequences, 1);
    if (!python.is_null()) {
      speed["python"] = python;
      speed["nhp_over_python"] = speed.at("nhp").at("events_per_s").get<double>() /
                                 python.at("events_per_s").get<double>();
    }
    torch::manual_seed(0);
    auto attnhp = make_attnhp(options.attnhp_integral_points);
    speed["attnhp"] = measure_speed(
        *attnhp, pad_to_longest(cut_into_windows(splits.front().train, options.attnhp_window)),
        options);
    result["speed"] = speed;
  }

  for (const auto& split : wants(options, "quality") ? splits : std::vector<Split>{}) {
    const auto& name = split.name;
    Batch train = pad_to_longest(split.train), test = pad_to_longest(split.test);
    std::fprintf(stderr, "bench tpp: NHP on %s ...\n", name.c_str());
    torch::manual_seed(0);
    auto nhp = make_nhp(options.integral_points);
    double nhp_seconds = train_model(*nhp, train, options.epochs, options);
    // Evaluate with a converged integral: the same parameters, more points per interval.
    NllPerEvent nhp_nll =
        model_nll_per_event_with_points(*nhp, make_nhp, options.evaluation_points, test, 8);
    double nhp_coarse = model_nll_per_event(*nhp, test).easytpp;
    NllPerEvent truth = synthetic_tpp_true_nll_per_event(name, split.test);

    // AttNHP attends over the whole history at every integral point (memory ~ L^2 x points), so
    // it learns on windows of the same sequences and is compared with the truth on them.
    std::fprintf(stderr, "bench tpp: AttNHP on %s ...\n", name.c_str());
    auto train_windows = cut_into_windows(split.train, options.attnhp_window);
    auto test_windows = cut_into_windows(split.test, options.attnhp_window);
    torch::manual_seed(0);
    auto attnhp = make_attnhp(options.attnhp_integral_points);
    double attnhp_seconds =
        train_model(*attnhp, pad_to_longest(train_windows), options.attnhp_epochs, options);
    NllPerEvent attnhp_nll = model_nll_per_event_with_points(
        *attnhp, make_attnhp, options.evaluation_points, pad_to_longest(test_windows), 2);
    NllPerEvent window_truth = synthetic_tpp_true_nll_per_event(name, test_windows);

    // The parametric reference: an exponential Hawkes process fitted by maximum likelihood.
    HawkesFitResult fit = fit_univariate_hawkes(split.train);
    const double fitted_nll = hawkes_nll_per_event(fit.parameters, split.test).easytpp;
    auto both = [](const NllPerEvent& nll) {
      return nlohmann::json{{"easytpp", nll.easytpp}, {"full", nll.full}};
    };
    result["quality"].push_back({{"dataset", name},
                                 {"nhp", both(nhp_nll)},
                                 {"nhp_training_grid", nhp_coarse},
                                 {"truth", both(truth)},
                                 {"attnhp_windows", both(attnhp_nll)},
                                 {"truth_windows", both(window_truth)},
                                 {"hawkes_mle", fitted_nll},
                                 {"hawkes_mle_parameters",
                                  {{"mu", fit.parameters.mu[0]},
                                   {"alpha", fit.parameters.alpha[0][0]},
                                   {"beta", fit.parameters.beta[0][0]}}},
                                 {"nhp_train_seconds", nhp_seconds},
                                 {"attnhp_train_seconds", attnhp_seconds}});
  }

  if (wants(options, "continual")) {
    result["continual"] = nlohmann::json::array();
    result["continual_epochs"] = options.continual_epochs;
    result["thinning_samples"] = options.thinning_samples;
    result["seeds"] = options.seeds;
    result["continual"].push_back(
        run_continual(options, "hawkes",
                      "{name: regime_shifting_hawkes, types: 2, windows: 4, train_sequences: 32, "
                      "test_sequences: 16, horizon: 30, seed: 0}"));
    auto events = options.data_dir + "/tpp/stackoverflow/event.txt";
    auto times = options.data_dir + "/tpp/stackoverflow/time.txt";
    if (std::filesystem::exists(events) && std::filesystem::exists(times))
      result["continual"].push_back(run_continual(
          options, "stackoverflow",
          fmt::format("{{name: event_windows, path: '{}', time_path: '{}', windows: 4, "
                      "max_events: 32}}",
                      events, times)));
  }
  return result;
}

std::string format_tpp_bench(const nlohmann::json& result) {
  std::string text;
  if (!result.at("quality").empty()) {
    text += fmt::format(
        "Quality: train on sequences 0-47, test on 56-63; NHP (hidden {}, batch {}, {} epochs, "
        "{} trapezoid points per interval) on whole sequences; AttNHP (after Yang et al. 2022; "
        "{} epochs, {} points) on windows of {} events, next to the true model on the same "
        "windows; evaluation with {} points per interval. NLL per event in EasyTPP's "
        "convention (first event not scored, integral from the first to the last event):\n\n"
        "| data set | true model | NHP | NHP - truth | NHP (training grid) | Hawkes MLE | true "
        "model, windows | AttNHP, windows | AttNHP - truth | train s NHP / AttNHP |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n",
        result.at("hidden_size").get<int64_t>(), result.at("batch_size").get<int64_t>(),
        result.at("epochs").get<int64_t>(), result.at("integral_points").get<int64_t>(),
        result.at("attnhp_epochs").get<int64_t>(),
        result.at("attnhp_integral_points").get<int64_t>(),
        result.at("attnhp_window").get<int64_t>(), result.at("evaluation_points").get<int64_t>());
    auto value = [](const nlohmann::json& row, const char* model, const char* convention) {
      return row.at(model).at(convention).get<double>();
    };
    for (const auto& row : result.at("quality"))
      text += fmt::format(
          "| {} | {:.4f} | {:.4f} | {:+.4f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:+.4f} | "
          "{:.0f} / {:.0f} |\n",
          row.at("dataset").get<std::string>(), value(row, "truth", "easytpp"),
          value(row, "nhp", "easytpp"),
          value(row, "nhp", "easytpp") - value(row, "truth", "easytpp"),
          row.at("nhp_training_grid").get<double>(), row.at("hawkes_mle").get<double>(),
          value(row, "truth_windows", "easytpp"), value(row, "attnhp_windows", "easytpp"),
          value(row, "attnhp_windows", "easytpp") - value(row, "truth_windows", "easytpp"),
          row.at("nhp_train_seconds").get<double>(), row.at("attnhp_train_seconds").get<double>());
    text +=
        "\nThe same models over [0, t_N] (every event scored, the integral from 0; the data "
        "set's own convention):\n\n| data set | true model | NHP | NHP - truth | true model, "
        "windows | AttNHP, windows | AttNHP - truth |\n|---|---|---|---|---|---|---|\n";
    for (const auto& row : result.at("quality"))
      text += fmt::format(
          "| {} | {:.4f} | {:.4f} | {:+.4f} | {:.4f} | {:.4f} | {:+.4f} |\n",
          row.at("dataset").get<std::string>(), value(row, "truth", "full"),
          value(row, "nhp", "full"), value(row, "nhp", "full") - value(row, "truth", "full"),
          value(row, "truth_windows", "full"), value(row, "attnhp_windows", "full"),
          value(row, "attnhp_windows", "full") - value(row, "truth_windows", "full"));
  }
  if (result.contains("continual")) {
    for (const auto& stream : result.at("continual")) {
      text += fmt::format(
          "\nContinual on {} ({} windows; AttNHP, {} epochs per window; mean ± std over {} "
          "seeds){}; last window's next event by thinning ({} chains)\n\n| strategy | ACC "
          "(NLL/event) | BWT | forgetting | last window NLL | last window RMSE | last window type "
          "accuracy | memory KiB | train s | energy J "
          "|\n|---|---|---|---|---|---|---|---|---|---|\n",
          stream.at("title").get<std::string>(), stream.at("windows").get<int64_t>(),
          result.at("continual_epochs").get<int64_t>(), result.at("seeds").get<int64_t>(),
          stream.contains("true_nll_per_event")
              ? fmt::format("; true model's NLL/event averaged over the windows: {:.4f}",
                            stream.at("true_nll_per_event").get<double>())
              : std::string(),
          result.at("thinning_samples").get<int64_t>());
      auto cell = [](const nlohmann::json& metrics, const char* name, double scale, int digits) {
        return fmt::format("{:.{}f} ± {:.{}f}", metrics.at(name).at("mean").get<double>() * scale,
                           digits, metrics.at(name).at("std").get<double>() * scale, digits);
      };
      for (const auto& row : stream.at("rows")) {
        const auto& metrics = row.at("metrics");
        text +=
            fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                        row.at("strategy").get<std::string>(), cell(metrics, "acc", 1, 4),
                        cell(metrics, "bwt", 1, 4), cell(metrics, "forgetting", 1, 4),
                        cell(metrics, "last_window", 1, 4), cell(metrics, "last_window_rmse", 1, 3),
                        cell(metrics, "last_window_type_accuracy", 1, 3),
                        cell(metrics, "memory_bytes", 1.0 / 1024, 1),
                        cell(metrics, "train_s", 1, 1), cell(metrics, "energy_kwh", 3.6e6, 1));
      }
      // The last row of the mean NLL matrix: every window after training on all of them.
      const int64_t windows = stream.at("windows").get<int64_t>();
      text +=
          "\nNLL per event on each window after the last one (mean over seeds):\n\n| strategy |";
      for (int64_t i = 1; i <= windows; ++i) text += fmt::format(" window {} |", i);
      text += "\n|---|";
      for (int64_t i = 1; i <= windows; ++i) text += "---|";
      text += "\n";
      for (const auto& row : stream.at("rows")) {
        text += "| " + row.at("strategy").get<std::string>() + " |";
        for (const auto& value : row.at("mean_matrix").back())
          text += fmt::format(" {:.4f} |", value.get<double>());
        text += "\n";
      }
    }
  }
  if (result.contains("speed")) {
    const auto& speed = result.at("speed");
    text += "\nSpeed: training on hawkes1's training sequences, one thread, batch " +
            std::to_string(result.at("batch_size").get<int64_t>()) +
            " (AttNHP on its windows); peak RSS of the process so far\n\n| model | events/s | "
            "peak RSS MB |\n|---|---|---|\n";
    text += fmt::format("| evergreen NHP | {:.0f} | {:.0f} |\n",
                        speed.at("nhp").at("events_per_s").get<double>(),
                        speed.at("nhp").at("peak_rss_mb").get<double>());
    if (speed.contains("python"))
      text += fmt::format("| Python PyTorch NHP (bench/nhp_reference.py) | {:.0f} | {:.0f} |\n",
                          speed.at("python").at("events_per_s").get<double>(),
                          speed.at("python").value("peak_rss_mb", 0.0));
    text += fmt::format("| evergreen AttNHP | {:.0f} | {:.0f} |\n",
                        speed.at("attnhp").at("events_per_s").get<double>(),
                        speed.at("attnhp").at("peak_rss_mb").get<double>());
    if (speed.contains("nhp_over_python"))
      text += fmt::format("\nNHP: evergreen / Python = {:.2f}x\n",
                          speed.at("nhp_over_python").get<double>());
  }
  text +=
      "Goals: NHP within 0.005 nats/event of the truth and AttNHP within 0.05, on hawkes1 and "
      "poisson; NHP >= 3x the Python reference and >= 33,000 events/s; peak RSS < 200 MB.\n";
  return text;
}

}  // namespace evergreen::cli
