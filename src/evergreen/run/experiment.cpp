#include "evergreen/run/experiment.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/directory_lock.h"
#include "evergreen/core/options.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/core/threads.h"
#include "evergreen/data/stream_registry.h"
#include "evergreen/eval/continual_metrics.h"
#include "evergreen/green/flops.h"
#include "evergreen/green/green_meter.h"
#include "evergreen/models/model_registry.h"
#include "evergreen/run/checkpoint.h"
#include "evergreen/run/compatibility.h"
#include "evergreen/run/report.h"
#include "evergreen/run/run_identity.h"
#include "evergreen/run/trainer.h"
#include "evergreen/strategies/stacked_strategy.h"
#include "evergreen/strategies/strategy_registry.h"

namespace evergreen {
namespace {

constexpr const char* kDefaultExperimentYaml =
    R"(# The default experiment: continual workload forecasting on a synthetic stream with
# daily and weekly seasonality, trend, noise and abnormal events (needs no data files).
experiment: workload-default
seed: 0
threads: 1
stream:
  name: synthetic_workload
  days: 42
  steps_per_day: 96
  periods: 6
  input_length: 96
  horizon: 8
model:
  name: mlp
  hidden_size: 64
strategies:
  - naive
  - name: er
    memory_size: 200
  - joint
train:
  epochs: 40
  batch_size: 32
  learning_rate: 0.001
)";

/// The `strategies` entries as maps (a bare name becomes {name: NAME}); `strategy: X` is
/// accepted as a one-entry list.
YAML::Node strategy_entries(YAML::Node config, const std::string& file) {
  if (config["strategy"].IsDefined()) {
    EVERGREEN_CHECK_INPUT(!config["strategies"].IsDefined(),
                          "{}: give either 'strategy' or 'strategies', not both", file);
    YAML::Node list(YAML::NodeType::Sequence);
    list.push_back(config["strategy"]);
    config.remove("strategy");
    config["strategies"] = list;
  }
  if (!config["strategies"].IsDefined()) {
    YAML::Node list(YAML::NodeType::Sequence);
    list.push_back("naive");
    config["strategies"] = list;
  }
  YAML::Node entries = config["strategies"];
  EVERGREEN_CHECK_INPUT(entries.IsSequence() && entries.size() > 0,
                        "{}:{}: 'strategies' must be a non-empty list", file,
                        entries.Mark().line + 1);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].IsScalar()) {
      // Check the bare name here, while its position in the file is still known.
      YAML::Mark mark = entries[i].Mark();
      strategy_registry().find(
          entries[i].as<std::string>(),
          fmt::format("{}:{}:{}: field 'strategies[{}]'", file, mark.line + 1, mark.column + 1, i));
      YAML::Node entry(YAML::NodeType::Map);
      entry["name"] = entries[i].as<std::string>();
      entries[i] = entry;
    }
    EVERGREEN_CHECK_INPUT(entries[i].IsMap(), "{}:{}: strategies[{}] must be a name or a map", file,
                          entries[i].Mark().line + 1, i);
  }
  return entries;
}

Options strategy_options(const ExperimentPlan& plan, size_t index) {
  return Options(plan.config["strategies"][index], fmt::format("strategies[{}]", index), plan.file);
}

std::unique_ptr<Strategy> build_strategy(Options& options, std::string* label) {
  auto name = options.get<std::string>("name", "naive", "strategy name");
  auto strategy = strategy_registry().find(name, options.where("name")).make(options);
  auto given_label = options.get<std::string>("label", name, "output folder name");
  if (label) *label = given_label;
  return strategy;
}

std::shared_ptr<Model> build_model(Options& options, const Stream& stream) {
  auto name = options.get<std::string>("name", "mlp", "model name");
  return model_registry().find(name, options.where("name")).make(options, stream);
}

/// Evaluates on every experience's test split through the strategy's evaluation hook; returns
/// the main metric per experience.
std::vector<double> evaluate_all(Model& model, Strategy& strategy, const Stream& stream,
                                 const torch::Device& device, int64_t after, RunRecord& record,
                                 int64_t* rows) {
  std::vector<double> row;
  const std::string main = model.main_metric().name;
  for (const auto& experience : stream.experiences) {
    auto metrics = strategy.evaluate(model, experience.test.to(device));
    for (const auto& [name, value] : metrics)
      EVERGREEN_CHECK_INPUT(std::isfinite(value), "experience '{}': metric {} is not finite",
                            experience.name, name);
    row.push_back(metrics.at(main));
    *rows += experience.test.size();
    record.evaluations.push_back(
        {{"after_experience", after}, {"experience", experience.id}, {"metrics", metrics}});
  }
  return row;
}

