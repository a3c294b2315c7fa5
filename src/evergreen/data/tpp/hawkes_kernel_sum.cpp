#include "evergreen/data/tpp/hawkes_kernel_sum.h"

#include <fmt/format.h>

#include <cmath>
#include <random>
#include <sstream>

#include "evergreen/core/error.h"
#include "evergreen/data/tpp/random_draws.h"

namespace evergreen {
namespace {

using Matrix = std::vector<std::vector<double>>;

// Shapes and signs only (an optimiser may pass through explosive parameters, where the
// likelihood is still defined); validate_hawkes_kernel_sum adds stationarity.
void check_entries(const HawkesKernelSumParameters& parameters) {
  const size_t dimension = parameters.mu.size();
  EVERGREEN_CHECK_INPUT(dimension > 0,
                        "hawkes parameters: mu is empty: expected one rate per type");
  for (size_t i = 0; i < dimension; ++i)
    EVERGREEN_CHECK_INPUT(std::isfinite(parameters.mu[i]) && parameters.mu[i] > 0,
                          "hawkes parameters: mu[{}] = {}: expected a finite number > 0", i,
                          parameters.mu[i]);
  EVERGREEN_CHECK_INPUT(!parameters.kernels.empty(),
                        "hawkes parameters: no kernel: expected at least one exponential term");
  for (size_t r = 0; r < parameters.kernels.size(); ++r) {
    auto check_matrix = [&](const Matrix& matrix, const char* name, bool zero_allowed) {
      EVERGREEN_CHECK_INPUT(matrix.size() == dimension,
                            "hawkes parameters: kernel {}: {} has {} rows: expected {} (one per "
                            "type of mu)",
                            r, name, matrix.size(), dimension);
      for (size_t i = 0; i < dimension; ++i) {
        EVERGREEN_CHECK_INPUT(matrix[i].size() == dimension,
                              "hawkes parameters: kernel {}: {}[{}] has {} entries: expected {}", r,
                              name, i, matrix[i].size(), dimension);
        for (size_t j = 0; j < dimension; ++j) {
          const double value = matrix[i][j];
          EVERGREEN_CHECK_INPUT(std::isfinite(value) && (zero_allowed ? value >= 0 : value > 0),
                                "hawkes parameters: kernel {}: {}[{}][{}] = {}: expected a finite "
                                "number {}",
                                r, name, i, j, value, zero_allowed ? ">= 0" : "> 0");
        }
      }
    };
    check_matrix(parameters.kernels[r].alpha, "alpha", /*zero_allowed=*/true);
    check_matrix(parameters.kernels[r].beta, "beta", /*zero_allowed=*/false);
  }
}

// The one-kernel process with the summed branching matrix: same stationary rates and radius.
HawkesParameters summed(const HawkesKernelSumParameters& parameters) {
  const size_t dimension = parameters.mu.size();
  HawkesParameters result{parameters.mu, Matrix(dimension, std::vector<double>(dimension, 0.0)),
                          Matrix(dimension, std::vector<double>(dimension, 1.0))};
  for (const auto& kernel : parameters.kernels)
    for (size_t i = 0; i < dimension; ++i)
      for (size_t j = 0; j < dimension; ++j) result.alpha[i][j] += kernel.alpha[i][j];
  return result;
}

std::string format_matrix(const Matrix& matrix) {
  if (matrix.size() == 1) return fmt::format("{:g}", matrix[0][0]);
  std::string text = "[";
  for (const auto& row : matrix) text += fmt::format("[{:g}]", fmt::join(row, ", "));
  return text + "]";
}

}  // namespace

HawkesKernelSumParameters hawkes_kernel_sum(const HawkesParameters& parameters) {
  return {parameters.mu, {ExponentialKernel{parameters.alpha, parameters.beta}}};
}

void validate_hawkes_kernel_sum(const HawkesKernelSumParameters& parameters) {
  check_entries(parameters);
  const double radius = hawkes_spectral_radius(summed(parameters).alpha);
  EVERGREEN_CHECK_INPUT(radius < 1,
                        "hawkes parameters: spectral radius of the summed alpha is {:.6g}: "
                        "expected < 1 (otherwise each event triggers at least one more on average "
                        "and the process explodes)",
                        radius);
}

std::vector<double> hawkes_kernel_sum_stationary_rates(
    const HawkesKernelSumParameters& parameters) {
  validate_hawkes_kernel_sum(parameters);
  return hawkes_stationary_rates(summed(parameters));
}

EventSequence simulate_hawkes_kernel_sum(const HawkesKernelSumParameters& parameters,
                                         double horizon, uint64_t seed) {
  validate_hawkes_kernel_sum(parameters);
  EVERGREEN_CHECK_INPUT(std::isfinite(horizon) && horizon > 0,
                        "hawkes simulation: horizon {}: expected a finite number > 0", horizon);
  const size_t dimension = parameters.mu.size();
  const size_t terms = parameters.kernels.size();
  std::mt19937_64 generator(seed);
  // excitation[r][i][j]: the part of lambda_i due to type-j events through term r, now. The
  // order of the operations is simulate_hawkes's, so one term reproduces it bit for bit.
  std::vector<Matrix> excitation(terms, Matrix(dimension, std::vector<double>(dimension, 0.0)));
  std::vector<double> intensity(parameters.mu);
  EventSequence events;
  double time = 0;
  double bound = 0;
  for (double rate : intensity) bound += rate;
  while (true) {
    // Every term only decays between events, so the total intensity now bounds it until the
    // next proposal.
    const double wait = tpp_random::exponential(generator) / bound;
    time += wait;
    if (time > horizon) break;
    double total = 0;
    for (size_t i = 0; i < dimension; ++i) {
      intensity[i] = parameters.mu[i];
      for (size_t r = 0; r < terms; ++r)
        for (size_t j = 0; j < dimension; ++j) {
          excitation[r][i][j] *= std::exp(-parameters.kernels[r].beta[i][j] * wait);
          intensity[i] += excitation[r][i][j];
        }
      total += intensity[i];
    }
    // One uniform decides acceptance (u < total) and the type (where u falls).
    const double u = tpp_random::uniform(generator) * bound;
    if (u < total) {
      size_t type = dimension - 1;
      double cumulative = 0;
      for (size_t i = 0; i < dimension; ++i) {
        cumulative += intensity[i];
        if (u < cumulative) {
          type = i;
          break;
        }
      }
      events.times.push_back(time);
      events.types.push_back(static_cast<int64_t>(type));
      for (size_t i = 0; i < dimension; ++i)
        for (size_t r = 0; r < terms; ++r) {
          const double jump =
              parameters.kernels[r].alpha[i][type] * parameters.kernels[r].beta[i][type];
          excitation[r][i][type] += jump;
          intensity[i] += jump;
          total += jump;
        }
    }
    bound = total;
  }
  return events;
}

std::vector<double> hawkes_kernel_sum_intensity(const HawkesKernelSumParameters& parameters,
                                                const EventSequence& events, double t) {
  check_entries(parameters);
  check_known_process_events(events, parameters.dimension(), "hawkes");
  check_history_time(events, t, "hawkes");
  std::vector<double> intensity(parameters.mu);
  for (size_t n = 0; n < events.times.size(); ++n) {
    const auto type = static_cast<size_t>(events.types[n]);
    const double age = t - events.times[n];
    for (size_t i = 0; i < intensity.size(); ++i)
      for (const auto& kernel : parameters.kernels) {
        const double beta = kernel.beta[i][type];
        intensity[i] += kernel.alpha[i][type] * beta * std::exp(-beta * age);
      }
  }
  return intensity;
}

double hawkes_kernel_sum_compensator(const HawkesKernelSumParameters& parameters,
                                     const EventSequence& events, double start, double end) {
  check_entries(parameters);
  check_known_process_events(events, parameters.dimension(), "hawkes");
  EVERGREEN_CHECK_INPUT(std::isfinite(start) && std::isfinite(end) && 0 <= start && start <= end,
                        "hawkes compensator on [{}, {}]: expected 0 <= start <= end", start, end);
  double total = 0;
  for (double mu : parameters.mu) total += mu * (end - start);
  // An event at t_m < end adds alpha (exp(-beta (max(start, t_m) - t_m)) - exp(-beta (end - t_m)))
  // per term and excited type, written with expm1 so that short spans keep their digits.
  for (size_t n = 0; n < events.times.size() && events.times[n] < end; ++n) {
    const auto type = static_cast<size_t>(events.types[n]);
    const double from = std::max(start, events.times[n]);
    const double lag = from - events.times[n];
    for (const auto& kernel : parameters.kernels)
      for (size_t i = 0; i < parameters.mu.size(); ++i) {
        const double beta = kernel.beta[i][type];
        total += kernel.alpha[i][type] * std::exp(-beta * lag) * -std::expm1(-beta * (end - from));
      }
  }
  return total;
}

double hawkes_kernel_sum_log_likelihood(const HawkesKernelSumParameters& parameters,
                                        const EventSequence& events, double horizon) {
  return HawkesProcess(parameters).log_likelihood(events, horizon);
}

HawkesProcess::HawkesProcess(HawkesKernelSumParameters parameters)
    : parameters_(std::move(parameters)) {
  check_entries(parameters_);
}

double HawkesProcess::long_run_rate() const {
  double total = 0;
  for (double rate : hawkes_kernel_sum_stationary_rates(parameters_)) total += rate;
  return total;
}

std::string HawkesProcess::describe() const {
  std::string text =
      fmt::format("Hawkes, mu {}", parameters_.mu.size() == 1
                                       ? fmt::format("{:g}", parameters_.mu[0])
                                       : fmt::format("[{:g}]", fmt::join(parameters_.mu, ", ")));
  for (const auto& kernel : parameters_.kernels)
    text +=
        fmt::format(", alpha {} beta {}", format_matrix(kernel.alpha), format_matrix(kernel.beta));
  return text;
}

std::vector<double> HawkesProcess::intensities(const MarkedSequence& events, double t) const {
  return hawkes_kernel_sum_intensity(parameters_, events, t);
}

double HawkesProcess::compensator(const MarkedSequence& events, double start, double end) const {
  return hawkes_kernel_sum_compensator(parameters_, events, start, end);
}

EventTerms HawkesProcess::event_terms(const MarkedSequence& events) const {
  check_known_process_events(events, parameters_.dimension(), "hawkes");
  const size_t dimension = parameters_.mu.size();
  const size_t terms = parameters_.kernels.size();
  double total_mu = 0;
  for (double mu : parameters_.mu) total_mu += mu;
  // recent[r][i][j] = sum over type-j events strictly before the current time of
  // exp(-beta^r_ij (t - t_m)); `pending` holds the events at the current instant, which join
  // the history once time moves on.
  std::vector<Matrix> recent(terms, Matrix(dimension, std::vector<double>(dimension, 0.0)));
  std::vector<double> pending(dimension, 0.0);
  EventTerms result;
  result.log_intensity.reserve(events.times.size());
  result.compensator.reserve(events.times.size());
  double previous_time = 0, compensator = 0;
  for (size_t n = 0; n < events.times.size(); ++n) {
    const double time = events.times[n];
    const auto type = static_cast<size_t>(events.types[n]);
    if (time > previous_time) {
      // The mass of the gap: the background plus each term's decay over it.
      const double gap = time - previous_time;
      compensator += total_mu * gap;
      for (size_t r = 0; r < terms; ++r)
        for (size_t i = 0; i < dimension; ++i)
          for (size_t j = 0; j < dimension; ++j) {
            const double beta = parameters_.kernels[r].beta[i][j];
            const double active = recent[r][i][j] + pending[j];
            compensator += parameters_.kernels[r].alpha[i][j] * active * -std::expm1(-beta * gap);
            recent[r][i][j] = std::exp(-beta * gap) * active;
          }
      std::fill(pending.begin(), pending.end(), 0.0);
      previous_time = time;
    }
    double intensity = parameters_.mu[type];
    for (size_t r = 0; r < terms; ++r)
      for (size_t j = 0; j < dimension; ++j)
        intensity += parameters_.kernels[r].alpha[type][j] * parameters_.kernels[r].beta[type][j] *
                     recent[r][type][j];
    result.log_intensity.push_back(std::log(intensity));
    result.compensator.push_back(compensator);
    pending[type] += 1;
  }
  return result;
}

std::vector<double> HawkesProcess::total_intensities_after(
    const MarkedSequence& events, int64_t j, const std::vector<double>& offsets) const {
  check_known_process_events(events, parameters_.dimension(), "hawkes");
  EVERGREEN_CHECK_INPUT(j >= 0 && j < events.size(),
                        "intensities after event {}: expected an event index in 0..{}", j,
                        events.size() - 1);
  // Per term, excited type i and exciting type, the kernels of the events up to j at t_j; each
  // offset then decays every sum at its own rate.
  const size_t dimension = parameters_.mu.size();
  const double now = events.times[j];
  std::vector<Matrix> decayed(parameters_.kernels.size(),
                              Matrix(dimension, std::vector<double>(dimension, 0.0)));
  for (int64_t n = 0; n <= j; ++n) {
    const auto type = static_cast<size_t>(events.types[n]);
    for (size_t r = 0; r < parameters_.kernels.size(); ++r)
      for (size_t i = 0; i < dimension; ++i) {
        const double beta = parameters_.kernels[r].beta[i][type];
        decayed[r][i][type] += parameters_.kernels[r].alpha[i][type] * beta *
                               std::exp(-beta * (now - events.times[n]));
      }
  }
  double total_mu = 0;
  for (double mu : parameters_.mu) total_mu += mu;
  std::vector<double> totals;
  totals.reserve(offsets.size());
  for (double offset : offsets) {
    EVERGREEN_CHECK_INPUT(std::isfinite(offset) && offset >= 0,
                          "intensities after event {}: offset {}: expected a finite number >= 0", j,
                          offset);
    double total = total_mu;
    for (size_t r = 0; r < parameters_.kernels.size(); ++r)
      for (size_t i = 0; i < dimension; ++i)
        for (size_t type = 0; type < dimension; ++type)
          total += decayed[r][i][type] * std::exp(-parameters_.kernels[r].beta[i][type] * offset);
    totals.push_back(total);
  }
  return totals;
}

MarkedSequence HawkesProcess::simulate(double horizon, uint64_t seed) const {
  return simulate_hawkes_kernel_sum(parameters_, horizon, seed);
}

}  // namespace evergreen
