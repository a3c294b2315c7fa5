#include "evergreen/data/tpp/hawkes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

using Matrix = std::vector<std::vector<double>>;

// Shapes and signs only: the likelihood and the intensity are well defined for explosive
// parameters too (an optimiser may pass through them), so stationarity is checked separately.
void check_hawkes_entries(const HawkesParameters& parameters) {
  const size_t dimension = parameters.mu.size();
  EVERGREEN_CHECK_INPUT(dimension > 0,
                        "hawkes parameters: mu is empty: expected one rate per type");
  for (size_t i = 0; i < dimension; ++i) {
    const double mu = parameters.mu[i];
    EVERGREEN_CHECK_INPUT(std::isfinite(mu) && mu > 0,
                          "hawkes parameters: mu[{}] = {}: expected a finite number > 0", i, mu);
  }
  auto check_matrix = [dimension](const Matrix& matrix, const char* name, bool zero_allowed) {
    EVERGREEN_CHECK_INPUT(matrix.size() == dimension,
                          "hawkes parameters: {} has {} rows: expected {} (one per type of mu)",
                          name, matrix.size(), dimension);
    for (size_t i = 0; i < dimension; ++i) {
      EVERGREEN_CHECK_INPUT(matrix[i].size() == dimension,
                            "hawkes parameters: {}[{}] has {} entries: expected {}", name, i,
                            matrix[i].size(), dimension);
      for (size_t j = 0; j < dimension; ++j) {
        const double value = matrix[i][j];
        const bool valid = std::isfinite(value) && (zero_allowed ? value >= 0 : value > 0);
        EVERGREEN_CHECK_INPUT(valid,
                              "hawkes parameters: {}[{}][{}] = {}: expected a finite number {}",
                              name, i, j, value, zero_allowed ? ">= 0" : "> 0");
      }
    }
  };
  check_matrix(parameters.alpha, "alpha", /*zero_allowed=*/true);
  check_matrix(parameters.beta, "beta", /*zero_allowed=*/false);
}

void check_events(const HawkesParameters& parameters, const EventSequence& events, double horizon) {
  EVERGREEN_CHECK_INPUT(events.times.size() == events.types.size(),
                        "hawkes events: {} times but {} types: expected one type per time",
                        events.times.size(), events.types.size());
  EVERGREEN_CHECK_INPUT(std::isfinite(horizon) && horizon >= 0,
                        "hawkes events: horizon {}: expected a finite number >= 0", horizon);
  double previous = 0;
  for (size_t n = 0; n < events.times.size(); ++n) {
    const double time = events.times[n];
    const int64_t type = events.types[n];
    EVERGREEN_CHECK_INPUT(type >= 0 && type < parameters.dimension(),
                          "hawkes events: event {} has type {}: expected 0..{}", n, type,
                          parameters.dimension() - 1);
    EVERGREEN_CHECK_INPUT(std::isfinite(time) && time >= previous && time <= horizon,
                          "hawkes events: event {} at time {}: expected times in [0, {}] in "
                          "non-decreasing order (previous {})",
                          n, time, horizon, previous);
    previous = time;
  }
}

double max_row_sum(const Matrix& matrix) {
  double largest = 0;
  for (const auto& row : matrix) {
    double sum = 0;
    for (double value : row) sum += std::abs(value);
    largest = std::max(largest, sum);
  }
  return largest;
}

Matrix multiply(const Matrix& left, const Matrix& right) {
  const size_t size = left.size();
  Matrix product(size, std::vector<double>(size, 0.0));
  for (size_t i = 0; i < size; ++i)
    for (size_t k = 0; k < size; ++k)
      for (size_t j = 0; j < size; ++j) product[i][j] += left[i][k] * right[k][j];
  return product;
}

// Solves matrix * x = rhs by Gaussian elimination with partial pivoting (D is small).
std::vector<double> solve(Matrix matrix, std::vector<double> rhs) {
  const size_t size = rhs.size();
  for (size_t column = 0; column < size; ++column) {
    size_t pivot = column;
    for (size_t row = column + 1; row < size; ++row)
      if (std::abs(matrix[row][column]) > std::abs(matrix[pivot][column])) pivot = row;
    EVERGREEN_ASSERT(matrix[pivot][column] != 0, "singular matrix in hawkes solve");
    std::swap(matrix[column], matrix[pivot]);
    std::swap(rhs[column], rhs[pivot]);
    for (size_t row = column + 1; row < size; ++row) {
      const double factor = matrix[row][column] / matrix[column][column];
      for (size_t k = column; k < size; ++k) matrix[row][k] -= factor * matrix[column][k];
      rhs[row] -= factor * rhs[column];
    }
  }
  std::vector<double> solution(size);
  for (size_t row = size; row-- > 0;) {
    double value = rhs[row];
    for (size_t k = row + 1; k < size; ++k) value -= matrix[row][k] * solution[k];
    solution[row] = value / matrix[row][row];
  }
  return solution;
}

