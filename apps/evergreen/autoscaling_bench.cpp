#include "autoscaling_bench.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "evergreen/autoscaling/scaling_policy.h"
#include "evergreen/autoscaling/scaling_report.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/core/threads.h"
#include "evergreen/eval/naive_forecasts.h"
#include "evergreen/run/experiment.h"
#include "evergreen/run/sweep.h"

namespace evergreen::cli {
namespace {

/// A stream of the benchmark: its config and its seasonal period in steps (for seasonal naive).
struct BenchStream {
  std::string key;
  std::string title;
  YAML::Node config;
  int64_t season_steps;
  double step_seconds;
};

BenchStream bench_stream(const std::string& key, const AutoscalingBenchOptions& options) {
  const std::string data = options.data_dir;
  if (key == "synthetic") {
    int64_t days = options.smoke ? 14 : 42;
    return {key, "synthetic workload with abnormal events (15-minute steps)",
            YAML::Load(fmt::format("{{name: synthetic_workload, days: {}, steps_per_day: 96, "
                                   "periods: {}, input_length: 96, horizon: 8}}",
                                   days, options.smoke ? 2 : 6)),
            96, 900.0};
  }
  if (key == "alibaba") {
    auto path = data + "/workload/alibaba2018/machine_usage_300s.csv";
    EVERGREEN_CHECK_INPUT(std::filesystem::exists(path), "{}: not found (give --data DIR)", path);
    return {key, "Alibaba 2018 cluster cpu_util_percent (300 s steps, one period per day)",
            YAML::Load(fmt::format(
                "{{name: csv_workload, path: '{}', column: cpu_util_percent, "
                "step_seconds: 300, period_seconds: 86400, periods: 0, input_length: 48, "
                "horizon: 6}}",
                path)),
            288, 300.0};
  }
  if (key == "nasa") {
    auto path = data + "/workload/nasa/workload.tbz2";
    EVERGREEN_CHECK_INPUT(std::filesystem::exists(path), "{}: not found (give --data DIR)", path);
    return {key, "NASA KSC HTTP requests per minute (first 14 days, one period per day)",
            YAML::Load(fmt::format(
                "{{name: nasa_requests, path: '{}', resample: 60, "
                "max_points: 20160, period_seconds: 86400, periods: 0, input_length: 60, "
                "horizon: 10}}",
                path)),
            1440, 60.0};
  }
  throw InputError(
      fmt::format("bench autoscaling: unknown stream '{}' (known: synthetic, "
                  "alibaba, nasa)",
                  key));
}

/// One strategy configuration of the benchmark.
struct BenchStrategy {
  std::string label;
  std::string name;
  std::string budget;  ///< "" when the strategy keeps no rows, else e.g. "5%"
  YAML::Node entry;
};

std::vector<BenchStrategy> bench_strategies(const AutoscalingBenchOptions& options,
                                            int64_t training_rows) {
  std::vector<BenchStrategy> strategies;
  auto add = [&](const std::string& label, const std::string& name, const std::string& budget,
                 const std::string& extra) {
    YAML::Node entry = YAML::Load("{" + extra + "}");
    entry["name"] = name;
    entry["label"] = label;
    strategies.push_back({label, name, budget, entry});
  };
  add("naive", "naive", "", "");
  if (!options.smoke) {
    add("joint", "joint", "", "");
    add("ewc", "ewc", "", "");
  }
  for (double fraction : options.memory_fractions) {
    auto size = std::max<int64_t>(1, std::llround(fraction * static_cast<double>(training_rows)));
    std::string budget = fmt::format("{:g}%", 100 * fraction);
    std::string suffix = fmt::format("-{:g}pct", 100 * fraction);
    std::string memory = fmt::format("memory_size: {}", size);
    add("er" + suffix, "er", budget, memory);
    if (!options.smoke) {
      add("derpp" + suffix, "derpp", budget, memory);
      add("agem" + suffix, "agem", budget, memory);
    }
    add("dmshm" + suffix, "dmshm", budget, memory);
    if (!options.smoke) {
      add("dmshm-density-only" + suffix, "dmshm", budget, memory + ", shift_weight: 0");
      add("dmshm-shift-only" + suffix, "dmshm", budget, memory + ", density_weight: 0");
      add("dmshm-no-hint" + suffix, "dmshm", budget, memory + ", hint_weight: 0");
    }
  }
  return strategies;
}

nlohmann::json mean_and_std(const std::vector<double>& values) {
  double mean = 0;
  for (double value : values) mean += value / static_cast<double>(values.size());
  double variance = 0;
  for (double value : values) variance += (value - mean) * (value - mean);
  double std = values.size() > 1 ? std::sqrt(variance / static_cast<double>(values.size() - 1)) : 0;
  return {{"mean", mean}, {"std", std}};
}

/// Collects per-seed values of named quantities, then summarises them.
struct SeedAggregate {
  std::map<std::string, std::vector<double>> values;
  void add(const std::string& name, double value) { values[name].push_back(value); }
  nlohmann::json summary() const {
    nlohmann::json result = nlohmann::json::object();
    for (const auto& [name, list] : values) result[name] = mean_and_std(list);
    return result;
  }
};

void add_scaling(SeedAggregate& aggregate, const ScalingOutcome& outcome) {
  aggregate.add("slo_violation_rate", outcome.slo_violation_rate);
  aggregate.add("over_provisioning_capacity_hours", outcome.over_provisioning_capacity_hours);
  aggregate.add("scaling_actions", static_cast<double>(outcome.scaling_actions));
}

nlohmann::json bench_one_stream(const BenchStream& spec, const AutoscalingBenchOptions& options) {
  YAML::Node config = YAML::Load(fmt::format(
      "{{experiment: bench-autoscaling-{}, seed: 0, threads: 1, model: {{name: mlp, "
      "hidden_size: 64}}, train: {{epochs: {}, batch_size: 32, learning_rate: 0.001}}}}",
      spec.key, options.epochs));
  config["stream"] = spec.config;
  config["strategies"] = YAML::Load("[naive]");
  // The probe's stream is the one every run trains on (the sweep shares the cache).
  StreamCache streams;
  ExperimentPlan probe = plan_experiment(YAML::Clone(config), "bench autoscaling", &streams);
  const Stream& stream = probe.stream;
  int64_t training_rows = 0;
  for (const auto& experience : stream.experiences) training_rows += experience.train.size();
  auto strategies = bench_strategies(options, training_rows);
  std::vector<SweepCell> cells;
  for (const auto& strategy : strategies) {
    YAML::Node cell = YAML::Clone(config);
    YAML::Node entries(YAML::NodeType::Sequence);
    entries.push_back(strategy.entry);
    cell["strategies"] = entries;
    cells.push_back({strategy.label, cell});
  }

  // Scaling: capacity per replica so that the median test demand needs 10 replicas at 70%.
  const std::vector<NaiveForecasts> references = {
      last_value_forecasts(stream), seasonal_naive_forecasts(stream, spec.season_steps)};
  ScalingOptions scaling;
  scaling.capacity_per_replica = 0;
  scaling = resolve_capacity_per_replica(scaling, references.front().trace.actual);
  const auto& demand = references.front().trace.actual;
  auto reactive = reactive_replicas(demand, scaling, replicas_for_demand(demand.front(), scaling));
  ScalingOutcome reactive_outcome = evaluate_scaling(demand, reactive, scaling, spec.step_seconds);

  nlohmann::json rows = nlohmann::json::array();
  for (const auto& reference : references) {
    SeedAggregate aggregate;
    double acc = 0;
    for (double mae : reference.period_mae)
      acc += mae / static_cast<double>(reference.period_mae.size());
    aggregate.add("acc", acc);
    aggregate.add("bwt", 0);
    aggregate.add("forgetting", 0);
    add_scaling(aggregate,
                evaluate_scaling(demand, predictive_replicas(reference.trace.forecast, scaling),
                                 scaling, spec.step_seconds));
    rows.push_back({{"label", reference.label},
                    {"strategy", reference.label},
                    {"budget", ""},
                    {"learning", false},
                    {"metrics", aggregate.summary()}});
  }

  const std::string stream_dir = options.out_dir + "/" + spec.key;
  SweepOptions sweep;
  sweep.seeds = first_seeds(options.seeds);
  sweep.streams = &streams;
  sweep.run_directory = [&](const SweepCell& cell, uint64_t seed) {
    return fmt::format("{}/seed-{}/{}", stream_dir, seed, cell.label);
  };
  sweep.progress = [&](const std::string& line) {
    std::fprintf(stderr, "bench autoscaling: %s: %s\n", spec.key.c_str(), line.c_str());
  };
  // Every run's one-step forecasts, experience after experience: one slot per run (the seeds
  // are 0 .. n-1, so a seed is its own index).
  std::vector<std::vector<ForecastTrace>> traces(cells.size(),
                                                 std::vector<ForecastTrace>(sweep.seeds.size()));
  sweep.after_experience = [&](size_t cell, uint64_t seed, Model& model, int64_t index) {
    ForecastTrace part = model_one_step_forecasts(model, stream, index);
    auto& trace = traces[cell][seed];
    trace.actual.insert(trace.actual.end(), part.actual.begin(), part.actual.end());
    trace.forecast.insert(trace.forecast.end(), part.forecast.begin(), part.forecast.end());
  };
  auto results = run_sweep(cells, sweep);

  // One picture: DMSHM at the largest budget, first seed.
  const std::string pictured = fmt::format("dmshm-{:g}pct", 100 * options.memory_fractions.back());
  for (size_t s = 0; s < results.size(); ++s) {
    SeedAggregate aggregate;
    for (size_t seed = 0; seed < results[s].runs.size(); ++seed) {
      const StrategyOutcome& run = results[s].runs[seed];
      const ForecastTrace& trace = traces[s][seed];
      aggregate.add("acc", run.continual.acc);
      aggregate.add("bwt", run.continual.bwt);
      aggregate.add("forgetting", run.continual.forgetting);
      aggregate.add("memory_bytes", static_cast<double>(run.memory.bytes));
      aggregate.add("train_flops", static_cast<double>(run.train.flops));
      aggregate.add("train_s", run.train.wall_s);
      aggregate.add("energy_kwh", run.total.energy_kwh);
      auto replicas = predictive_replicas(trace.forecast, scaling);
      add_scaling(aggregate, evaluate_scaling(trace.actual, replicas, scaling, spec.step_seconds));
      if (seed == 0 && strategies[s].label == pictured) {
        const std::string directory = sweep.run_directory(cells[s], sweep.seeds[seed]);
        write_scaling_trace_csv(directory + "/scaling.csv", trace.actual, trace.forecast, replicas,
                                reactive, scaling, spec.step_seconds);
        plot_scaling_trace(directory + "/scaling.csv", directory + "/scaling.png",
                           spec.key +
                               ", test part of each period: DMSHM forecasts vs reactive "
                               "HPA (after Hao et al., CIKM 2023)");
      }
    }
    rows.push_back({{"label", strategies[s].label},
                    {"strategy", strategies[s].name},
                    {"budget", strategies[s].budget},
                    {"learning", true},
                    {"metrics", aggregate.summary()}});
  }
  return {{"stream", spec.key},
          {"title", spec.title},
          {"experiences", stream.size()},
          {"training_rows", training_rows},
          {"step_seconds", spec.step_seconds},
          {"capacity_per_replica", scaling.capacity_per_replica},
          {"reactive", to_json(reactive_outcome)},
          {"rows", rows}};
}

std::string format_cell(const nlohmann::json& metrics, const std::string& name, double scale,
                        int precision) {
  if (!metrics.contains(name)) return "-";
  double mean = metrics.at(name).at("mean").get<double>() * scale;
  double std = metrics.at(name).at("std").get<double>() * scale;
  if (!std::isfinite(mean)) return "n/a";
  return fmt::format("{:.{}f} ± {:.{}f}", mean, precision, std, precision);
}

const nlohmann::json* find_row(const nlohmann::json& stream, const std::string& label) {
  for (const auto& row : stream.at("rows"))
    if (row.at("label") == label) return &row;
  return nullptr;
}

double mean_of(const nlohmann::json& row, const std::string& metric) {
  return row.at("metrics").at(metric).at("mean").get<double>();
}

/// The goals, checked on the measured means: a line each, met or not.
std::string check_goals(const nlohmann::json& stream, double fraction) {
  std::string suffix = fmt::format("-{:g}pct", 100 * fraction);
  const auto* dmshm = find_row(stream, "dmshm" + suffix);
  if (!dmshm) return "";
  std::string text = fmt::format("\nGoals at {:g}% memory (means over seeds):\n", 100 * fraction);
  for (const char* rival : {"er", "derpp"}) {
    if (const auto* row = find_row(stream, rival + suffix))
      text += fmt::format("- DMSHM ACC {:.3f} < {} ACC {:.3f}: {}\n", mean_of(*dmshm, "acc"), rival,
                          mean_of(*row, "acc"),
                          mean_of(*dmshm, "acc") < mean_of(*row, "acc") ? "met" : "NOT met");
  }
  if (const auto* joint = find_row(stream, "joint")) {
    double mae_ratio = mean_of(*dmshm, "acc") / mean_of(*joint, "acc");
    double flops_ratio = mean_of(*dmshm, "train_flops") / mean_of(*joint, "train_flops");
    text += fmt::format(
        "- DMSHM MAE within 10% of Joint ({:.3f}x) at <= 20% of its FLOPs ({:.1f}%): "
        "{}\n",
        mae_ratio, 100 * flops_ratio, mae_ratio <= 1.10 && flops_ratio <= 0.20 ? "met" : "NOT met");
  }
  const auto& reactive = stream.at("reactive");
  double violations = mean_of(*dmshm, "slo_violation_rate");
  double capacity_hours = mean_of(*dmshm, "over_provisioning_capacity_hours");
  double reactive_violations = reactive.at("slo_violation_rate").get<double>();
  double reactive_hours = reactive.at("over_provisioning_capacity_hours").get<double>();
  text += fmt::format(
      "- predictive (DMSHM) SLO violations {:.2f}% < reactive {:.2f}% at no more over-provisioning "
      "({:.1f} vs {:.1f} capacity-hours): {}\n",
      100 * violations, 100 * reactive_violations, capacity_hours, reactive_hours,
      violations < reactive_violations && capacity_hours <= reactive_hours ? "met" : "NOT met");
  return text;
}

}  // namespace

nlohmann::json run_autoscaling_bench(const AutoscalingBenchOptions& given) {
  AutoscalingBenchOptions options = given;
  if (options.smoke) {
    options.seeds = 1;
    options.streams = {"synthetic"};
    options.memory_fractions = {0.05};
    options.epochs = 2;
  }
  set_thread_count(1);
  ensure_writable_directory(options.out_dir);
  nlohmann::json result = {{"seeds", options.seeds},
                           {"epochs", options.epochs},
                           {"memory_fractions", options.memory_fractions},
                           {"smoke", options.smoke},
                           {"streams", nlohmann::json::array()}};
  for (const auto& key : options.streams)
    result["streams"].push_back(bench_one_stream(bench_stream(key, options), options));
  write_file_atomically(options.out_dir + "/autoscaling.json", result.dump(2) + "\n");
  return result;
}

std::string format_autoscaling_bench(const nlohmann::json& result) {
  std::string text;
  for (const auto& stream : result.at("streams")) {
    const auto& reactive = stream.at("reactive");
    text += fmt::format(
        "\n### {} ({} periods, {} training windows; mean ± std over {} seeds)\n\n"
        "Reactive HPA-style controller: SLO violations {:.2f}%, over-provisioning {:.1f} "
        "capacity-hours, {} scaling actions (capacity per replica {:.4g}).\n\n"
        "| strategy | memory | ACC (MAE) | BWT | forgetting | memory KiB | train GMACs | train s | "
        "energy J | SLO viol. % | over-prov. cap-h | actions |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        stream.at("title").get<std::string>(), stream.at("experiences").get<int64_t>(),
        stream.at("training_rows").get<int64_t>(), result.at("seeds").get<int64_t>(),
        100 * reactive.at("slo_violation_rate").get<double>(),
        reactive.at("over_provisioning_capacity_hours").get<double>(),
        reactive.at("scaling_actions").get<int64_t>(),
        stream.at("capacity_per_replica").get<double>());
    for (const auto& row : stream.at("rows")) {
      const auto& metrics = row.at("metrics");
      text += fmt::format(
          "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
          row.at("label").get<std::string>(),
          row.at("budget").get<std::string>().empty() ? "-" : row.at("budget").get<std::string>(),
          format_cell(metrics, "acc", 1, 3), format_cell(metrics, "bwt", 1, 3),
          format_cell(metrics, "forgetting", 1, 3),
          format_cell(metrics, "memory_bytes", 1.0 / 1024, 1),
          format_cell(metrics, "train_flops", 1e-9, 2), format_cell(metrics, "train_s", 1, 2),
          format_cell(metrics, "energy_kwh", 3.6e6, 1),
          format_cell(metrics, "slo_violation_rate", 100, 2),
          format_cell(metrics, "over_provisioning_capacity_hours", 1, 1),
          format_cell(metrics, "scaling_actions", 1, 0));
    }
    for (const auto& fraction : result.at("memory_fractions"))
      text += check_goals(stream, fraction.get<double>());
  }
  return text;
}

}  // namespace evergreen::cli
