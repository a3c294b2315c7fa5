#include "tpp_bench.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>

#include "command_output.h"
#include "evergreen/core/error.h"
#include "evergreen/core/threads.h"
#include "evergreen/data/tpp/event_sequences.h"
#include "evergreen/data/tpp/event_streams.h"
#include "evergreen/data/tpp/hawkes.h"
#include "evergreen/data/tpp/hawkes_fit.h"
#include "evergreen/models/tpp/attentive_neural_hawkes.h"
#include "evergreen/models/tpp/neural_hawkes.h"
#include "evergreen/models/tpp/thinning.h"
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

/// Cuts every sequence into consecutive windows of at most `size` events (the last one may be
/// shorter; windows of one event are dropped). A window's times count from the event before it
/// (from 0 for the first), so its first gap is a real inter-event time.
std::vector<MarkedSequence> windows_of(const std::vector<MarkedSequence>& sequences, int64_t size) {
  std::vector<MarkedSequence> result;
  for (const auto& sequence : sequences)
    for (int64_t start = 0; start + 1 < sequence.size(); start += size) {
      const int64_t end = std::min(sequence.size(), start + size);
      const double origin = start > 0 ? sequence.times[start - 1] : 0.0;
      MarkedSequence window;
      for (int64_t i = start; i < end; ++i) {
        window.times.push_back(sequence.times[i] - origin);
        window.types.push_back(sequence.types[i]);
      }
      result.push_back(std::move(window));
    }
  return result;
}

/// NLL per event in the two conventions: EasyTPP's (events i >= 2, the integral from the first
/// to the last event) and over [0, t_N] (every event, the integral from 0; data/README.md's).
struct NllPerEvent {
  double easytpp = 0, full = 0;
};

/// The true model's NLL per event on `sequences`.
NllPerEvent true_nll_per_event(const std::string& name,
                               const std::vector<MarkedSequence>& sequences) {
  double nll = 0, nll_full = 0, events = 0, events_full = 0;
  // renewal: log-normal gaps with mean 1 and std 6 (data/README.md)
  const double sigma = std::sqrt(std::log(37.0)), mu = -sigma * sigma / 2;
  auto log_density = [&](double gap) {
    gap = std::max(gap, 1e-300);
    double z = (std::log(gap) - mu) / sigma;
    return -std::log(gap * sigma * std::sqrt(2 * M_PI)) - 0.5 * z * z;
  };
  const HawkesParameters hawkes{{0.2}, {{0.8}}, {{1.0}}};
  for (const auto& sequence : sequences) {
    events += static_cast<double>(sequence.size() - 1);
    events_full += static_cast<double>(sequence.size());
    if (name == "hawkes1") {
      nll -= hawkes_log_likelihood_easytpp(hawkes, sequence);
      nll_full -= hawkes_log_likelihood_to_last_event(hawkes, sequence);
    } else if (name == "poisson") {  // rate 1: log lambda = 0, integral = elapsed time
      nll += sequence.times.back() - sequence.times.front();
      nll_full += sequence.times.back();
    } else {  // a renewal process scores log f(gap) per event: lambda = f/S, integral = -log S
      double gaps = 0;
      for (int64_t i = 1; i < sequence.size(); ++i)
        gaps -= log_density(sequence.times[i] - sequence.times[i - 1]);
      nll += gaps;
      nll_full += gaps - log_density(sequence.times.front());  // the first gap counts from 0
    }
  }
  return {nll / events, nll_full / events_full};
}

