#include "tpp_bench.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "command_output.h"
#include "evergreen/core/error.h"
#include "evergreen/core/threads.h"
#include "evergreen/data/tpp/event_sequences.h"
#include "evergreen/data/tpp/event_streams.h"
#include "evergreen/data/tpp/ground_truth.h"
#include "evergreen/data/tpp/hawkes.h"
#include "evergreen/data/tpp/hawkes_fit.h"
#include "evergreen/data/tpp/known_process.h"
#include "evergreen/data/tpp/parametric_fits.h"
#include "evergreen/data/tpp/sequence_windows.h"
#include "evergreen/eval/point_process_nll.h"
#include "evergreen/models/model_registry.h"
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

/// Parses "A-B" (inclusive) or "A" into [A, B + 1) within `count` sequences.
std::pair<int64_t, int64_t> parse_index_range(const std::string& text, int64_t count,
                                              const char* flag) {
  const auto dash = text.find('-');
  int64_t begin = -1, end = -1;
  try {
    size_t used = 0;
    begin = std::stoll(text.substr(0, dash), &used);
    end = dash == std::string::npos ? begin : std::stoll(text.substr(dash + 1));
  } catch (const std::exception&) {
  }
  EVERGREEN_CHECK_INPUT(begin >= 0 && end >= begin && end < count,
                        "bench tpp {}: '{}': expected an inclusive range A-B within 0-{}", flag,
                        text, count - 1);
  return {begin, end + 1};
}

/// One data set of the quality part: its splits and, where known, the true process.
struct QualitySet {
  std::string name;
  nlohmann::json source;
  int64_t num_types = 1;
  std::vector<MarkedSequence> train, test;
  std::shared_ptr<const KnownPointProcess> truth;  ///< nullptr for user data
};

/// Training and evaluation settings of one model of the quality part.
struct ModelSetup {
  std::string name;
  int64_t epochs = 0;
  int64_t integral_points = 0;
  int64_t window = 0;  ///< > 0: learns and is scored on windows of this many events
  int64_t block = 8;   ///< sequences per evaluation pass
};

std::vector<ModelSetup> model_setups(const TppBenchOptions& options) {
  std::vector<ModelSetup> setups;
  const auto registered = model_registry().names();
  for (const auto& name : options.models) {
    if (std::find(registered.begin(), registered.end(), name) == registered.end()) {
      std::fprintf(stderr, "bench tpp: model '%s' is not registered: skipped\n", name.c_str());
      continue;
    }
    if (name == "nhp")
      setups.push_back({name, options.epochs, options.integral_points, 0, 8});
    else if (name == "attnhp")
      setups.push_back(
          {name, options.attnhp_epochs, options.attnhp_integral_points, options.attnhp_window, 2});
    else if (name == "thp")
      setups.push_back(
          {name, options.thp_epochs, options.thp_integral_points, options.thp_window, 2});
    else  // another registered point process: NHP's settings
      setups.push_back({name, options.epochs, options.integral_points, 0, 2});
  }
  return setups;
}

/// A model by registry name for `types` event types, `points` integral points per interval.
std::shared_ptr<Model> make_registered_model(const std::string& name, int64_t types, int64_t points,
                                             const TppBenchOptions& options) {
  YAML::Node node(YAML::NodeType::Map);
  node["hidden_size"] = options.hidden_size;
  node["integral_points"] = points;
  if (!options.integral_rule.empty()) node["integral_rule"] = options.integral_rule;
  Options model_options(node, "model", "bench tpp");
  Stream stream;
  stream.spec.kind = StreamKind::kEventSequences;
  stream.spec.num_event_types = types;
  return model_registry().find(name, "bench tpp --models").make(model_options, stream);
}

/// What a run's plan does before training: the model learns its time scale (and the events per
/// row) from the training sequences.
void prepare_on(Model& model, const Batch& train, int64_t types) {
  Stream stream;
  stream.spec.kind = StreamKind::kEventSequences;
  stream.spec.num_event_types = types;
  Experience experience;
  experience.name = "train";
  experience.train = train;
  stream.experiences.push_back(experience);
  model.prepare(stream);
}

