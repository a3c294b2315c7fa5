#include "autoscaling_bench.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "evergreen/autoscaling/scaling_policy.h"
#include "evergreen/autoscaling/scaling_report.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/core/threads.h"
#include "evergreen/data/csv_series.h"
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

std::string workload_dir(const AutoscalingBenchOptions& options) {
  return options.data_dir + "/workload";
}

std::string bitbrains_path(const AutoscalingBenchOptions& options, int vm) {
  return fmt::format("{}/bitbrains_rnd/2013-7/{}.csv", workload_dir(options), vm);
}

/// The NAB files present, by stream key (nab-NAME), in name order.
std::map<std::string, std::string> nab_files(const AutoscalingBenchOptions& options) {
  std::map<std::string, std::string> files;
  for (const char* folder : {"realAWSCloudwatch", "realKnownCause"}) {
    std::filesystem::path directory = workload_dir(options) + "/nab/data/" + folder;
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(directory))
      if (entry.path().extension() == ".csv")
        files["nab-" + entry.path().stem().string()] = entry.path().string();
  }
  return files;
}

/// Stream keys with the groups expanded (bitbrains, nab, real), duplicates removed.
std::vector<std::string> expand_stream_keys(const AutoscalingBenchOptions& options) {
  std::vector<std::string> keys;
  auto add = [&](const std::string& key) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  auto add_group = [&](const std::string& group) {
    if (group == "bitbrains") {
      EVERGREEN_CHECK_INPUT(std::filesystem::exists(bitbrains_path(options, 1)),
                            "{}: not found (give --data DIR)", bitbrains_path(options, 1));
      for (int vm = 1; vm <= 20; ++vm)
        if (std::filesystem::exists(bitbrains_path(options, vm)))
          add(fmt::format("bitbrains-{}", vm));
    } else if (group == "nab") {
      auto files = nab_files(options);
      EVERGREEN_CHECK_INPUT(!files.empty(), "{}/nab/data: no NAB files found (give --data DIR)",
                            workload_dir(options));
      for (const auto& [key, path] : files) add(key);
    } else {
      add(group);
    }
  };
  for (const auto& key : options.streams) {
    if (key == "real") {
      for (const char* group : {"alibaba", "nasa", "bitbrains", "nab"}) add_group(group);
    } else {
      add_group(key);
    }
  }
  return keys;
}

/// A season (and period) of whole steps; InputError otherwise.
int64_t season_steps_of(double season_seconds, double step_seconds, const std::string& what) {
  const double steps = season_seconds / step_seconds;
  const auto whole = static_cast<int64_t>(std::llround(steps));
  EVERGREEN_CHECK_INPUT(whole >= 1 && std::abs(steps - static_cast<double>(whole)) < 1e-9 * steps,
                        "{}: --season-seconds {} is not a whole number of the series' {} s steps",
                        what, season_seconds, step_seconds);
  return whole;
}

/// Places the rows of `values` on the regular grid t0 + k * step of their `times` (Unix
/// seconds): rows in one step are averaged, steps without a row are interpolated linearly
/// between their neighbours. Returns the grid values; counts what it did in `merged`/`filled`.
std::vector<double> regularise(const std::string& file, const std::string& time_column,
                               const std::vector<double>& times, const std::vector<double>& values,
                               double step, int64_t* merged, int64_t* filled) {
  EVERGREEN_CHECK_INPUT(times.size() == values.size(),
                        "{}: the time column '{}' has {} values and the value column {}", file,
                        time_column, times.size(), values.size());
  const double first = *std::min_element(times.begin(), times.end());
  const double last = *std::max_element(times.begin(), times.end());
  const double span_steps = (last - first) / step;
  EVERGREEN_CHECK_INPUT(span_steps <= 4.0 * static_cast<double>(times.size()) + 16,
                        "{}: time column '{}' spans {} s, {} steps of {} s for {} rows: expected "
                        "Unix seconds at about that step (give --step-seconds)",
                        file, time_column, last - first, span_steps, step, times.size());
  const auto points = static_cast<int64_t>(std::llround(span_steps)) + 1;
  std::vector<double> sum(points, 0.0);
  std::vector<int64_t> count(points, 0);
  for (size_t i = 0; i < times.size(); ++i) {
    const auto k = static_cast<int64_t>(std::llround((times[i] - first) / step));
    sum[k] += values[i];
    ++count[k];
  }
  std::vector<double> grid(points);
  *merged = 0;
  *filled = 0;
  int64_t previous = -1;
  for (int64_t k = 0; k < points; ++k) {
    if (count[k] == 0) continue;
    grid[k] = sum[k] / static_cast<double>(count[k]);
    *merged += count[k] - 1;
    for (int64_t gap = previous + 1; gap < k; ++gap) {
      const double share = static_cast<double>(gap - previous) / static_cast<double>(k - previous);
      grid[gap] = grid[previous] + share * (grid[k] - grid[previous]);
      ++*filled;
    }
    previous = k;
  }
  return grid;
}