/// A trained model's NLL per event in both conventions, evaluated `block` sequences at a time.
NllPerEvent model_nll_per_event(Model& model, const Batch& batch, int64_t block = 8) {
  torch::NoGradGuard no_grad;
  double nll = 0, nll_full = 0, events = 0, events_full = 0;
  for (int64_t begin = 0; begin < batch.size(); begin += block) {
    auto out = model.forward(batch.slice(begin, std::min(batch.size(), begin + block)));
    nll -= out.at("log_likelihood").to(torch::kDouble).sum().item<double>();
    events += out.at("events").sum().item<double>();
    if (out.contains("log_likelihood_full")) {
      nll_full -= out.at("log_likelihood_full").to(torch::kDouble).sum().item<double>();
      events_full += out.at("events_full").sum().item<double>();
    }
  }
  return {nll / std::max(events, 1.0),
          events_full > 0 ? nll_full / events_full : std::numeric_limits<double>::quiet_NaN()};
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

Batch padded(const std::vector<MarkedSequence>& sequences) {
  int64_t length = 0;
  for (const auto& sequence : sequences) length = std::max(length, sequence.size());
  return pad_sequences(sequences, length);
}

/// Trains `model` naively (Adam) for `epochs` on `train`; returns seconds.
double train_model(Model& model, const Batch& train, int64_t epochs,
                   const TppBenchOptions& options) {
  NaiveStrategy strategy;
  Trainer trainer(model, strategy,
                  TrainOptions().epochs(epochs).batch_size(options.batch_size)
                      .learning_rate(options.learning_rate), 0);
  Experience experience;
  experience.name = "train";
  experience.train = train;
  auto start = Clock::now();
  trainer.train(experience);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// `trained`'s NLL on `test` with `points` integral points per interval: its parameters copied
/// into a model that `make` builds with that many points.
NllPerEvent converged_nll(Model& trained, const std::function<std::shared_ptr<Model>(int64_t)>& make,
                          int64_t points, const Batch& test, int64_t block) {
  auto evaluator = make(points);
  {
    torch::NoGradGuard no_grad;
    auto source = trained.parameters();
    auto target = evaluator->parameters();
    for (size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
  }
  return model_nll_per_event(*evaluator, test, block);
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
  return {{"events", events}, {"seconds", seconds}, {"events_per_s", events / seconds},
          {"peak_rss_mb", peak_rss_mb()}};
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
    nlohmann::json mean_matrix;  // R[j][i]: NLL per event on window i after training window j
    for (int64_t seed = 0; seed < options.seeds; ++seed) {
      plan.seed = static_cast<uint64_t>(seed);
      plan.config["seed"] = seed;
      RunControl control;
      control.out_dir = fmt::format("{}/{}/seed-{}/{}", options.out_dir, key, seed,
                                    plan.strategy_labels[s]);
      control.progress = [](const ProgressEvent&) {};
      // Next-event prediction on the last window's test sequences, by the model as it ends.
      std::map<std::string, double> prediction;
      control.after_experience = [&](Model& model, int64_t index) {
        // Only a model with an intensity function can predict the next event.
        if (index + 1 != plan.stream.size() || model.intensity_function() == nullptr) return;
        auto generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
        NextEventOptions next;
        next.thinning(ThinningOptions().samples(options.thinning_samples));
        prediction =
            next_event_metrics(model, plan.stream.experiences[index].test, generator, next);
      };
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
      values["last_window_rmse"].push_back(prediction.at("rmse"));
      values["last_window_type_accuracy"].push_back(prediction.at("type_accuracy"));
      const auto& matrix = summary.at("matrix");
      if (mean_matrix.is_null()) mean_matrix = matrix;
      for (size_t j = 0; j < matrix.size(); ++j)
        for (size_t i = 0; i < matrix[j].size(); ++i)
          mean_matrix[j][i] = (seed == 0 ? 0.0 : mean_matrix[j][i].get<double>()) +
                              matrix[j][i].get<double>() / static_cast<double>(options.seeds);
    }
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [name, list] : values) {
      double mean = 0, variance = 0;
      for (double value : list) mean += value / static_cast<double>(list.size());
      for (double value : list) variance += (value - mean) * (value - mean);
      metrics[name] = {{"mean", mean},
                       {"std", list.size() > 1 ? std::sqrt(variance / (list.size() - 1)) : 0.0}};
    }
    rows.push_back({{"strategy", plan.strategy_labels[s]},
                    {"metrics", metrics},
                    {"mean_matrix", mean_matrix}});
  }
  nlohmann::json result = {{"stream", key},
                           {"title", key == "stackoverflow" ? "StackOverflow badges (tpp/stackoverflow)"
                                                            : plan.stream.name},
                           {"windows", plan.stream.size()},
                           {"rows", rows}};
  if (windows_with_truth > 0) result["true_nll_per_event"] = true_nll / windows_with_truth;
  return result;
}

}  // namespace

