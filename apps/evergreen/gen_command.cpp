// `evergreen gen <generator>`: synthetic data with known ground truth, written to files.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
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
#include "evergreen/data/tpp/event_sequences.h"
#include "evergreen/data/tpp/hawkes.h"
#include "evergreen/data/tpp/hawkes_kernel_sum.h"
#include "evergreen/data/tpp/known_process.h"
#include "evergreen/data/tpp/self_correcting.h"
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
    // The points and their text, sized before anything is generated.
    check_workload_size(options, kBytesPerWorkloadPoint + kCsvBytesPerWorkloadPoint,
                        "gen workload");
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
                                               const std::string& flag) {
  EVERGREEN_CHECK_INPUT(flat.size() == dimension * dimension || flat.size() == 1,
                        "gen: {} has {} values: expected {} (a {}x{} matrix, row i = the "
                        "excited type) or 1",
                        flag, flat.size(), dimension * dimension, dimension, dimension);
  std::vector<std::vector<double>> matrix(dimension, std::vector<double>(dimension));
  for (size_t i = 0; i < dimension; ++i)
    for (size_t j = 0; j < dimension; ++j)
      matrix[i][j] = flat.size() == 1 ? flat[0] : flat[i * dimension + j];
  return matrix;
}

// Where and how the generators write: `--out` (.json or .jsonl: EasyTPP JSON lines, which
// `bench tpp --data` reads; anything else: CSV `time,type`, with a leading `sequence` column
// when there are several), `--sequences` independent realisations, `--horizon`, `--seed`.
struct EventOutputOptions {
  std::string out;
  int64_t sequences = 1;
  double horizon = 1000;
  uint64_t seed = 0;
};

// What one generated event costs until the file is written: its time and type in the sequence
// (kBytesPerSimulatedEvent) and at most 192 B of text (~40 B in CSV; in JSON the two strings the
// writer formats per time, ~150 B, and their share of the output line).
constexpr double kBytesPerWrittenEvent = kBytesPerSimulatedEvent + 192;

// A horizon of 1e300 is a number, but not a length of time any simulation gets to the end of;
// nan and inf are not even that. The expected size is checked after this, by the generator.
const CLI::Validator kFinitePositive(
    [](const std::string& text) {
      double value = 0;
      try {
        size_t used = 0;
        value = std::stod(text, &used);
        if (used != text.size()) return std::string("expected a finite number > 0, got " + text);
      } catch (const std::exception&) {
        return std::string("expected a finite number > 0, got " + text);
      }
      return std::isfinite(value) && value > 0
                 ? std::string()
                 : std::string("expected a finite number > 0, got " + text);
    },
    "FINITE > 0");

