// `evergreen gen <generator>`: synthetic data with known ground truth, written to files.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/data/tpp/hawkes.h"
#include "evergreen/data/workload_generator.h"
#include "schema_flags.h"

namespace evergreen::cli {
namespace {

void add_gen_workload_command(CLI::App& gen) {
  CLI::App* command = gen.add_subcommand(
      "workload",
      "a workload (requests per step) with daily and weekly seasonality, trend, noise and "
      "labelled events (spikes, level shifts, pattern changes), written as CSV with every true "
      "component, plus FILE.events.json with the options and events");
  // The flags' texts must outlive parsing: the callback owns them.
  auto out = std::make_shared<std::string>();
  command->add_option("--out", *out, "CSV file to write")->required();
  auto flags = SchemaFlags::add(*command, workload_generator_schema().specs(), "gen workload");

  command->callback([flags, out] {
    const WorkloadGeneratorOptions options = flags->read(workload_generator_schema());
    GeneratedWorkload workload = generate_workload(options);
    auto parent = std::filesystem::path(*out).parent_path();
    if (!parent.empty()) ensure_writable_directory(parent.string());
    write_workload_csv(workload, *out);

    std::map<WorkloadEventKind, int> counts;
    for (const WorkloadEvent& event : workload.events) ++counts[event.kind];
    std::vector<std::string> parts;
    for (const auto& [kind, count] : counts)
      parts.push_back(fmt::format("{} {}", count, to_string(kind)));
    auto [low, high] = std::minmax_element(workload.value.begin(), workload.value.end());
    std::cout << fmt::format(
                     "wrote {}: {} points ({} days x {} steps), {} events{}, values in [{:.4g}, "
                     "{:.4g}]; options and events in {}",
                     *out, workload.size(), options.days(), options.steps_per_day(),
                     workload.events.size(),
                     parts.empty() ? "" : fmt::format(" ({})", fmt::join(parts, ", ")), *low, *high,
                     workload_events_file(*out))
              << std::endl;
  });
}

// Row-major D x D from a flat list; a single value fills the whole matrix.
std::vector<std::vector<double>> hawkes_matrix(const std::vector<double>& flat, size_t dimension,
                                               const char* flag) {
  EVERGREEN_CHECK_INPUT(flat.size() == dimension * dimension || flat.size() == 1,
                        "gen hawkes: {} has {} values: expected {} (a {}x{} matrix, row i = the "
                        "excited type) or 1",
                        flag, flat.size(), dimension * dimension, dimension, dimension);
  std::vector<std::vector<double>> matrix(dimension, std::vector<double>(dimension));
  for (size_t i = 0; i < dimension; ++i)
    for (size_t j = 0; j < dimension; ++j)
      matrix[i][j] = flat.size() == 1 ? flat[0] : flat[i * dimension + j];
  return matrix;
}

void add_gen_hawkes_command(CLI::App& gen) {
  CLI::App* command = gen.add_subcommand(
      "hawkes",
      "one sequence of a multivariate Hawkes process with exponential kernels, written as CSV "
      "`time,type`, plus FILE.params.json with the parameters, stationary rates and the exact "
      "log-likelihood of the written sequence");
  struct HawkesCommandOptions {
    std::string out;
    std::vector<double> mu{0.2, 0.3};
    std::vector<double> alpha{0.3, 0.1, 0.2, 0.2};
    std::vector<double> beta{1, 1, 1, 1};
    double horizon = 1000;
    uint64_t seed = 0;
  };
  auto options = std::make_shared<HawkesCommandOptions>();
  command->add_option("--out", options->out, "CSV file to write")->required();
  command->add_option("--mu", options->mu, "background rate per type (D values)")
      ->delimiter(',')
      ->capture_default_str();
  command
      ->add_option("--alpha", options->alpha,
                   "D x D branching ratios, row-major: alpha_ij = events of type i triggered by "
                   "one of type j (spectral radius < 1)")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--beta", options->beta, "D x D kernel decay rates, row-major (or one)")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--horizon", options->horizon, "simulate on [0, horizon]")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "random seed")->capture_default_str();

  command->callback([options] {
    HawkesParameters parameters;
    parameters.mu = options->mu;
    parameters.alpha = hawkes_matrix(options->alpha, options->mu.size(), "--alpha");
    parameters.beta = hawkes_matrix(options->beta, options->mu.size(), "--beta");
    std::vector<double> rates = hawkes_stationary_rates(parameters);  // validates
    EventSequence events = simulate_hawkes(parameters, options->horizon, options->seed);

    // %.17g round-trips, so the likelihood in the JSON is that of the file's numbers.
    std::string csv = "time,type\n";
    for (int64_t n = 0; n < events.size(); ++n)
      csv += fmt::format("{:.17g},{}\n", events.times[n], events.types[n]);
    auto parent = std::filesystem::path(options->out).parent_path();
    if (!parent.empty()) ensure_writable_directory(parent.string());
    write_file_atomically(options->out, csv);

    std::vector<int64_t> counts(parameters.mu.size(), 0);
    for (int64_t type : events.types) ++counts[static_cast<size_t>(type)];
    nlohmann::json summary = {
        {"generator", "hawkes"},
        {"intensity",
         "lambda_i(t) = mu_i + sum_j sum_{t_m^j < t} alpha_ij beta_ij "
         "exp(-beta_ij (t - t_m^j))"},
        {"mu", parameters.mu},
        {"alpha", parameters.alpha},
        {"beta", parameters.beta},
        {"horizon", options->horizon},
        {"seed", options->seed},
        {"spectral_radius", hawkes_spectral_radius(parameters.alpha)},
        {"stationary_rates", rates},
        {"events", events.size()},
        {"events_per_type", counts},
        {"log_likelihood", hawkes_log_likelihood(parameters, events, options->horizon)},
        {"log_likelihood_to_last_event", hawkes_log_likelihood_to_last_event(parameters, events)},
    };
    const std::string params_file = options->out + ".params.json";
    write_file_atomically(params_file, summary.dump(2) + "\n");
    std::cout << fmt::format(
                     "wrote {}: {} events on [0, {}] ({} per type); parameters, stationary "
                     "rates and log-likelihood {:.6f} in {}",
                     options->out, events.size(), options->horizon, fmt::join(counts, "/"),
                     summary["log_likelihood"].get<double>(), params_file)
              << std::endl;
  });
}

}  // namespace

void add_gen_command(CLI::App& app) {
  CLI::App* gen = app.add_subcommand("gen", "Generate synthetic data with known ground truth");
  gen->require_subcommand(1);
  add_gen_workload_command(*gen);
  add_gen_hawkes_command(*gen);
}

}  // namespace evergreen::cli