nlohmann::json run_tpp_bench(const TppBenchOptions& given) {
  TppBenchOptions options = given;
  std::vector<std::string> datasets = options.datasets;
  for (const auto& name : datasets)
    EVERGREEN_CHECK_INPUT(name == "hawkes1" || name == "poisson" || name == "renewal",
                          "bench tpp: unknown data set '{}' (known: hawkes1, poisson, renewal)",
                          name);
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
    splits.push_back({name, slice(data, 0, 48, options.max_events),
                      slice(data, 56, 64, options.max_events)});
  }
  auto make_nhp = [&](int64_t points) -> std::shared_ptr<Model> {
    return NeuralHawkes(NeuralHawkesOptions(1).hidden_size(options.hidden_size)
                            .integral_points(points)).ptr();
  };
  auto make_attnhp = [&](int64_t points) -> std::shared_ptr<Model> {
    return AttentiveNeuralHawkes(AttentiveNeuralHawkesOptions(1).hidden_size(options.hidden_size)
                                     .integral_points(points)).ptr();
  };

  // Speed first, so that each peak RSS is the model's training and not an earlier evaluation.
  if (wants(options, "speed") && !splits.empty()) {
    std::fprintf(stderr, "bench tpp: speed ...\n");
    Batch sequences = padded(splits.front().train);
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
        *attnhp, padded(windows_of(splits.front().train, options.attnhp_window)), options);
    result["speed"] = speed;
  }

  for (const auto& split : wants(options, "quality") ? splits : std::vector<Split>{}) {
    const auto& name = split.name;
    Batch train = padded(split.train), test = padded(split.test);
    std::fprintf(stderr, "bench tpp: NHP on %s ...\n", name.c_str());
    torch::manual_seed(0);
    auto nhp = make_nhp(options.integral_points);
    double nhp_seconds = train_model(*nhp, train, options.epochs, options);
    // Evaluate with a converged integral: the same parameters, more points per interval.
    NllPerEvent nhp_nll = converged_nll(*nhp, make_nhp, options.evaluation_points, test, 8);
    double nhp_coarse = model_nll_per_event(*nhp, test).easytpp;
    NllPerEvent truth = true_nll_per_event(name, split.test);

    // AttNHP attends over the whole history at every integral point (memory ~ L^2 x points), so
    // it learns on windows of the same sequences and is compared with the truth on them.
    std::fprintf(stderr, "bench tpp: AttNHP on %s ...\n", name.c_str());
    auto train_windows = windows_of(split.train, options.attnhp_window);
    auto test_windows = windows_of(split.test, options.attnhp_window);
    torch::manual_seed(0);
    auto attnhp = make_attnhp(options.attnhp_integral_points);
    double attnhp_seconds =
        train_model(*attnhp, padded(train_windows), options.attnhp_epochs, options);
    NllPerEvent attnhp_nll =
        converged_nll(*attnhp, make_attnhp, options.evaluation_points, padded(test_windows), 2);
    NllPerEvent window_truth = true_nll_per_event(name, test_windows);

    // The parametric reference: an exponential Hawkes process fitted by maximum likelihood.
    HawkesFitResult fit = fit_univariate_hawkes(split.train);
    double fitted_nll = 0, fitted_events = 0;
    for (const auto& sequence : split.test) {
      fitted_nll -= hawkes_log_likelihood_easytpp(fit.parameters, sequence);
      fitted_events += static_cast<double>(sequence.size() - 1);
    }
    auto both = [](const NllPerEvent& nll) {
      return nlohmann::json{{"easytpp", nll.easytpp}, {"full", nll.full}};
    };
    result["quality"].push_back({{"dataset", name},
                                 {"nhp", both(nhp_nll)},
                                 {"nhp_training_grid", nhp_coarse},
                                 {"truth", both(truth)},
                                 {"attnhp_windows", both(attnhp_nll)},
                                 {"truth_windows", both(window_truth)},
                                 {"hawkes_mle", fitted_nll / fitted_events},
                                 {"hawkes_mle_parameters", {{"mu", fit.parameters.mu[0]},
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
          value(row, "nhp", "easytpp"), value(row, "nhp", "easytpp") - value(row, "truth", "easytpp"),
          row.at("nhp_training_grid").get<double>(), row.at("hawkes_mle").get<double>(),
          value(row, "truth_windows", "easytpp"), value(row, "attnhp_windows", "easytpp"),
          value(row, "attnhp_windows", "easytpp") - value(row, "truth_windows", "easytpp"),
          row.at("nhp_train_seconds").get<double>(), row.at("attnhp_train_seconds").get<double>());
    text += "\nThe same models over [0, t_N] (every event scored, the integral from 0; the data "
            "set's own convention):\n\n| data set | true model | NHP | NHP - truth | true model, "
            "windows | AttNHP, windows | AttNHP - truth |\n|---|---|---|---|---|---|---|\n";
    for (const auto& row : result.at("quality"))
      text += fmt::format("| {} | {:.4f} | {:.4f} | {:+.4f} | {:.4f} | {:.4f} | {:+.4f} |\n",
                          row.at("dataset").get<std::string>(), value(row, "truth", "full"),
                          value(row, "nhp", "full"),
                          value(row, "nhp", "full") - value(row, "truth", "full"),
                          value(row, "truth_windows", "full"), value(row, "attnhp_windows", "full"),
                          value(row, "attnhp_windows", "full") - value(row, "truth_windows", "full"));
  }
  if (result.contains("continual")) {
    for (const auto& stream : result.at("continual")) {
      text += fmt::format(
          "\nContinual on {} ({} windows; AttNHP, {} epochs per window; mean ± std over {} "
          "seeds){}; last window's next event by thinning ({} chains)\n\n| strategy | ACC "
          "(NLL/event) | BWT | forgetting | last window NLL | last window RMSE | last window type "
          "accuracy | memory KiB | train s | energy J |\n|---|---|---|---|---|---|---|---|---|---|\n",
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
        text += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                            row.at("strategy").get<std::string>(), cell(metrics, "acc", 1, 4),
                            cell(metrics, "bwt", 1, 4), cell(metrics, "forgetting", 1, 4),
                            cell(metrics, "last_window", 1, 4),
                            cell(metrics, "last_window_rmse", 1, 3),
                            cell(metrics, "last_window_type_accuracy", 1, 3),
                            cell(metrics, "memory_bytes", 1.0 / 1024, 1),
                            cell(metrics, "train_s", 1, 1), cell(metrics, "energy_kwh", 3.6e6, 1));
      }
      // The last row of the mean NLL matrix: every window after training on all of them.
      const int64_t windows = stream.at("windows").get<int64_t>();
      text += "\nNLL per event on each window after the last one (mean over seeds):\n\n| strategy |";
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
  text += "Goals: NHP within 0.005 nats/event of the truth and AttNHP within 0.05, on hawkes1 and "
          "poisson; NHP >= 3x the Python reference and >= 33,000 events/s; peak RSS < 200 MB.\n";
  return text;
}

}  // namespace evergreen::cli