std::vector<QualitySet> load_quality_sets(const TppBenchOptions& options,
                                          const std::vector<std::string>& datasets) {
  std::vector<QualitySet> sets;
  auto split = [&](QualitySet set, const EventDataset& data, const EventDataset* test_data) {
    const auto count = static_cast<int64_t>(data.sequences.size());
    EVERGREEN_CHECK_INPUT(count >= 2 || (test_data != nullptr && count >= 1),
                          "bench tpp: {}: {} sequences: expected at least 2 (a training and a "
                          "test split)",
                          set.name, count);
    // The synthetic sets' split, 0-47 and 56-63 of 64 (48-55 are the development split).
    auto train =
        options.train_range.empty()
            ? std::pair<int64_t, int64_t>{0,
                                          test_data ? count : std::max<int64_t>(1, count * 3 / 4)}
            : parse_index_range(options.train_range, count, "--train");
    const EventDataset& testing = test_data ? *test_data : data;
    const auto test_count = static_cast<int64_t>(testing.sequences.size());
    auto test =
        options.test_range.empty()
            ? std::pair<int64_t, int64_t>{test_data ? 0 : std::max(train.second, count * 7 / 8),
                                          test_count}
            : parse_index_range(options.test_range, test_count, "--test");
    EVERGREEN_CHECK_INPUT(test.second > test.first, "bench tpp: {}: the test split is empty",
                          set.name);
    set.train = select_sequences(data, train.first, train.second, options.max_events);
    set.test = select_sequences(testing, test.first, test.second, options.max_events);
    set.num_types = std::max<int64_t>({1, data.num_types, testing.num_types});
    set.source["train"] = fmt::format("{}-{}", train.first, train.second - 1);
    set.source["test"] = fmt::format("{}-{}", test.first, test.second - 1);
    sets.push_back(std::move(set));
  };
  for (const auto& name : datasets) {
    QualitySet set;
    set.name = name;
    set.truth = synthetic_tpp_true_process(name);  // InputError for an unknown name
    if (const GeneratedTppSet* generated = find_generated_tpp_set(name)) {
      set.source = {{"kind", "generated"},
                    {"process", generated->description},
                    {"sequences", generated->sequences},
                    {"horizon", generated->horizon},
                    {"seed", generated->seed}};
      split(std::move(set), simulate_generated_tpp_set(*generated), nullptr);
    } else {
      auto file = options.data_dir + "/tpp/synth/" + name + ".npz";
      EVERGREEN_CHECK_INPUT(std::filesystem::exists(file), "{}: not found (give --data-dir DIR)",
                            file);
      set.source = {{"kind", "synthetic"}, {"file", file}, {"process", set.truth->describe()}};
      split(std::move(set), read_npz_arrival_times(file), nullptr);
    }
  }
  for (const auto& file : options.data_files) {
    QualitySet set;
    set.name = std::filesystem::path(file).stem().string();
    set.source = {{"kind", "file"}, {"file", file}};
    EventDataset data = read_event_dataset(file, options.data_format, options.time_file);
    if (options.test_file.empty()) {
      split(std::move(set), data, nullptr);
    } else {
      set.source["test_file"] = options.test_file;
      EventDataset test = read_event_dataset(options.test_file, options.data_format);
      split(std::move(set), data, &test);
    }
  }
  return sets;
}

nlohmann::json both_conventions(const NllPerEvent& nll) {
  return {{"easytpp", nll.easytpp}, {"full", nll.full}};
}

/// The truth and the fitted references on the test split, whole or in windows of `window`.
nlohmann::json score_known_processes(const QualitySet& set,
                                     const std::vector<ParametricFit>& references, int64_t window) {
  auto score = [&](const KnownPointProcess& process) {
    return both_conventions(window > 0
                                ? known_process_nll_per_event_on_windows(process, set.test, window)
                                : known_process_nll_per_event(process, set.test));
  };
  nlohmann::json view = {{"truth", set.truth ? score(*set.truth) : nlohmann::json(nullptr)},
                         {"references", nlohmann::json::object()}};
  for (const auto& reference : references)
    view["references"][reference.name] = score(*reference.process);
  return view;
}