double median_spacing(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  std::vector<double> spacing;
  for (size_t i = 1; i < times.size(); ++i)
    if (times[i] > times[i - 1]) spacing.push_back(times[i] - times[i - 1]);
  if (spacing.empty()) return 0;
  std::nth_element(spacing.begin(), spacing.begin() + spacing.size() / 2, spacing.end());
  return spacing[spacing.size() / 2];
}

/// A CSV series as a bench stream: one period per season, windows of --input-length and
/// --horizon. With a time column the series is first put on a regular grid and written to
/// `OUT/KEY/series.csv`, which the runs' config.yaml then names.
BenchStream csv_bench_stream(const std::string& key, const std::string& title,
                             const AutoscalingCsvInput& input,
                             const AutoscalingBenchOptions& options) {
  EVERGREEN_CHECK_INPUT(input.delimiter.size() == 1 || input.delimiter == "tab",
                        "{}: --delimiter '{}': expected one character or tab", input.path,
                        input.delimiter);
  CsvSeriesOptions csv;
  csv.column(input.column).delimiter(input.delimiter == "tab" ? '\t' : input.delimiter[0]);
  std::string path = input.path;
  double step = input.step_seconds;
  std::string note;
  if (!input.time_column.empty()) {
    CsvSeriesOptions time_csv = csv;
    time_csv.column(input.time_column);
    // The step of a row is irrelevant here; the reader checks each field and names file:line.
    Series times = read_csv_series(input.path, time_csv.step_seconds(1));
    Series values = read_csv_series(input.path, csv.step_seconds(1));
    if (step == 0) step = std::round(median_spacing(times.values));
    EVERGREEN_CHECK_INPUT(step > 0,
                          "{}: time column '{}': every row has the same time; give --step-seconds",
                          input.path, input.time_column);
    int64_t merged = 0, filled = 0;
    auto grid = regularise(input.path, input.time_column, times.values, values.values, step,
                           &merged, &filled);
    const std::string directory = options.out_dir + "/" + key;
    std::filesystem::create_directories(directory);
    path = directory + "/series.csv";
    std::string text = "value\n";
    for (double value : grid) text += fmt::format("{}\n", value);
    write_file_atomically(path, text);
    note = fmt::format(", {} rows on a {} s grid: {} merged, {} interpolated", values.size(), step,
                       merged, filled);
    csv.column("value").delimiter(',');
  }
  EVERGREEN_CHECK_INPUT(step > 0, "{}: give --step-seconds (or a --time-column to infer it)",
                        input.path);
  // Checks every field now (file:line:column on the first bad one), before any run starts.
  if (input.time_column.empty()) read_csv_series(input.path, csv.step_seconds(step));
  YAML::Node config;
  config["name"] = "csv_workload";
  config["path"] = path;
  config["column"] = csv.column();
  config["delimiter"] =
      csv.delimiter() == '\t' ? std::string("tab") : std::string(1, csv.delimiter());
  config["step_seconds"] = step;
  config["period_seconds"] = options.season_seconds;
  config["periods"] = 0;
  config["input_length"] = options.input_length;
  config["horizon"] = options.horizon;
  return {key,
          fmt::format("{} ({} s steps, one period per {} s{})", title, step, options.season_seconds,
                      note),
          config, season_steps_of(options.season_seconds, step, input.path), step};
}

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
                "step_seconds: 300, period_seconds: 86400, periods: 0, input_length: {}, "
                "horizon: {}}}",
                path, options.input_length, options.horizon)),
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
  if (key.rfind("bitbrains-", 0) == 0) {
    const std::string number = key.substr(10);
    const int vm =
        std::all_of(number.begin(), number.end(), ::isdigit) && !number.empty() && number.size() < 4
            ? std::stoi(number)
            : 0;
    EVERGREEN_CHECK_INPUT(1 <= vm && vm <= 20,
                          "bench autoscaling: unknown stream '{}' (Bitbrains VMs are "
                          "bitbrains-1 .. bitbrains-20)",
                          key);
    AutoscalingCsvInput input;
    input.path = bitbrains_path(options, vm);
    EVERGREEN_CHECK_INPUT(std::filesystem::exists(input.path), "{}: not found (give --data DIR)",
                          input.path);
    // The header says milliseconds; the values are Unix seconds (data/README.md).
    input.column = "CPU usage [MHZ]";
    input.time_column = "Timestamp [ms]";
    input.delimiter = ";";
    input.step_seconds = 300;
    return csv_bench_stream(key, fmt::format("Bitbrains Rnd VM {} CPU usage MHz", vm), input,
                            options);
  }
  if (key.rfind("nab-", 0) == 0) {
    auto files = nab_files(options);
    auto found = files.find(key);
    EVERGREEN_CHECK_INPUT(found != files.end(),
                          "bench autoscaling: unknown stream '{}' (NAB streams found under "
                          "{}/nab/data: {})",
                          key, workload_dir(options), files.size());
    AutoscalingCsvInput input;
    input.path = found->second;
    input.column = "value";
    input.step_seconds = 300;  // NAB's timestamps are text; these files are 5-minute series
    return csv_bench_stream(key, "NAB " + key.substr(4), input, options);
  }
  throw InputError(
      fmt::format("bench autoscaling: unknown stream '{}' (known: synthetic, alibaba, nasa, "
                  "bitbrains-1 .. bitbrains-20, nab-NAME, and the groups bitbrains, nab, real)",
                  key));
}

