#include "tpp_bench.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "command_output.h"
#include "evergreen/core/error.h"
#include "evergreen/data/tpp/event_sequences.h"
#include "evergreen/data/tpp/event_streams.h"
#include "evergreen/data/tpp/hawkes.h"
#include "evergreen/data/tpp/hawkes_fit.h"
#include "evergreen/models/tpp/neural_hawkes.h"
#include "evergreen/run/experiment.h"
#include "evergreen/run/trainer.h"
#include "evergreen/strategies/naive.h"

namespace evergreen::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<MarkedSequence> slice(const EventDataset& data, int64_t begin, int64_t end,
                                  int64_t max_events) {
  std::vector<MarkedSequence> result(data.sequences.begin() + begin, data.sequences.begin() + end);
  if (max_events > 0)
    for (auto& sequence : result) {
      if (sequence.size() <= max_events) continue;
      sequence.times.resize(max_events);
      sequence.types.resize(max_events);
    }
  return result;
}

/// The true model's NLL per event on `sequences` in EasyTPP's convention (events i >= 2, the
/// integral from the first to the last event).
double true_nll_per_event(const std::string& name, const std::vector<MarkedSequence>& sequences) {
  double nll = 0, events = 0;
  // renewal: log-normal gaps with mean 1 and std 6 (data/README.md)
  const double sigma = std::sqrt(std::log(37.0)), mu = -sigma * sigma / 2;
  for (const auto& sequence : sequences) {
    events += static_cast<double>(sequence.size() - 1);
    if (name == "hawkes1") {
      nll -= hawkes_log_likelihood_easytpp({{0.2}, {{0.8}}, {{1.0}}}, sequence);
    } else if (name == "poisson") {  // rate 1: log lambda = 0, integral = t_N - t_1
      nll += sequence.times.back() - sequence.times.front();
    } else {  // a renewal process scores log f(gap) per event: lambda = f/S, integral = -log S
      for (int64_t i = 1; i < sequence.size(); ++i) {
        double gap = std::max(sequence.times[i] - sequence.times[i - 1], 1e-300);
        double z = (std::log(gap) - mu) / sigma;
        nll -= -std::log(gap * sigma * std::sqrt(2 * M_PI)) - 0.5 * z * z;
      }
    }
  }
  return nll / events;
}

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
      std::system(fmt::format("{} -c 'import torch' > /dev/null 2>&1", options.python).c_str()) != 0)
    return nullptr;
  auto file = (std::filesystem::temp_directory_path() /
               fmt::format("evergreen-tpp-{}.bin", ::getpid())).string();
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
  ExperimentPlan plan = plan_experiment(config, "bench tpp");
  double true_nll = 0;
  int64_t windows_with_truth = 0;
  for (const auto& experience : plan.stream.experiences) {
    auto found = experience.metadata.find("true_nll_per_event");
    if (found == experience.metadata.end()) continue;
    true_nll += std::stod(found->second);
    ++windows_with_truth;
  }
  nlohmann::json rows = nlohmann::json::array();
  for (size_t s = 0; s < plan.strategy_labels.size(); ++s) {
    std::map<std::string, std::vector<double>> values;
    for (int64_t seed = 0; seed < options.seeds; ++seed) {
      plan.seed = static_cast<uint64_t>(seed);
      plan.config["seed"] = seed;
      RunControl control;
      control.out_dir = fmt::format("{}/{}/seed-{}/{}", options.out_dir, key, seed,
                                    plan.strategy_labels[s]);
      control.progress = [](const std::string&, const std::string&) {};
      std::fprintf(stderr, "bench tpp: %s, %s, seed %lld\n", key.c_str(),
                   plan.strategy_labels[s].c_str(), static_cast<long long>(seed));
      auto summary = run_strategy(plan, s, control.out_dir, control).summary;
      values["acc"].push_back(summary.at("acc"));
      values["bwt"].push_back(summary.at("bwt"));
      values["forgetting"].push_back(summary.at("forgetting"));
      values["last_window"].push_back(summary.at("matrix").back().back());
      values["memory_bytes"].push_back(summary.at("memory").at("bytes"));
      values["train_s"].push_back(summary.at("green").at("phases").at("train").at("wall_s"));
      values["energy_kwh"].push_back(summary.at("green").at("energy_kwh"));
    }
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [name, list] : values) {
      double mean = 0, variance = 0;
      for (double value : list) mean += value / static_cast<double>(list.size());
      for (double value : list) variance += (value - mean) * (value - mean);
      metrics[name] = {{"mean", mean},
                       {"std", list.size() > 1 ? std::sqrt(variance / (list.size() - 1)) : 0.0}};
    }
    rows.push_back({{"strategy", plan.strategy_labels[s]}, {"metrics", metrics}});
  }
  nlohmann::json result = {{"stream", key},
                           {"title", plan.stream.name},
                           {"windows", plan.stream.size()},
                           {"rows", rows}};
  if (windows_with_truth > 0) result["true_nll_per_event"] = true_nll / windows_with_truth;
  return result;
}

}  // namespace

