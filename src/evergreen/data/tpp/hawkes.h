// The multivariate Hawkes process with exponential kernels: the temporal-point-process ground
// truth. Its log-likelihood is exact and cheap, its stationary rates are known in closed form,
// and it can be simulated exactly, so neural TPPs and continual-learning strategies are judged
// against a floor no model can beat in expectation.
//
// Intensity of type i (D types, events t_m^j of type j):
//   lambda_i(t) = mu_i + sum_j sum_{t_m^j < t} alpha_ij beta_ij exp(-beta_ij (t - t_m^j)).
// alpha_ij is the expected number of type-i events that one type-j event triggers directly (the
// integral of its kernel); beta_ij is the decay rate of that kernel.
#pragma once

#include <cstdint>
#include <vector>

#include "evergreen/data/tpp/event_sequences.h"

namespace evergreen {

/// Parameters of a D-type exponential-kernel Hawkes process (rows: the excited type i, columns:
/// the exciting type j).
///
/// Example:
///   HawkesParameters parameters{{0.2, 0.3}, {{0.3, 0.1}, {0.2, 0.2}}, {{1, 1}, {1, 1}}};
///   validate_hawkes_parameters(parameters);  // InputError unless stationary
struct HawkesParameters {
  std::vector<double> mu;                  ///< D background rates, > 0
  std::vector<std::vector<double>> alpha;  ///< D x D branching ratios, >= 0
  std::vector<std::vector<double>> beta;   ///< D x D decay rates, > 0

  int64_t dimension() const { return static_cast<int64_t>(mu.size()); }
};

/// Throws InputError naming the field and entry unless mu > 0, alpha >= 0, beta > 0 (all
/// finite, with D x D shapes) and the spectral radius of alpha is < 1. A radius >= 1 means
/// every event triggers on average at least one more, so the process explodes and has no
/// stationary rates.
void validate_hawkes_parameters(const HawkesParameters& parameters);

/// The spectral radius (largest |eigenvalue|) of a square matrix, e.g. of alpha.
double hawkes_spectral_radius(const std::vector<std::vector<double>>& matrix);

/// Long-run event rates per type, (I - alpha)^-1 mu: each rate is its background rate plus what
/// the other rates trigger. Validates the parameters first.
std::vector<double> hawkes_stationary_rates(const HawkesParameters& parameters);

/// Marked events in time order: `times[n]` has type `types[n]` in [0, D) (the readers' type).
///
/// Example:
///   EventSequence events = simulate_hawkes(parameters, /*horizon=*/100, /*seed=*/7);
///   double log_likelihood = hawkes_log_likelihood(parameters, events, 100);
using EventSequence = MarkedSequence;

/// One realisation on [0, horizon] by Ogata thinning. The same parameters, horizon and seed give
/// the same sequence on every platform: only std::mt19937_64 is used, with our own uniform and
/// exponential draws (the standard distributions differ between library implementations).
EventSequence simulate_hawkes(const HawkesParameters& parameters, double horizon, uint64_t seed);

/// The exact log-likelihood of `events` observed on [0, horizon]:
///   sum_n log lambda_{c_n}(t_n) - integral_0^horizon sum_i lambda_i(s) ds,
/// in O(N D^2). Events must lie in [0, horizon] in non-decreasing order; events at the same
/// instant do not excite each other (the intensity uses strictly earlier events).
double hawkes_log_likelihood(const HawkesParameters& parameters, const EventSequence& events,
                             double horizon);

/// The log-likelihood in the convention of the synthetic TPP benchmarks (data/README.md,
/// ifl-tpp): the intensity is integrated from 0 to the last event, with no survival term after
/// it. Equal to hawkes_log_likelihood(parameters, events, last event time); 0 when empty.
double hawkes_log_likelihood_to_last_event(const HawkesParameters& parameters,
                                           const EventSequence& events);

/// The intensities lambda_i(t) of all types at time `t` given every event before `t`, computed
/// directly in O(N D) (for checks and plots, not for training loops).
std::vector<double> hawkes_intensity(const HawkesParameters& parameters,
                                     const EventSequence& events, double t);

}  // namespace evergreen
