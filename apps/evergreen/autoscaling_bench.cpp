#include "autoscaling_bench.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "evergreen/autoscaling/scaling_policy.h"
#include "evergreen/autoscaling/scaling_report.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/core/threads.h"
#include "evergreen/models/model.h"
#include "evergreen/run/experiment.h"

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
            YAML::Load(fmt::format("{{name: csv_workload, path: '{}', column: cpu_util_percent, "
                                   "step_seconds: 300, period_seconds: 86400, periods: 0, input_length: 48, "
                                   "horizon: 6}}",
                                   path)),
            288, 300.0};
  }
  if (key == "nasa") {
    auto path = data + "/workload/nasa/workload.tbz2";
    EVERGREEN_CHECK_INPUT(std::filesystem::exists(path), "{}: not found (give --data DIR)", path);
    return {key, "NASA KSC HTTP requests per minute (first 14 days, one period per day)",
            YAML::Load(fmt::format("{{name: nasa_requests, path: '{}', resample: 60, "
                                   "max_points: 20160, period_seconds: 86400, periods: 0, input_length: 60, "
                                   "horizon: 10}}",
                                   path)),
            1440, 60.0};
  }
  throw InputError(fmt::format("bench autoscaling: unknown stream '{}' (known: synthetic, "
                               "alibaba, nasa)", key));
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

/// Per experience: the demand of its test windows' first target step and the forecast of it.
struct Trace {
  std::vector<double> demand;
  std::vector<double> forecast;
};

/// Forecasts of one step ahead (the first horizon step) on every test window of `experience`,
/// in the series' own units.
void append_forecasts(Model& model, const Stream& stream, int64_t index, Trace& trace) {
  torch::NoGradGuard no_grad;
  const Batch& test = stream.experiences[index].test;
  auto prediction = model.forward(test).at("prediction").select(1, 0).to(torch::kDouble);
  auto demand = test.at("y").select(1, 0).to(torch::kDouble);
  for (int64_t i = 0; i < demand.size(0); ++i) {
    trace.demand.push_back(demand[i].item<double>() * stream.spec.target.scale + stream.spec.target.offset);
    trace.forecast.push_back(prediction[i].item<double>() * stream.spec.target.scale +
                             stream.spec.target.offset);
  }
}

/// The points a split's windows cover, in order (stride 1: window k starts at point k).
torch::Tensor split_points(const Batch& windows) {
  const auto& x = windows.at("x");
  const auto& y = windows.at("y");
  const int64_t last = x.size(0) - 1;
  return torch::cat({x.select(1, 0), x[last].slice(0, 1), y[last]}).to(torch::kDouble);
}

/// The two references that need no learning, on every period's test windows: the last observed
/// value, and seasonal naive (the value one season, e.g. one day, before the target; the last
/// value where the stream holds no point that far back). MAE per period and one-step traces.
struct Reference {
  std::string label;
  std::vector<double> period_mae;
  Trace trace;
};