// Uniform in [0, 1) from the top 53 bits: the same on every platform, unlike
// std::uniform_real_distribution whose algorithm is left to the library.
double draw_uniform(std::mt19937_64& generator) {
  return static_cast<double>(generator() >> 11) * 0x1.0p-53;
}

// Exponential with rate 1; 1 - u lies in (0, 1], so the logarithm is finite.
double draw_exponential(std::mt19937_64& generator) {
  return -std::log1p(-draw_uniform(generator));
}

}  // namespace

double hawkes_spectral_radius(const Matrix& matrix) {
  const size_t size = matrix.size();
  for (size_t i = 0; i < size; ++i)
    EVERGREEN_CHECK_INPUT(matrix[i].size() == size,
                          "spectral radius: row {} has {} entries: expected a square {}x{} matrix",
                          i, matrix[i].size(), size, size);
  // Gelfand's formula, rho = lim ||A^k||^(1/k), by repeated squaring of the normalised matrix.
  // Plain power iteration stalls on periodic matrices (eigenvalues +-rho) and on reducible ones;
  // this does not, and every estimate is an upper bound that decreases to rho, so "< 1" is never
  // reported for an explosive process. Rounding adds only ~2 ulp in all, since the error of step
  // s is divided by 2^s.
  double scale = max_row_sum(matrix);
  if (scale == 0) return 0;
  Matrix power = matrix;
  for (auto& row : power)
    for (double& value : row) value /= scale;
  double log_radius = std::log(scale);  // log ||A^(2^s)|| / 2^s
  double exponent = 1;                  // 2^s
  for (int step = 0; step < 64; ++step) {
    power = multiply(power, power);
    exponent *= 2;
    const double norm = max_row_sum(power);
    if (norm == 0) return 0;  // nilpotent
    log_radius += std::log(norm) / exponent;
    for (auto& row : power)
      for (double& value : row) value /= norm;
  }
  return std::exp(log_radius);
}

void validate_hawkes_parameters(const HawkesParameters& parameters) {
  check_hawkes_entries(parameters);
  const double radius = hawkes_spectral_radius(parameters.alpha);
  EVERGREEN_CHECK_INPUT(radius < 1,
                        "hawkes parameters: spectral radius of alpha is {:.6g}: expected < 1 "
                        "(otherwise each event triggers at least one more on average and the "
                        "process explodes)",
                        radius);
}

std::vector<double> hawkes_stationary_rates(const HawkesParameters& parameters) {
  validate_hawkes_parameters(parameters);
  const size_t dimension = parameters.mu.size();
  Matrix identity_minus_alpha(dimension, std::vector<double>(dimension));
  for (size_t i = 0; i < dimension; ++i)
    for (size_t j = 0; j < dimension; ++j)
      identity_minus_alpha[i][j] = (i == j ? 1.0 : 0.0) - parameters.alpha[i][j];
  return solve(identity_minus_alpha, parameters.mu);
}