/// One strategy configuration of the benchmark.
struct BenchStrategy {
  std::string label;
  std::string name;
  std::string budget;  ///< "" when the strategy keeps no rows, else e.g. "5%"
  YAML::Node entry;
};

bool runs(const AutoscalingBenchOptions& options, const std::string& family) {
  return std::find(options.strategies.begin(), options.strategies.end(), family) !=
         options.strategies.end();
}

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
  if (runs(options, "naive")) add("naive", "naive", "", "");
  if (!options.smoke) {
    if (runs(options, "joint")) add("joint", "joint", "", "");
    if (runs(options, "ewc")) add("ewc", "ewc", "", "");
  }
  for (double fraction : options.memory_fractions) {
    auto size = std::max<int64_t>(1, std::llround(fraction * static_cast<double>(training_rows)));
    std::string budget = fmt::format("{:g}%", 100 * fraction);
    std::string suffix = fmt::format("-{:g}pct", 100 * fraction);
    std::string memory = fmt::format("memory_size: {}", size);
    if (runs(options, "er")) add("er" + suffix, "er", budget, memory);
    if (!options.smoke) {
      if (runs(options, "derpp")) add("derpp" + suffix, "derpp", budget, memory);
      if (runs(options, "agem")) add("agem" + suffix, "agem", budget, memory);
    }
    if (runs(options, "dmshm")) add("dmshm" + suffix, "dmshm", budget, memory);
    if (!options.smoke && runs(options, "dmshm-ablations")) {
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
  YAML::Node config = YAML::Load(
      fmt::format("{{experiment: bench-autoscaling-{}, seed: 0, threads: 1, model: {{name: mlp, "
                  "hidden_size: 16, layers: 1, loss: mae}}, train: {{epochs: {}, batch_size: 32, "
                  "learning_rate: "
                  "0.001}}}}",
                  spec.key, options.epochs));
  config["stream"] = spec.config;
  config["strategies"] = YAML::Load("[naive]");
  if (!options.model_options.empty()) {
    YAML::Node extra = YAML::Load(options.model_options);
    EVERGREEN_CHECK_INPUT(extra.IsMap(),
                          "--model-options '{}': expected a YAML map, e.g. "
                          "'{{residual: none}}'",
                          options.model_options);
    for (const auto& item : extra) config["model"][item.first.as<std::string>()] = item.second;
  }
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
  const auto& demand = references.front().trace.actual;
  // A VM idle through every test part (Bitbrains has some) gives no replica size: take it from
  // the whole series then, or 1 when the series is idle throughout.
  auto positive_mean = [](const std::vector<double>& values) {
    double sum = 0;
    for (double value : values) sum += value;
    return !values.empty() && sum > 0;
  };
  std::vector<double> basis = demand;
  if (!positive_mean(basis)) {
    auto series = window_stream_series(stream).contiguous();
    basis.assign(series.data_ptr<double>(), series.data_ptr<double>() + series.numel());
  }
  if (positive_mean(basis)) {
    scaling = resolve_capacity_per_replica(scaling, basis);
  } else {
    scaling.capacity_per_replica = 1;
  }
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
          {"season_steps", spec.season_steps},
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

/// The row's mean ACC, or NaN when the stream has no such row.
double acc_of(const nlohmann::json& stream, const std::string& label) {
  const auto* row = find_row(stream, label);
  return row ? mean_of(*row, "acc") : std::nan("");
}

std::string acc_text(double value) {
  return std::isnan(value) ? "-" : fmt::format("{:.4g}", value);
}

/// One line per stream: both references, every learner's ACC at the largest budget, and the
/// issue's goals (a continual learner and Joint below the better reference; DMSHM below ER).
std::string format_summary(const nlohmann::json& result) {
  const double fraction = result.at("memory_fractions").back().get<double>();
  const std::string suffix = fmt::format("-{:g}pct", 100 * fraction);
  std::string text = fmt::format(
      "\n### Summary: final MAE (ACC), mean over {} seeds, memory {:g}%\n\n"
      "| stream | periods | last value | seasonal naive | Naive | Joint | EWC | ER | DER++ | "
      "A-GEM | DMSHM | best learner / best reference | CL and Joint beat both | DMSHM < ER |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
      result.at("seeds").get<int64_t>(), 100 * fraction);
  int met_references = 0, met_dmshm = 0, streams = 0;
  for (const auto& stream : result.at("streams")) {
    ++streams;
    const double last = acc_of(stream, "last-value"), seasonal = acc_of(stream, "seasonal-naive");
    const double reference = std::min(last, seasonal);
    const std::vector<std::string> continual = {
        "naive", "ewc", "er" + suffix, "derpp" + suffix, "agem" + suffix, "dmshm" + suffix};
    double best_continual = std::nan("");
    for (const auto& label : continual) {
      double value = acc_of(stream, label);
      if (!std::isnan(value) && !(value >= best_continual)) best_continual = value;
    }
    const double joint = acc_of(stream, "joint");
    double best = best_continual;
    if (!std::isnan(joint) && !(joint >= best)) best = joint;
    const bool references_met = best_continual < reference && joint < reference;
    const double dmshm = acc_of(stream, "dmshm" + suffix), er = acc_of(stream, "er" + suffix);
    const bool dmshm_met = dmshm < er;
    met_references += references_met;
    met_dmshm += dmshm_met;
    text += fmt::format(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        stream.at("stream").get<std::string>(), stream.at("experiences").get<int64_t>(),
        acc_text(last), acc_text(seasonal), acc_text(acc_of(stream, "naive")), acc_text(joint),
        acc_text(acc_of(stream, "ewc")), acc_text(er), acc_text(acc_of(stream, "derpp" + suffix)),
        acc_text(acc_of(stream, "agem" + suffix)), acc_text(dmshm),
        std::isnan(best) || !(reference > 0) ? "-" : fmt::format("{:.3f}", best / reference),
        std::isnan(joint) || std::isnan(best_continual) ? "-" : (references_met ? "yes" : "NO"),
        std::isnan(dmshm) || std::isnan(er) ? "-" : (dmshm_met ? "yes" : "NO"));
  }
  text += fmt::format(
      "\nA continual learner and Joint beat the better reference on {} of {} streams; DMSHM "
      "beats ER on {} of {}.\n",
      met_references, streams, met_dmshm, streams);
  return text;
}

}  // namespace

nlohmann::json run_autoscaling_bench(const AutoscalingBenchOptions& given) {
  AutoscalingBenchOptions options = given;
  if (options.smoke) {
    options.seeds = 1;
    // The synthetic stream, or only the user's files when there are any.
    options.streams =
        options.csv.empty() ? std::vector<std::string>{"synthetic"} : std::vector<std::string>{};
    options.memory_fractions = {0.05};
    options.epochs = 2;
  }
  for (const auto& family : options.strategies) {
    static const std::vector<std::string> kFamilies = {
        "naive", "joint", "ewc", "er", "derpp", "agem", "dmshm", "dmshm-ablations"};
    EVERGREEN_CHECK_INPUT(std::find(kFamilies.begin(), kFamilies.end(), family) != kFamilies.end(),
                          "--strategies: unknown '{}' (known: {})", family,
                          fmt::join(kFamilies, ", "));
  }
  set_thread_count(1);
  ensure_writable_directory(options.out_dir);
  nlohmann::json result = {{"seeds", options.seeds},
                           {"epochs", options.epochs},
                           {"memory_fractions", options.memory_fractions},
                           {"smoke", options.smoke},
                           {"streams", nlohmann::json::array()}};
  // Every stream is built (and every file checked) before the first run starts.
  std::vector<BenchStream> streams;
  for (const auto& key : expand_stream_keys(options)) streams.push_back(bench_stream(key, options));
  std::map<std::string, int> stems;
  for (const auto& input : options.csv) {
    EVERGREEN_CHECK_INPUT(!input.column.empty(), "--csv {}: give its --column", input.path);
    // The key names the output folder: letters, digits, '-', '_' and '.' kept, others '-'.
    std::string key = "csv-" + std::filesystem::path(input.path).stem().string();
    for (char& c : key)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '-';
    if (++stems[key] > 1) key += fmt::format("-{}", stems[key]);
    streams.push_back(csv_bench_stream(key, input.path + ":" + input.column, input, options));
  }
  for (const auto& stream : streams) result["streams"].push_back(bench_one_stream(stream, options));
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
  return text + format_summary(result);
}

}  // namespace evergreen::cli