/// Trains one model on `set` and scores it with a converged integral.
nlohmann::json run_quality_model(const ModelSetup& setup, const QualitySet& set,
                                 const TppBenchOptions& options) {
  const auto train_sequences =
      setup.window > 0 ? cut_into_windows(set.train, setup.window) : set.train;
  const auto test_sequences =
      setup.window > 0 ? cut_into_windows(set.test, setup.window) : set.test;
  Batch train = pad_to_longest(train_sequences), test = pad_to_longest(test_sequences);
  std::fprintf(stderr, "bench tpp: %s on %s ...\n", setup.name.c_str(), set.name.c_str());
  auto make = [&](int64_t points) {
    // Seeding and building together, so that parallel jobs draw the same initial weights.
    static std::mutex construction;
    std::lock_guard<std::mutex> lock(construction);
    torch::manual_seed(0);
    return make_registered_model(setup.name, set.num_types, points, options);
  };
  auto model = make(setup.integral_points);
  prepare_on(*model, train, set.num_types);
  const double seconds = train_model(*model, train, setup.epochs, options);
  // Evaluate with a converged integral: the same parameters, more points per interval.
  NllPerEvent nll =
      model_nll_per_event_with_points(*model, make, options.evaluation_points, test, setup.block);
  NllPerEvent coarse = model_nll_per_event(*model, test, setup.block);
  return {{"nll", both_conventions(nll)},
          {"nll_training_grid", both_conventions(coarse)},
          {"window", setup.window},
          {"epochs", setup.epochs},
          {"integral_points", setup.integral_points},
          {"train_seconds", seconds}};
}

std::string model_label(const std::string& name) {
  if (name == "nhp") return "NHP";
  if (name == "attnhp") return "AttNHP";
  if (name == "thp") return "THP";
  return name;
}

/// The quality table in one convention: each model's NLL and its distance to the truth of its
/// view (whole sequences or windows), or to the best reference where no truth is known.
std::string format_quality_table(const nlohmann::json& result, const char* convention) {
  const auto& models = result.at("models");
  std::string text = "| data set | true model |";
  std::string rule = "|---|---|";
  for (const auto& name : models) {
    const auto& first = result.at("quality").front().at("models").at(name.get<std::string>());
    const int64_t window = first.at("window").get<int64_t>();
    text += " " + model_label(name) +
            (window > 0 ? fmt::format(" (windows of {})", window) : std::string()) + " | - truth |";
    rule += "---|---|";
  }
  text += " Poisson | log-normal | Hawkes MLE | s |\n" + rule + "---|---|---|---|\n";
  auto value = [&](const nlohmann::json& both) {
    return both.is_null() ? std::numeric_limits<double>::quiet_NaN()
                          : both.at(convention).get<double>();
  };
  auto cell = [](double number, const char* pattern) {
    return std::isnan(number) ? std::string("n/a") : fmt::format(fmt::runtime(pattern), number);
  };
  for (const auto& row : result.at("quality")) {
    const auto& whole = row.at("views").at("whole");
    text += fmt::format("| {} | {} |", row.at("dataset").get<std::string>(),
                        cell(value(whole.at("truth")), "{:.4f}"));
    for (const auto& name : models) {
      const auto& model = row.at("models").at(name.get<std::string>());
      const auto& view = row.at("views").at(model.at("view").get<std::string>());
      const double nll = value(model.at("nll"));
      double floor = value(view.at("truth"));
      std::string marker;
      if (std::isnan(floor)) {  // no truth: the best reference of the same view
        for (const auto& [reference, scores] : view.at("references").items())
          if (std::isnan(floor) || value(scores) < floor) floor = value(scores);
        marker = " (ref)";
      }
      text +=
          fmt::format(" {} | {}{} |", cell(nll, "{:.4f}"), cell(nll - floor, "{:+.4f}"), marker);
    }
    const auto& references = whole.at("references");
    text += fmt::format(
        " {} | {} | {} | {:.0f} |\n", cell(value(references.at("poisson")), "{:.4f}"),
        cell(value(references.at("lognormal")), "{:.4f}"),
        cell(value(references.at("hawkes")), "{:.4f}"), row.at("seconds").get<double>());
  }
  return text;
}

}  // namespace