EventSequence simulate_hawkes(const HawkesParameters& parameters, double horizon, uint64_t seed) {
  validate_hawkes_parameters(parameters);
  EVERGREEN_CHECK_INPUT(std::isfinite(horizon) && horizon > 0,
                        "hawkes simulation: horizon {}: expected a finite number > 0", horizon);
  const size_t dimension = parameters.mu.size();
  std::mt19937_64 generator(seed);
  // excitation[i][j]: the part of lambda_i due to type-j events, at the current time.
  Matrix excitation(dimension, std::vector<double>(dimension, 0.0));
  std::vector<double> intensity(parameters.mu);
  EventSequence events;
  double time = 0;
  double bound = 0;
  for (double rate : intensity) bound += rate;
  while (true) {
    // Between events every excitation only decays, so the total intensity now bounds it until
    // the next proposal: thinning against it is exact.
    const double wait = draw_exponential(generator) / bound;
    time += wait;
    if (time > horizon) break;
    double total = 0;
    for (size_t i = 0; i < dimension; ++i) {
      intensity[i] = parameters.mu[i];
      for (size_t j = 0; j < dimension; ++j) {
        excitation[i][j] *= std::exp(-parameters.beta[i][j] * wait);
        intensity[i] += excitation[i][j];
      }
      total += intensity[i];
    }
    // One uniform decides both acceptance (u < total) and the type (where u falls among the
    // cumulative intensities), which is the same as two independent draws.
    const double u = draw_uniform(generator) * bound;
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
      for (size_t i = 0; i < dimension; ++i) {
        const double jump = parameters.alpha[i][type] * parameters.beta[i][type];
        excitation[i][type] += jump;
        intensity[i] += jump;
        total += jump;
      }
    }
    bound = total;
  }
  return events;
}

double hawkes_log_likelihood(const HawkesParameters& parameters, const EventSequence& events,
                             double horizon) {
  check_hawkes_entries(parameters);
  check_events(parameters, events, horizon);
  const size_t dimension = parameters.mu.size();
  // recent[i][j] = sum over type-j events strictly before the current time of
  // exp(-beta_ij (t - t_m)); `pending` counts events at the current instant, which join the
  // history only once time moves on (events at the same instant do not excite each other).
  Matrix recent(dimension, std::vector<double>(dimension, 0.0));
  std::vector<double> pending(dimension, 0.0);
  double previous_time = 0;
  double log_intensity_sum = 0;
  for (size_t n = 0; n < events.times.size(); ++n) {
    const double time = events.times[n];
    const auto type = static_cast<size_t>(events.types[n]);
    if (time > previous_time) {
      const double gap = time - previous_time;
      for (size_t i = 0; i < dimension; ++i)
        for (size_t j = 0; j < dimension; ++j)
          recent[i][j] = std::exp(-parameters.beta[i][j] * gap) * (recent[i][j] + pending[j]);
      std::fill(pending.begin(), pending.end(), 0.0);
      previous_time = time;
    }
    double intensity = parameters.mu[type];
    for (size_t j = 0; j < dimension; ++j)
      intensity += parameters.alpha[type][j] * parameters.beta[type][j] * recent[type][j];
    log_intensity_sum += std::log(intensity);
    pending[type] += 1;
  }
  // The integral of the intensity: background plus, for each event, the part of its kernels'
  // mass that falls before the horizon.
  double compensator = 0;
  for (double mu : parameters.mu) compensator += mu * horizon;
  for (size_t n = 0; n < events.times.size(); ++n) {
    const auto type = static_cast<size_t>(events.types[n]);
    const double remaining = horizon - events.times[n];
    for (size_t i = 0; i < dimension; ++i)
      compensator += parameters.alpha[i][type] * -std::expm1(-parameters.beta[i][type] * remaining);
  }
  return log_intensity_sum - compensator;
}

double hawkes_log_likelihood_to_last_event(const HawkesParameters& parameters,
                                           const EventSequence& events) {
  const double last = events.times.empty() ? 0.0 : events.times.back();
  return hawkes_log_likelihood(parameters, events, last);
}

std::vector<double> hawkes_intensity(const HawkesParameters& parameters,
                                     const EventSequence& events, double t) {
  check_hawkes_entries(parameters);
  EVERGREEN_CHECK_INPUT(events.times.size() == events.types.size(),
                        "hawkes events: {} times but {} types: expected one type per time",
                        events.times.size(), events.types.size());
  std::vector<double> intensity(parameters.mu);
  for (size_t n = 0; n < events.times.size(); ++n) {
    if (!(events.times[n] < t)) continue;
    const int64_t type = events.types[n];
    EVERGREEN_CHECK_INPUT(type >= 0 && type < parameters.dimension(),
                          "hawkes events: event {} has type {}: expected 0..{}", n, type,
                          parameters.dimension() - 1);
    for (size_t i = 0; i < intensity.size(); ++i) {
      const double beta = parameters.beta[i][static_cast<size_t>(type)];
      intensity[i] += parameters.alpha[i][static_cast<size_t>(type)] * beta *
                      std::exp(-beta * (t - events.times[n]));
    }
  }
  return intensity;
}

}  // namespace evergreen