/// The configuration of strategy `index` alone: what its directory's config.yaml holds and its
/// checkpoint's identity is made from.
YAML::Node strategy_config(const ExperimentPlan& plan, size_t index) {
  YAML::Node config = YAML::Clone(plan.config);
  YAML::Node single(YAML::NodeType::Sequence);
  single.push_back(YAML::Clone(plan.config["strategies"][index]));
  config["strategies"] = single;
  return config;
}

void default_progress(const ProgressEvent& event) {
  std::fprintf(stderr, "[%s] %s\n", event.label.c_str(), event.text().c_str());
}

}  // namespace

std::string ProgressEvent::text() const {
  if (kind == Kind::kResumed)
    return fmt::format("resumed after {} of {} experiences", experience, experiences);
  return fmt::format("{} ({}/{})  epoch {}/{}  loss {:.4f}", experience_name, experience,
                     experiences, epoch, epochs, loss);
}

YAML::Node default_experiment_config() { return YAML::Load(kDefaultExperimentYaml); }

Stream StreamCache::get(const YAML::Node& options, YAML::Node* resolved,
                        const std::function<Stream(YAML::Node*)>& build) {
  YAML::Emitter emitter;
  emitter << options;
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = streams_.find(emitter.c_str());
  if (found == streams_.end()) {
    YAML::Node filled = YAML::Clone(options);
    Stream stream = build(&filled);
    found = streams_.emplace(emitter.c_str(), std::make_pair(std::move(stream), filled)).first;
  }
  *resolved = YAML::Clone(found->second.second);
  return found->second.first;
}

ExperimentPlan plan_experiment(YAML::Node config, const std::string& file, StreamCache* streams) {
  ExperimentPlan plan;
  plan.file = file.empty() ? "default experiment" : file;
  plan.config = config;
  Options root(config, "", plan.file);
  plan.name = root.get<std::string>("experiment", "experiment", "name of the experiment");
  auto seed = root.get<int64_t>("seed", 0, "seed of every random source");
  EVERGREEN_CHECK_INPUT(seed >= 0, "{}: must be >= 0", root.where("seed"));
  plan.seed = static_cast<uint64_t>(seed);
  plan.threads = root.get<int64_t>("threads", 1, "intra-op threads");
  bool force_threads = root.get<bool>(
      "force_threads", false,
      fmt::format("allow more than {} x the hardware threads", kThreadsPerHardwareThread));
  check_thread_count(plan.threads, force_threads, root.where("threads"));
  auto budget_gb =
      root.get<double>("memory_budget_gb", 0,
                       "refuse inputs and options that would allocate more than this (0: "
                       "EVERGREEN_MEMORY_BUDGET_GB, else 3/4 of physical memory)");
  EVERGREEN_CHECK_INPUT(std::isfinite(budget_gb) && budget_gb >= 0,
                        "{}: expected a number of GiB >= 0, got {}", root.where("memory_budget_gb"),
                        budget_gb);
  // Before the stream is built: readers check their allocations against it (0: the default).
  set_memory_budget_bytes(budget_gb * static_cast<double>(1ull << 30));

  auto build_stream = [&](YAML::Node* node) {
    Options stream_options(*node, "stream", plan.file);
    auto stream_name = stream_options.get<std::string>("name", "synthetic_workload", "stream name");
    Stream stream =
        stream_registry().find(stream_name, stream_options.where("name")).make(stream_options);
    stream_options.check_all_read();
    return stream;
  };
  Options stream_options = root.child("stream");
  if (streams) {
    YAML::Node resolved;
    plan.stream = streams->get(stream_options.node(), &resolved, build_stream);
    config["stream"] = resolved;
    stream_options = Options(config["stream"], "stream", plan.file);
  } else {
    YAML::Node node = stream_options.node();
    plan.stream = build_stream(&node);
  }
  EVERGREEN_CHECK_INPUT(plan.stream.size() >= 1, "{}: the stream has no experiences",
                        stream_options.where("name"));
  if (plan.stream.spec.num_tasks == 0) plan.stream.spec.num_tasks = plan.stream.size();

  Options model_options = root.child("model");
  auto model_name = model_options.get<std::string>("name", "mlp", "model name");
  const auto& model_entry = model_registry().find(model_name, model_options.where("name"));
  std::string misfit = model_fit_problem(plan.stream.spec, model_entry);
  EVERGREEN_CHECK_INPUT(misfit.empty(), "{}: {}", model_options.where("name"), misfit);
  build_model(model_options, plan.stream);
  model_options.check_all_read();

  Options train_options = root.child("train");
  read_train_options(train_options);
  train_options.check_all_read();
  Options green_options = root.child("green");
  read_green_options(green_options);
  green_options.check_all_read();

  strategy_entries(config, plan.file);
  root.mark_read("strategies");
  for (size_t i = 0; i < config["strategies"].size(); ++i) {
    Options options = strategy_options(plan, i);
    std::string label;
    build_strategy(options, &label);
    options.check_all_read();
    // A stack fits when each of its members does.
    std::vector<std::string> members = stacked_member_names(plan.config["strategies"][i]);
    if (members.empty()) members.push_back(plan.config["strategies"][i]["name"].as<std::string>());
    for (const auto& member : members) {
      misfit = strategy_fit_problem(plan.stream.spec, model_entry,
                                    strategy_registry().find(member, options.where("name")));
      EVERGREEN_CHECK_INPUT(misfit.empty(), "{}: {}", options.where("name"), misfit);
    }
    EVERGREEN_CHECK_INPUT(std::find(plan.strategy_labels.begin(), plan.strategy_labels.end(),
                                    label) == plan.strategy_labels.end(),
                          "{}: two strategies are labelled '{}': give each a distinct 'label'",
                          options.where("name"), label);
    plan.strategy_labels.push_back(label);
  }
  root.check_all_read();
  return plan;
}