nlohmann::json run_tpp_bench(const TppBenchOptions& given) {
  TppBenchOptions options = given;
  std::vector<std::string> datasets = {"hawkes1", "poisson", "renewal"};
  if (options.smoke) {
    datasets = {"hawkes1"};
    options.epochs = 1;
    options.max_events = 64;
    options.speed_steps = 2;
    options.parts = {"quality", "speed"};
  }
  torch::set_num_threads(1);
  nlohmann::json result = {{"epochs", options.epochs},
                           {"batch_size", options.batch_size},
                           {"hidden_size", options.hidden_size},
                           {"integral_points", options.integral_points},
                           {"evaluation_points", options.evaluation_points},
                           {"quality", nlohmann::json::array()}};
  Batch speed_batch;
  if (!wants(options, "quality") && !wants(options, "speed")) datasets.clear();
  for (const auto& name : datasets) {
    auto file = options.data_dir + "/tpp/synth/" + name + ".npz";
    EVERGREEN_CHECK_INPUT(std::filesystem::exists(file), "{}: not found (give --data DIR)", file);
    EventDataset data = read_npz_arrival_times(file);
    EVERGREEN_CHECK_INPUT(data.sequences.size() >= 64, "{}: expected 64 sequences", file);
    auto train = slice(data, 0, 48, options.max_events);
    auto test = slice(data, 56, 64, options.max_events);
    int64_t length = 0;
    for (const auto* split : {&train, &test})
      for (const auto& sequence : *split) length = std::max(length, sequence.size());
    Experience experience;
    experience.name = name;
    experience.train = pad_sequences(train, length);
    experience.test = pad_sequences(test, length);
    if (speed_batch.empty()) speed_batch = experience.train;
    if (!wants(options, "quality")) break;

    std::fprintf(stderr, "bench tpp: training NHP on %s ...\n", name.c_str());
    torch::manual_seed(0);
    NeuralHawkes model(NeuralHawkesOptions(1).hidden_size(options.hidden_size)
                           .integral_points(options.integral_points));
    NaiveStrategy strategy;
    Trainer trainer(*model, strategy,
                    TrainOptions().epochs(options.epochs).batch_size(options.batch_size)
                        .learning_rate(1e-3), 0);
    auto start = Clock::now();
    trainer.train(experience);
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    // Evaluate with a converged integral: the same parameters, more points per interval.
    NeuralHawkes evaluator(NeuralHawkesOptions(1).hidden_size(options.hidden_size)
                               .integral_points(options.evaluation_points));
    {
      torch::NoGradGuard no_grad;
      auto source = model->parameters();
      auto target = evaluator->parameters();
      for (size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
    }
    double nll = evaluator->evaluate(experience.test).at("nll_per_event");
    double coarse = model->evaluate(experience.test).at("nll_per_event");
    double truth = true_nll_per_event(name, test);
    // The parametric reference: an exponential Hawkes process fitted by maximum likelihood.
    HawkesFitResult fit = fit_univariate_hawkes(train);
    double fitted_nll = 0, fitted_events = 0;
    for (const auto& sequence : test) {
      fitted_nll -= hawkes_log_likelihood_easytpp(fit.parameters, sequence);
      fitted_events += static_cast<double>(sequence.size() - 1);
    }
    result["quality"].push_back({{"dataset", name},
                                 {"nhp_nll_per_event", nll},
                                 {"nhp_nll_per_event_training_grid", coarse},
                                 {"true_nll_per_event", truth},
                                 {"hawkes_mle_nll_per_event", fitted_nll / fitted_events},
                                 {"hawkes_mle", {{"mu", fit.parameters.mu[0]},
                                                 {"alpha", fit.parameters.alpha[0][0]},
                                                 {"beta", fit.parameters.beta[0][0]}}},
                                 {"gap_to_truth", nll - truth},
                                 {"train_seconds", seconds}});
  }

  if (wants(options, "continual")) {
    result["continual"] = nlohmann::json::array();
    result["continual_epochs"] = options.continual_epochs;
    result["seeds"] = options.seeds;
    result["continual"].push_back(run_continual(
        options, "hawkes",
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
  if (!wants(options, "speed")) return result;

  // Speed: training steps on hawkes1's training sequences, batch by batch, one thread.
  std::fprintf(stderr, "bench tpp: speed ...\n");
  torch::manual_seed(0);
  NeuralHawkes model(NeuralHawkesOptions(1).hidden_size(options.hidden_size)
                         .integral_points(options.integral_points));
  NaiveStrategy strategy;
  Trainer trainer(*model, strategy, TrainOptions().epochs(1).batch_size(options.batch_size), 0);
  double events = 0;
  auto start = Clock::now();
  for (int64_t step = 0; step < options.speed_steps; ++step) {
    int64_t begin = (step * options.batch_size) % speed_batch.size();
    Experience part;
    part.name = "speed";
    part.train = speed_batch.slice(begin, std::min(speed_batch.size(), begin + options.batch_size));
    events += part.train.at("mask").sum().item<double>();
    trainer.train(part);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  nlohmann::json speed = {{"events", events}, {"seconds", seconds},
                          {"evergreen_events_per_s", events / seconds},
                          {"peak_rss_mb", peak_rss_mb()}};
  auto python = run_python(options, speed_batch, 1);
  if (!python.is_null()) {
    speed["python_events_per_s"] = python.at("events_per_s");
    speed["evergreen_over_python"] = events / seconds / python.at("events_per_s").get<double>();
  }
  result["speed"] = speed;
  return result;
}

std::string format_tpp_bench(const nlohmann::json& result) {
  std::string text;
  if (!result.at("quality").empty()) {
    text += fmt::format(
        "NHP (hidden {}, batch {}, {} epochs, trapezoid integral with {} points per interval in "
        "training, {} in evaluation); train on sequences 0-47, test on 56-63; NLL per event in "
        "EasyTPP's convention (first event not scored, integral from the first to the last "
        "event)\n\n"
        "| data set | NHP NLL/event | NHP (training grid) | Hawkes MLE | true model | NHP - truth "
        "| train s |\n|---|---|---|---|---|---|---|\n",
        result.at("hidden_size").get<int64_t>(), result.at("batch_size").get<int64_t>(),
        result.at("epochs").get<int64_t>(), result.at("integral_points").get<int64_t>(),
        result.at("evaluation_points").get<int64_t>());
    for (const auto& row : result.at("quality"))
      text += fmt::format("| {} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:+.4f} | {:.1f} |\n",
                          row.at("dataset").get<std::string>(),
                          row.at("nhp_nll_per_event").get<double>(),
                          row.at("nhp_nll_per_event_training_grid").get<double>(),
                          row.at("hawkes_mle_nll_per_event").get<double>(),
                          row.at("true_nll_per_event").get<double>(),
                          row.at("gap_to_truth").get<double>(),
                          row.at("train_seconds").get<double>());
  }
  if (result.contains("continual")) {
    for (const auto& stream : result.at("continual")) {
      text += fmt::format(
          "\nContinual on {} ({} windows; AttNHP, {} epochs per window; mean ± std over {} "
          "seeds){}\n\n| strategy | ACC (NLL/event) | BWT | forgetting | last window NLL | "
          "memory KiB | train s | energy J |\n|---|---|---|---|---|---|---|---|\n",
          stream.at("title").get<std::string>(), stream.at("windows").get<int64_t>(),
          result.at("continual_epochs").get<int64_t>(), result.at("seeds").get<int64_t>(),
          stream.contains("true_nll_per_event")
              ? fmt::format("; true model's NLL/event averaged over the windows: {:.4f}",
                            stream.at("true_nll_per_event").get<double>())
              : std::string());
      auto cell = [](const nlohmann::json& metrics, const char* name, double scale, int digits) {
        return fmt::format("{:.{}f} ± {:.{}f}", metrics.at(name).at("mean").get<double>() * scale,
                           digits, metrics.at(name).at("std").get<double>() * scale, digits);
      };
      for (const auto& row : stream.at("rows")) {
        const auto& metrics = row.at("metrics");
        text += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                            row.at("strategy").get<std::string>(), cell(metrics, "acc", 1, 4),
                            cell(metrics, "bwt", 1, 4), cell(metrics, "forgetting", 1, 4),
                            cell(metrics, "last_window", 1, 4),
                            cell(metrics, "memory_bytes", 1.0 / 1024, 1),
                            cell(metrics, "train_s", 1, 1), cell(metrics, "energy_kwh", 3.6e6, 1));
      }
    }
  }
  if (result.contains("speed")) {
    const auto& speed = result.at("speed");
    text += fmt::format("\nSpeed (one thread, training): evergreen NHP {:.0f} events/s, peak RSS "
                        "{:.0f} MB",
                        speed.at("evergreen_events_per_s").get<double>(),
                        speed.at("peak_rss_mb").get<double>());
    if (speed.contains("python_events_per_s"))
      text += fmt::format("; PyTorch reference {:.0f} events/s; ratio {:.2f}x",
                          speed.at("python_events_per_s").get<double>(),
                          speed.at("evergreen_over_python").get<double>());
    text += "\n";
  }
  text += "Goals: NHP within 0.005 nats/event of the truth on hawkes1 and poisson; >= 3x the "
          "Python reference and >= 33,000 events/s; peak RSS < 200 MB.\n";
  return text;
}

}  // namespace evergreen::cli