nlohmann::json run_tpp_bench(const TppBenchOptions& given) {
  TppBenchOptions options = given;
  std::vector<std::string> datasets = options.datasets;
  if (options.smoke) {
    // hawkes1 from the shared data when it is there, and one generated set; a user's file alone.
    datasets.clear();
    if (options.data_files.empty()) {
      if (std::filesystem::exists(options.data_dir + "/tpp/synth/hawkes1.npz"))
        datasets.push_back("hawkes1");
      datasets.push_back("self_correcting");
    }
    options.epochs = options.attnhp_epochs = options.thp_epochs = 1;
    options.max_events = 64;
    options.attnhp_window = 32;
    options.evaluation_points = 50;
    options.speed_steps = 2;
    options.parts = {"quality", "speed"};
  }
  set_thread_count(1);
  const std::vector<ModelSetup> setups = model_setups(options);
  nlohmann::json result = {
      {"epochs", options.epochs},
      {"learning_rate", options.learning_rate},
      {"attnhp_epochs", options.attnhp_epochs},
      {"attnhp_window", options.attnhp_window},
      {"attnhp_integral_points", options.attnhp_integral_points},
      {"thp_epochs", options.thp_epochs},
      {"thp_window", options.thp_window},
      {"thp_integral_points", options.thp_integral_points},
      {"batch_size", options.batch_size},
      {"hidden_size", options.hidden_size},
      {"integral_points", options.integral_points},
      {"integral_rule", options.integral_rule.empty() ? "model default" : options.integral_rule},
      {"evaluation_points", options.evaluation_points},
      {"models", nlohmann::json::array()},
      {"quality", nlohmann::json::array()}};
  for (const auto& setup : setups) result["models"].push_back(setup.name);
  if (!wants(options, "quality") && !wants(options, "speed")) {
    datasets.clear();
    options.data_files.clear();
  }
  if (!wants(options, "quality")) {  // the speed part needs one set only
    datasets.resize(std::min<size_t>(datasets.size(), 1));
    if (!datasets.empty()) options.data_files.clear();
  }
  std::vector<QualitySet> sets = load_quality_sets(options, datasets);

  // Speed first, so that each peak RSS is the model's training and not an earlier evaluation.
  if (wants(options, "speed") && !sets.empty()) {
    std::fprintf(stderr, "bench tpp: speed ...\n");
    const QualitySet& first = sets.front();
    Batch sequences = pad_to_longest(first.train);
    torch::manual_seed(0);
    auto nhp = make_registered_model("nhp", first.num_types, options.integral_points, options);
    prepare_on(*nhp, sequences, first.num_types);
    nlohmann::json speed = {{"dataset", first.name},
                            {"nhp", measure_speed(*nhp, sequences, options)}};
    auto python = run_python(options, sequences, first.num_types);
    if (!python.is_null()) {
      speed["python"] = python;
      speed["nhp_over_python"] = speed.at("nhp").at("events_per_s").get<double>() /
                                 python.at("events_per_s").get<double>();
    }
    torch::manual_seed(0);
    auto attnhp =
        make_registered_model("attnhp", first.num_types, options.attnhp_integral_points, options);
    Batch windows = pad_to_longest(cut_into_windows(first.train, options.attnhp_window));
    prepare_on(*attnhp, windows, first.num_types);
    speed["attnhp"] = measure_speed(*attnhp, windows, options);
    result["speed"] = speed;
  }

  // The references and the truth per set first; then the (set, model) trainings, `jobs` at a
  // time: each is single-threaded, and a model is built under a lock right after seeding the
  // global generator, so the results do not depend on the number of jobs.
  const auto quality_start = Clock::now();
  std::vector<nlohmann::json> rows;
  std::vector<double> set_seconds;
  for (const auto& set : wants(options, "quality") ? sets : std::vector<QualitySet>{}) {
    const auto start = Clock::now();
    std::fprintf(stderr, "bench tpp: parametric references on %s ...\n", set.name.c_str());
    const std::vector<ParametricFit> references =
        fit_parametric_references(set.train, set.num_types);
    int64_t train_events = 0, test_events = 0;
    for (const auto& sequence : set.train) train_events += sequence.size();
    for (const auto& sequence : set.test) test_events += sequence.size();
    nlohmann::json row = {{"dataset", set.name},
                          {"source", set.source},
                          {"num_types", set.num_types},
                          {"train_sequences", set.train.size()},
                          {"test_sequences", set.test.size()},
                          {"train_events", train_events},
                          {"test_events", test_events},
                          {"truth_process", set.truth ? set.truth->describe() : std::string()},
                          {"reference_processes", nlohmann::json::object()},
                          {"views", {{"whole", score_known_processes(set, references, 0)}}},
                          {"models", nlohmann::json::object()}};
    for (const auto& reference : references)
      row["reference_processes"][reference.name] = reference.process->describe();
    for (const auto& setup : setups)
      if (setup.window > 0) {
        const std::string view = fmt::format("windows_{}", setup.window);
        if (!row["views"].contains(view))
          row["views"][view] = score_known_processes(set, references, setup.window);
      }
    rows.push_back(row);
    set_seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  struct Task {
    size_t set, setup;
    nlohmann::json result;
    std::exception_ptr error;
    double seconds = 0;
  };
  std::vector<Task> tasks;
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t m = 0; m < setups.size(); ++m) tasks.push_back({i, m, nullptr, nullptr, 0});
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t t = next++; t < tasks.size(); t = next++) {
      Task& task = tasks[t];
      const auto start = Clock::now();
      try {
        task.result = run_quality_model(setups[task.setup], sets[task.set], options);
        // Progress with the numbers, so a long run's partial results are on the terminal.
        const auto& setup = setups[task.setup];
        const auto& view = std::as_const(rows[task.set])
                               .at("views")
                               .at(setup.window > 0 ? fmt::format("windows_{}", setup.window)
                                                    : std::string("whole"));
        const auto& nll = task.result.at("nll");
        std::fprintf(stderr, "%s\n",
                     fmt::format("bench tpp: {} on {}: NLL/event {:.4f} (EasyTPP), {:.4f} (over "
                                 "[0, t_N]); truth {}; {:.0f} s",
                                 setup.name, sets[task.set].name, nll.at("easytpp").get<double>(),
                                 nll.at("full").get<double>(),
                                 view.at("truth").is_null()
                                     ? std::string("unknown")
                                     : fmt::format("{:.4f}, {:.4f}",
                                                   view.at("truth").at("easytpp").get<double>(),
                                                   view.at("truth").at("full").get<double>()),
                                 task.result.at("train_seconds").get<double>())
                         .c_str());
      } catch (...) {
        task.error = std::current_exception();
        next = tasks.size();  // stop the others at their next task
      }
      task.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
  };
  const auto jobs = static_cast<size_t>(std::max<int64_t>(1, options.jobs));
  std::vector<std::thread> threads;
  for (size_t j = 1; j < std::min(jobs, tasks.size()); ++j) threads.emplace_back(worker);
  worker();
  for (auto& thread : threads) thread.join();
  for (auto& task : tasks) {
    if (task.error) std::rethrow_exception(task.error);
    const auto& setup = setups[task.setup];
    task.result["view"] = setup.window > 0 ? fmt::format("windows_{}", setup.window) : "whole";
    rows[task.set]["models"][setup.name] = task.result;
    set_seconds[task.set] += task.seconds;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i]["seconds"] = set_seconds[i];
    result["quality"].push_back(rows[i]);
  }
  if (!rows.empty()) {
    result["quality_seconds"] = std::chrono::duration<double>(Clock::now() - quality_start).count();
    result["jobs"] = jobs;
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
    std::vector<std::string> described;
    for (const auto& name : result.at("models")) {
      const auto& first = result.at("quality").front().at("models").at(name.get<std::string>());
      const int64_t window = first.at("window").get<int64_t>();
      described.push_back(fmt::format(
          "{} ({} epochs, {} points{})", model_label(name.get<std::string>()),
          first.at("epochs").get<int64_t>(), first.at("integral_points").get<int64_t>(),
          window > 0 ? fmt::format(", windows of {} events", window) : ", whole sequences"));
    }
    text += fmt::format(
        "Quality: each model (hidden {}, batch {}, Adam {}; integral rule: {}) trained on a data "
        "set's training split and scored on its test split (the synthetic and generated sets: "
        "sequences 0-47 and 56-63 of 64) with {} integral points per interval: {}. Each model's "
        "'- truth' is its distance to the true model on the same sequences or windows (the truth "
        "conditioned on the whole history), or, marked (ref), to the best parametric reference "
        "where no truth is known. References fitted on the training split by maximum "
        "likelihood: one Poisson rate per type, log-normal gaps and an exponential Hawkes "
        "process, both with independent marks. NLL per event in EasyTPP's convention (first "
        "event not scored, integral from the first to the last event):\n\n",
        result.at("hidden_size").get<int64_t>(), result.at("batch_size").get<int64_t>(),
        result.at("learning_rate").get<double>(), result.at("integral_rule").get<std::string>(),
        result.at("evaluation_points").get<int64_t>(), fmt::join(described, "; "));
    text += format_quality_table(result, "easytpp");
    text +=
        "\nThe same models over [0, t_N] (every event scored, the integral from 0; the synthetic "
        "sets' own convention):\n\n";
    text += format_quality_table(result, "full");
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
    text += "\nSpeed: training on " + speed.value("dataset", std::string("hawkes1")) +
            "'s training sequences, one thread, batch " +
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
      "\nGoals: NHP within 0.005 nats/event of the truth and AttNHP and THP within 0.05 on every "
      "Hawkes and self-correcting set and on poisson; NHP >= 3x the Python reference and >= "
      "33,000 events/s; peak RSS < 200 MB.\n";
  return text;
}

}  // namespace evergreen::cli