void add_event_output_flags(CLI::App& command, EventOutputOptions& options) {
  command
      .add_option("--out", options.out,
                  "file to write: .json or .jsonl for EasyTPP JSON lines (bench tpp --data reads "
                  "them), else CSV time,type")
      ->required();
  command
      .add_option("--sequences", options.sequences,
                  "independent sequences (sequence i is seeded from --seed and i; 1: exactly "
                  "the sequence of --seed)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_option("--horizon", options.horizon, "simulate on [0, horizon]")
      ->check(kFinitePositive)
      ->capture_default_str();
  command.add_option("--seed", options.seed, "random seed")->capture_default_str();
}

// Simulates, writes the events and FILE.params.json (the parameters in `summary`, plus counts and
// the exact log-likelihoods of the written numbers: %.17g round-trips), and prints one line.
void write_generated_events(const KnownPointProcess& process, const EventOutputOptions& output,
                            nlohmann::json summary) {
  // Sized before anything runs: `--horizon 1e300` or `--sequences 1e12` would run until killed.
  check_simulation_size(
      process, output.sequences, output.horizon, kBytesPerWrittenEvent,
      fmt::format("gen: --sequences {} --horizon {}", output.sequences, output.horizon));
  std::vector<MarkedSequence> sequences;
  if (output.sequences == 1)
    sequences.push_back(process.simulate(output.horizon, output.seed));
  else
    sequences = simulate_sequences(process, output.sequences, output.horizon, output.seed);
  auto parent = std::filesystem::path(output.out).parent_path();
  if (!parent.empty()) ensure_writable_directory(parent.string());
  const std::string extension = std::filesystem::path(output.out).extension().string();
  const int64_t types = process.num_types();
  if (extension == ".json" || extension == ".jsonl") {
    EventDataset data;
    data.sequences = sequences;
    data.num_types = types;
    write_easytpp_json(data, output.out);
  } else {
    const bool several = sequences.size() > 1;
    std::string csv = several ? "sequence,time,type\n" : "time,type\n";
    for (size_t index = 0; index < sequences.size(); ++index)
      for (int64_t n = 0; n < sequences[index].size(); ++n)
        csv += fmt::format("{}{:.17g},{}\n", several ? fmt::format("{},", index) : std::string(),
                           sequences[index].times[n], sequences[index].types[n]);
    write_file_atomically(output.out, csv);
  }
  std::vector<int64_t> counts(static_cast<size_t>(types), 0);
  double log_likelihood = 0, to_last = 0, easytpp = 0;
  int64_t events = 0;
  for (const auto& sequence : sequences) {
    for (int64_t type : sequence.types) ++counts[static_cast<size_t>(type)];
    events += sequence.size();
    log_likelihood += process.log_likelihood(sequence, output.horizon);
    to_last += process.log_likelihood_to_last_event(sequence);
    easytpp += process.log_likelihood_easytpp(sequence);
  }
  summary["process"] = process.describe();
  summary["horizon"] = output.horizon;
  summary["seed"] = output.seed;
  summary["sequences"] = output.sequences;
  summary["events"] = events;
  summary["events_per_type"] = counts;
  summary["log_likelihood"] = log_likelihood;
  summary["log_likelihood_to_last_event"] = to_last;
  summary["log_likelihood_easytpp"] = easytpp;
  const std::string params_file = output.out + ".params.json";
  write_file_atomically(params_file, summary.dump(2) + "\n");
  std::cout << fmt::format(
                   "wrote {}: {} sequence{}, {} events on [0, {}] ({} per type); parameters and "
                   "log-likelihood {:.6f} in {}",
                   output.out, sequences.size(), sequences.size() == 1 ? "" : "s", events,
                   output.horizon, fmt::join(counts, "/"), log_likelihood, params_file)
            << std::endl;
}

void add_gen_hawkes_command(CLI::App& gen) {
  CLI::App* command = gen.add_subcommand(
      "hawkes",
      "a multivariate Hawkes process whose kernels are sums of exponentials, written as CSV "
      "`time,type` (or EasyTPP JSON), plus FILE.params.json with the parameters, stationary "
      "rates and the exact log-likelihood of the written sequences");
  struct HawkesCommandOptions {
    EventOutputOptions output;
    std::vector<double> mu{0.2, 0.3};
    std::vector<std::vector<double>> alpha{{0.3, 0.1, 0.2, 0.2}};
    std::vector<std::vector<double>> beta{{1, 1, 1, 1}};
  };
  auto options = std::make_shared<HawkesCommandOptions>();
  add_event_output_flags(*command, options->output);
  command->add_option("--mu", options->mu, "background rate per type (D values)")
      ->delimiter(',')
      ->capture_default_str();
  command
      ->add_option("--alpha", options->alpha,
                   "D x D branching ratios, row-major: alpha_ij = events of type i triggered by "
                   "one of type j; give it once per exponential term of the kernel (the sum "
                   "over terms must have spectral radius < 1)")
      ->delimiter(',');
  command
      ->add_option("--beta", options->beta,
                   "D x D decay rates, row-major (or one), once per term: --alpha 0.4 --beta 1 "
                   "--alpha 0.4 --beta 20 is the kernel 0.4 (e^-t + 20 e^-20t)")
      ->delimiter(',');

  command->callback([options] {
    const size_t terms = std::max(options->alpha.size(), options->beta.size());
    EVERGREEN_CHECK_INPUT(
        (options->alpha.size() == terms || options->alpha.size() == 1) &&
            (options->beta.size() == terms || options->beta.size() == 1),
        "gen hawkes: {} --alpha and {} --beta: expected one of each per kernel term (or one "
        "shared by all terms)",
        options->alpha.size(), options->beta.size());
    HawkesKernelSumParameters parameters;
    parameters.mu = options->mu;
    const size_t dimension = options->mu.size();
    for (size_t r = 0; r < terms; ++r) {
      const auto& alpha = options->alpha[options->alpha.size() == 1 ? 0 : r];
      const auto& beta = options->beta[options->beta.size() == 1 ? 0 : r];
      parameters.kernels.push_back(
          {hawkes_matrix(alpha, dimension, fmt::format("--alpha (term {})", r + 1)),
           hawkes_matrix(beta, dimension, fmt::format("--beta (term {})", r + 1))});
    }
    std::vector<double> rates = hawkes_kernel_sum_stationary_rates(parameters);  // validates
    HawkesParameters summed{parameters.mu, parameters.kernels[0].alpha, parameters.kernels[0].beta};
    for (size_t r = 1; r < terms; ++r)
      for (size_t i = 0; i < dimension; ++i)
        for (size_t j = 0; j < dimension; ++j)
          summed.alpha[i][j] += parameters.kernels[r].alpha[i][j];
    nlohmann::json summary = {
        {"generator", "hawkes"},
        {"intensity",
         "lambda_i(t) = mu_i + sum_r sum_j sum_{t_m^j < t} alpha^r_ij beta^r_ij "
         "exp(-beta^r_ij (t - t_m^j))"},
        {"mu", parameters.mu},
        {"spectral_radius", hawkes_spectral_radius(summed.alpha)},
        {"stationary_rates", rates},
    };
    if (terms == 1) {  // the layout of a one-kernel process, as before
      summary["alpha"] = parameters.kernels[0].alpha;
      summary["beta"] = parameters.kernels[0].beta;
    } else {
      summary["kernels"] = nlohmann::json::array();
      for (const auto& kernel : parameters.kernels)
        summary["kernels"].push_back({{"alpha", kernel.alpha}, {"beta", kernel.beta}});
    }
    write_generated_events(HawkesProcess(parameters), options->output, summary);
  });
}

void add_gen_self_correcting_command(CLI::App& gen) {
  CLI::App* command = gen.add_subcommand(
      "self-correcting",
      "the self-correcting process lambda(t) = exp(mu t - alpha N(t)) (Isham & Westcott; one "
      "event type, long-run rate mu / alpha), written as CSV `time,type` (or EasyTPP JSON), "
      "plus FILE.params.json with the parameters and the exact log-likelihood");
  struct SelfCorrectingCommandOptions {
    EventOutputOptions output;
    SelfCorrectingParameters parameters;
  };
  auto options = std::make_shared<SelfCorrectingCommandOptions>();
  add_event_output_flags(*command, options->output);
  command->add_option("--mu", options->parameters.mu, "growth of log lambda per unit time (> 0)")
      ->capture_default_str();
  command->add_option("--alpha", options->parameters.alpha, "drop of log lambda per event (> 0)")
      ->capture_default_str();
  command->callback([options] {
    SelfCorrectingProcess process(options->parameters);  // validates
    nlohmann::json summary = {{"generator", "self-correcting"},
                              {"intensity",
                               "lambda(t) = exp(mu t - alpha N(t)), N(t) the events "
                               "strictly before t"},
                              {"mu", options->parameters.mu},
                              {"alpha", options->parameters.alpha},
                              {"rate", options->parameters.mu / options->parameters.alpha}};
    write_generated_events(process, options->output, summary);
  });
}

}  // namespace

void add_gen_command(CLI::App& app) {
  CLI::App* gen = app.add_subcommand("gen", "Generate synthetic data with known ground truth");
  gen->require_subcommand(1);
  add_gen_workload_command(*gen);
  add_gen_hawkes_command(*gen);
  add_gen_self_correcting_command(*gen);
  add_gen_two_hop_command(*gen);
}

}  // namespace evergreen::cli