namespace {

/// run_strategy with the stream's data digest already computed (once per experiment).
StrategyOutcome run_strategy_on(const ExperimentPlan& plan, size_t strategy_index,
                                const std::string& directory, const RunControl& control,
                                const std::string& data_digest) {
  StrategyOutcome outcome;
  outcome.label = plan.strategy_labels.at(strategy_index);
  auto progress = control.progress ? control.progress : default_progress;
  ensure_writable_directory(directory);
  const YAML::Node config = strategy_config(plan, strategy_index);
  const RunIdentity identity = make_run_identity(config, plan.stream, data_digest);

  set_thread_count(static_cast<int>(plan.threads));
  std::shared_ptr<Model> model;
  {
    // Initial weights come from LibTorch's global generator: runs on several threads (a sweep)
    // take turns seeding it and drawing, so each gets the weights its seed gives.
    static std::mutex global_generator;
    std::lock_guard<std::mutex> lock(global_generator);
    torch::manual_seed(plan.seed);
    Options model_options(plan.config["model"], "model", plan.file);
    model = build_model(model_options, plan.stream);
  }
  model->prepare(plan.stream);
  model->eval();
  Options options = strategy_options(plan, strategy_index);
  auto strategy = build_strategy(options, nullptr);
  Options train_options(plan.config["train"], "train", plan.file);
  Trainer trainer(*model, *strategy, read_train_options(train_options), plan.seed);
  trainer.set_stream_spec(&plan.stream.spec);
  Options green_options(plan.config["green"], "green", plan.file);
  GreenMeter meter(read_green_options(green_options));

  const int64_t macs_per_row = model->forward_macs_per_row();
  const std::string checkpoint = directory + "/checkpoint.pt";
  RunRecord record;
  int64_t eval_rows = 0;
  if (control.resume && std::filesystem::exists(checkpoint)) {
    read_checkpoint(checkpoint, &identity, trainer, record, meter);
    ProgressEvent resumed;
    resumed.kind = ProgressEvent::Kind::kResumed;
    resumed.label = outcome.label;
    resumed.experience = trainer.experiences_trained();
    resumed.experiences = plan.stream.size();
    progress(resumed);
  } else {
    {
      auto evaluating = meter.measure("eval");
      record.initial =
          evaluate_all(*model, *strategy, plan.stream, trainer.device(), 0, record, &eval_rows);
    }
    meter.add_flops("eval", rows_times_macs(eval_rows, macs_per_row));
  }
  // After the checkpoint is accepted: a refused resume leaves the directory as it was.
  save_yaml_file(config, directory + "/config.yaml");

  const int64_t total = plan.stream.size();
  for (int64_t i = trainer.experiences_trained(); i < total; ++i) {
    if (control.stop_after >= 0 && i >= control.stop_after) break;
    const Experience& experience = plan.stream.experiences[i];
    TrainedRows rows;
    {
      auto training = meter.measure("train");  // stops even when training throws
      rows = trainer.train(experience, [&](int64_t epoch, int64_t epochs, double loss) {
        ProgressEvent event;
        event.label = outcome.label;
        event.experience_name = experience.name;
        event.experience = i + 1;
        event.experiences = total;
        event.epoch = epoch;
        event.epochs = epochs;
        event.loss = loss;
        progress(event);
      });
    }
    meter.add_flops("train", training_macs(rows_times_macs(rows.training, macs_per_row)) +
                                 rows_times_macs(rows.inference, macs_per_row));
    eval_rows = 0;
    {
      auto evaluating = meter.measure("eval");
      record.matrix.push_back(evaluate_all(*model, *strategy, plan.stream, trainer.device(), i + 1,
                                           record, &eval_rows));
    }
    meter.add_flops("eval", rows_times_macs(eval_rows, macs_per_row));
    write_checkpoint(checkpoint, identity, trainer, record, meter);
    if (control.after_experience) control.after_experience(*model, i);
  }
  outcome.experiences_trained = trainer.experiences_trained();
  outcome.completed = outcome.experiences_trained == total;
  write_evaluations(directory + "/metrics.jsonl", outcome.label, record.evaluations);
  if (!outcome.completed) return outcome;

  const MainMetric metric = model->main_metric();
  ContinualSummary continual =
      summarize_matrix(record.matrix, record.initial, metric.higher_is_better);
  std::map<std::string, double> final_metrics;
  for (const auto& evaluation : record.evaluations) {
    if (evaluation.at("after_experience") != total) continue;
    for (const auto& [name, value] : evaluation.at("metrics").items())
      final_metrics[name] += value.get<double>() / static_cast<double>(total);
  }
  MemoryUsage memory = strategy->memory();
  outcome.metric = metric;
  outcome.matrix = record.matrix;
  outcome.continual = continual;
  outcome.final_metrics = final_metrics;
  outcome.memory = memory;
  outcome.train = meter.phase("train");
  outcome.total = meter.total();
  std::string strategy_name = plan.config["strategies"][strategy_index]["name"].as<std::string>();
  outcome.summary = {
      {"experiment", plan.name},
      {"model", plan.config["model"]["name"].as<std::string>()},
      {"strategy", strategy_name},
      {"label", outcome.label},
      {"seed", plan.seed},
      {"stream",
       {{"name", plan.stream.name},
        {"experiences", total},
        {"dropped_points", plan.stream.dropped_points}}},
      {"metric", {{"name", metric.name}, {"higher_is_better", metric.higher_is_better}}},
      {"matrix", record.matrix},
      {"initial", record.initial},
      {"acc", continual.acc},
      {"bwt", continual.bwt},
      {"fwt", continual.fwt},
      {"forgetting", continual.forgetting},
      {"forgetting_last", continual.forgetting_last},
      {"metrics", final_metrics},
      {"memory", {{"samples", memory.samples}, {"bytes", memory.bytes}}},
      {"green", meter.summary_json()},
  };
  write_strategy_outputs(directory, outcome.summary);
  meter.write_csv(directory + "/green.csv", plan.name, outcome.label);
  return outcome;
}

std::string strategy_directory(const ExperimentPlan& plan, size_t index,
                               const std::string& out_dir) {
  return plan.strategy_labels.size() > 1 ? out_dir + "/" + plan.strategy_labels[index] : out_dir;
}

}  // namespace