std::vector<Reference> reference_forecasts(const Stream& stream, int64_t season_steps) {
  // The whole series again, in the stream's standardised units, rebuilt from the windows.
  std::vector<torch::Tensor> parts;
  for (const auto& experience : stream.experiences) {
    parts.push_back(split_points(experience.train));
    parts.push_back(split_points(experience.test));
  }
  auto series = torch::cat(parts) * stream.spec.target.scale + stream.spec.target.offset;
  Reference last{"last-value", {}, {}}, seasonal{"seasonal-naive", {}, {}};
  int64_t period_start = 0;
  for (const auto& experience : stream.experiences) {
    const int64_t train_points = split_points(experience.train).size(0);
    const int64_t test_points = split_points(experience.test).size(0);
    auto x = experience.test.at("x").to(torch::kDouble) * stream.spec.target.scale + stream.spec.target.offset;
    auto y = experience.test.at("y").to(torch::kDouble) * stream.spec.target.scale + stream.spec.target.offset;
    const int64_t rows = x.size(0), length = x.size(1), horizon = y.size(1);
    auto last_forecast = x.select(1, length - 1).unsqueeze(1).expand({rows, horizon}).contiguous();
    auto seasonal_forecast = last_forecast.clone();
    for (int64_t k = 0; k < rows; ++k) {
      for (int64_t h = 0; h < horizon; ++h) {
        int64_t target = period_start + train_points + k + length + h;
        if (target - season_steps >= 0) seasonal_forecast[k][h] = series[target - season_steps];
      }
    }
    EVERGREEN_ASSERT(torch::allclose(series.slice(0, period_start + train_points + length,
                                                  period_start + train_points + length + rows),
                                     y.select(1, 0)),
                     "rebuilt series does not match the test windows");
    period_start += train_points + test_points;
    last.period_mae.push_back((last_forecast - y).abs().mean().item<double>());
    seasonal.period_mae.push_back((seasonal_forecast - y).abs().mean().item<double>());
    for (int64_t i = 0; i < rows; ++i) {
      last.trace.demand.push_back(y[i][0].item<double>());
      last.trace.forecast.push_back(last_forecast[i][0].item<double>());
      seasonal.trace.demand.push_back(y[i][0].item<double>());
      seasonal.trace.forecast.push_back(seasonal_forecast[i][0].item<double>());
    }
  }
  return {last, seasonal};
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
  ExperimentPlan probe = plan_experiment(YAML::Clone(config), "bench autoscaling");
  int64_t training_rows = 0;
  for (const auto& experience : probe.stream.experiences) training_rows += experience.train.size();
  auto strategies = bench_strategies(options, training_rows);
  YAML::Node entries(YAML::NodeType::Sequence);
  for (const auto& strategy : strategies) entries.push_back(strategy.entry);
  config["strategies"] = entries;
  ExperimentPlan plan = plan_experiment(config, "bench autoscaling");
  const Stream& stream = plan.stream;

  // Scaling: capacity per replica so that the median test demand needs 10 replicas at 70%.
  auto references = reference_forecasts(stream, spec.season_steps);
  ScalingOptions scaling;
  scaling.capacity_per_replica = 0;
  scaling = resolve_capacity_per_replica(scaling, references.front().trace.demand);
  const auto& demand = references.front().trace.demand;
  auto reactive = reactive_replicas(demand, scaling, replicas_for_demand(demand.front(), scaling));
  ScalingOutcome reactive_outcome = evaluate_scaling(demand, reactive, scaling, spec.step_seconds);

  nlohmann::json rows = nlohmann::json::array();
  for (const auto& reference : references) {
    SeedAggregate aggregate;
    double acc = 0;
    for (double mae : reference.period_mae) acc += mae / static_cast<double>(reference.period_mae.size());
    aggregate.add("acc", acc);
    aggregate.add("bwt", 0);
    aggregate.add("forgetting", 0);
    add_scaling(aggregate, evaluate_scaling(demand, predictive_replicas(reference.trace.forecast, scaling),
                                            scaling, spec.step_seconds));
    rows.push_back({{"label", reference.label}, {"strategy", reference.label}, {"budget", ""},
                    {"learning", false}, {"metrics", aggregate.summary()}});
  }

  const std::string stream_dir = options.out_dir + "/" + spec.key;
  for (size_t s = 0; s < strategies.size(); ++s) {
    SeedAggregate aggregate;
    for (int64_t seed = 0; seed < options.seeds; ++seed) {
      plan.seed = static_cast<uint64_t>(seed);
      plan.config["seed"] = seed;
      Trace trace;
      RunControl control;
      control.out_dir = fmt::format("{}/seed-{}/{}", stream_dir, seed, strategies[s].label);
      control.progress = [](const ProgressEvent&) {};
      control.after_experience = [&](Model& model, int64_t index) {
        append_forecasts(model, stream, index, trace);
      };
      std::fprintf(stderr, "bench autoscaling: %s, %s, seed %lld\n", spec.key.c_str(),
                   strategies[s].label.c_str(), static_cast<long long>(seed));
      auto outcome = run_strategy(plan, s, control.out_dir, control);
      const auto& summary = outcome.summary;
      aggregate.add("acc", summary.at("acc"));
      aggregate.add("bwt", summary.at("bwt"));
      aggregate.add("forgetting", summary.at("forgetting"));
      aggregate.add("memory_bytes", summary.at("memory").at("bytes"));
      aggregate.add("train_flops", summary.at("green").at("train_flops"));
      aggregate.add("train_s", summary.at("green").at("phases").at("train").at("wall_s"));
      aggregate.add("energy_kwh", summary.at("green").at("energy_kwh"));
      auto replicas = predictive_replicas(trace.forecast, scaling);
      add_scaling(aggregate, evaluate_scaling(trace.demand, replicas, scaling, spec.step_seconds));
      // One picture: DMSHM at the largest budget, first seed.
      if (seed == 0 &&
          strategies[s].label == fmt::format("dmshm-{:g}pct", 100 * options.memory_fractions.back())) {
        write_scaling_trace_csv(control.out_dir + "/scaling.csv", trace.demand, trace.forecast,
                                replicas, reactive, scaling, spec.step_seconds);
        plot_scaling_trace(control.out_dir + "/scaling.csv", control.out_dir + "/scaling.png",
                           spec.key + ", test part of each period: DMSHM forecasts vs reactive "
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
    text += fmt::format("- DMSHM MAE within 10% of Joint ({:.3f}x) at <= 20% of its FLOPs ({:.1f}%): "
                        "{}\n", mae_ratio, 100 * flops_ratio,
                        mae_ratio <= 1.10 && flops_ratio <= 0.20 ? "met" : "NOT met");
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
      text += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                          row.at("label").get<std::string>(),
                          row.at("budget").get<std::string>().empty() ? "-" : row.at("budget").get<std::string>(),
                          format_cell(metrics, "acc", 1, 3), format_cell(metrics, "bwt", 1, 3),
                          format_cell(metrics, "forgetting", 1, 3),
                          format_cell(metrics, "memory_bytes", 1.0 / 1024, 1),
                          format_cell(metrics, "train_flops", 1e-9, 2),
                          format_cell(metrics, "train_s", 1, 2),
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
