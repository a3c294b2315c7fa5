// The multivariate Hawkes process whose kernels are sums of exponentials:
//   lambda_i(t) = mu_i + sum_r sum_j sum_{t_m^j < t} alpha^r_ij beta^r_ij exp(-beta^r_ij (t -
//   t_m^j)),
// one term r per kernel. A single kernel is hawkes.h's process; two kernels of decay rates 1 and
// 20 give an intensity with a fast and a slow memory, which no single exponential (and no
// evenly spaced quadrature with few points) captures. alpha^r_ij is the expected number of type-i
// events that one type-j event triggers through kernel r; the process is stationary when the
// spectral radius of sum_r alpha^r is < 1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/data/tpp/hawkes.h"
#include "evergreen/data/tpp/known_process.h"

namespace evergreen {

/// One exponential term of every kernel: D x D branching ratios and decay rates.
struct ExponentialKernel {
  std::vector<std::vector<double>> alpha;  ///< >= 0
  std::vector<std::vector<double>> beta;   ///< > 0
};

/// Parameters of a D-type Hawkes process with R exponential terms per kernel.
///
/// Example (mu 0.2, branching 0.4 at decay 1 plus 0.4 at decay 20; stationary rate 1):
///   HawkesKernelSumParameters two{{0.2}, {{{{0.4}}, {{1.0}}}, {{{0.4}}, {{20.0}}}}};
///   validate_hawkes_kernel_sum(two);
struct HawkesKernelSumParameters {
  std::vector<double> mu;                  ///< D background rates, > 0
  std::vector<ExponentialKernel> kernels;  ///< R >= 1 terms

  int64_t dimension() const { return static_cast<int64_t>(mu.size()); }
};

/// The one-kernel process of `parameters` (the same process, the same simulation).
HawkesKernelSumParameters hawkes_kernel_sum(const HawkesParameters& parameters);

/// Throws InputError naming the field, term and entry unless mu > 0, every alpha >= 0, every
/// beta > 0 (finite, D x D) and the spectral radius of sum_r alpha^r is < 1.
void validate_hawkes_kernel_sum(const HawkesKernelSumParameters& parameters);

/// (I - sum_r alpha^r)^-1 mu; validates first.
std::vector<double> hawkes_kernel_sum_stationary_rates(const HawkesKernelSumParameters& parameters);

/// One realisation on [0, horizon] by Ogata thinning (exact: between events every term only
/// decays). With one kernel it draws exactly what simulate_hawkes draws, event for event.
EventSequence simulate_hawkes_kernel_sum(const HawkesKernelSumParameters& parameters,
                                         double horizon, uint64_t seed);

/// The exact log-likelihood on [0, horizon] in O(N D^2 R); events at the same instant do not
/// excite each other.
double hawkes_kernel_sum_log_likelihood(const HawkesKernelSumParameters& parameters,
                                        const EventSequence& events, double horizon);

/// lambda_i(t) of every type given `history` (every event of it counts, one at t included: the
/// right limit; t >= the last event), in O(N D R).
std::vector<double> hawkes_kernel_sum_intensity(const HawkesKernelSumParameters& parameters,
                                                const EventSequence& history, double t);

/// integral_start^end sum_i lambda_i(s) ds, exactly, in O(N D R).
double hawkes_kernel_sum_compensator(const HawkesKernelSumParameters& parameters,
                                     const EventSequence& events, double start, double end);

/// The process as a KnownPointProcess (for the ground-truth tables and the integrator tests).
///
/// Example:
///   HawkesProcess truth(hawkes_kernel_sum(HawkesParameters{{0.2}, {{0.8}}, {{20.0}}}));
///   NllPerEvent floor = known_process_nll_per_event(truth, test_sequences);
class HawkesProcess : public KnownPointProcess {
 public:
  explicit HawkesProcess(HawkesKernelSumParameters parameters);

  const HawkesKernelSumParameters& parameters() const { return parameters_; }
  int64_t num_types() const override { return parameters_.dimension(); }
  std::string describe() const override;
  std::vector<double> intensities(const MarkedSequence& events, double t) const override;
  double compensator(const MarkedSequence& events, double start, double end) const override;
  EventTerms event_terms(const MarkedSequence& events) const override;
  MarkedSequence simulate(double horizon, uint64_t seed) const override;
  double long_run_rate() const override;
  std::vector<double> total_intensities_after(const MarkedSequence& events, int64_t j,
                                              const std::vector<double>& offsets) const override;

 private:
  HawkesKernelSumParameters parameters_;
};

}  // namespace evergreen