StrategyOutcome run_strategy(const ExperimentPlan& plan, size_t strategy_index,
                             const std::string& directory, const RunControl& control) {
  return run_strategy_on(plan, strategy_index, directory, control, stream_data_digest(plan.stream));
}

std::vector<StrategyOutcome> run_experiment(const ExperimentPlan& plan, const RunControl& control) {
  ensure_writable_directory(control.out_dir);
  // Held until every output is written: a second run on this directory is refused at once.
  DirectoryLock lock(control.out_dir);
  const std::string data_digest = stream_data_digest(plan.stream);
  if (control.resume) {
    // Every strategy's checkpoint must be this run's before anything is rewritten.
    for (size_t i = 0; i < plan.strategy_labels.size(); ++i) {
      std::string checkpoint = strategy_directory(plan, i, control.out_dir) + "/checkpoint.pt";
      if (!std::filesystem::exists(checkpoint)) continue;
      std::string difference = run_identity_difference(
          read_checkpoint_identity(checkpoint),
          make_run_identity(strategy_config(plan, i), plan.stream, data_digest));
      EVERGREEN_CHECK_INPUT(difference.empty(), "{}: {}", checkpoint, difference);
    }
  }
  if (control.on_start) control.on_start();
  save_yaml_file(plan.config, control.out_dir + "/config.yaml");
  const bool several = plan.strategy_labels.size() > 1;
  std::vector<StrategyOutcome> outcomes;
  for (size_t i = 0; i < plan.strategy_labels.size(); ++i) {
    outcomes.push_back(run_strategy_on(plan, i, strategy_directory(plan, i, control.out_dir),
                                       control, data_digest));
    if (!outcomes.back().completed) break;
  }
  if (several) {
    std::vector<nlohmann::json> summaries;
    for (const auto& outcome : outcomes)
      if (outcome.completed) summaries.push_back(outcome.summary);
    if (summaries.size() == plan.strategy_labels.size())
      write_comparison(control.out_dir, summaries);
  }
  return outcomes;
}

}  // namespace evergreen
