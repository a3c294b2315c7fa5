// The self-correcting process (Isham & Westcott 1979): lambda(t) = exp(mu t - alpha N(t)), N(t)
// the number of events strictly before t. The intensity grows steadily and every event divides it
// by e^alpha, so events come far more regularly than a Poisson process's: N(t) - (mu / alpha) t
// stays bounded in distribution, and the long-run rate is mu / alpha. Unmarked: every event has
// type 0. A model that only learns decaying excitation (a Hawkes process) cannot represent it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/data/tpp/event_sequences.h"
#include "evergreen/data/tpp/known_process.h"

namespace evergreen {

/// Example:
///   SelfCorrectingParameters parameters;  // mu = alpha = 1: one event per unit time
///   MarkedSequence events = simulate_self_correcting(parameters, 1000, /*seed=*/3);
struct SelfCorrectingParameters {
  double mu = 1;     ///< growth rate of log lambda per unit time, > 0
  double alpha = 1;  ///< drop of log lambda at each event, > 0
};

/// InputError unless mu and alpha are finite and > 0.
void validate_self_correcting_parameters(const SelfCorrectingParameters& parameters);

/// One exact realisation on [0, horizon] by inverting the compensator: from an event at s with n
/// events so far, the next is at s + log(1 + mu E exp(alpha n - mu s)) / mu for E ~ Exp(1).
/// Platform independent like simulate_hawkes.
MarkedSequence simulate_self_correcting(const SelfCorrectingParameters& parameters, double horizon,
                                        uint64_t seed);

/// lambda(t) = exp(mu t - alpha n) given `history` of n events (every one counts, one at t
/// included: the right limit; t >= the last event).
double self_correcting_intensity(const SelfCorrectingParameters& parameters,
                                 const MarkedSequence& history, double t);

/// integral_start^end lambda(s) ds, exactly: on each span where N is constant,
/// exp(mu u - alpha N) (exp(mu (v - u)) - 1) / mu.
double self_correcting_compensator(const SelfCorrectingParameters& parameters,
                                   const MarkedSequence& events, double start, double end);

/// The exact log-likelihood on [0, horizon]: sum_n (mu t_n - alpha (n - ties)) - integral.
double self_correcting_log_likelihood(const SelfCorrectingParameters& parameters,
                                      const MarkedSequence& events, double horizon);

/// The process as a KnownPointProcess.
class SelfCorrectingProcess : public KnownPointProcess {
 public:
  explicit SelfCorrectingProcess(SelfCorrectingParameters parameters = {});

  const SelfCorrectingParameters& parameters() const { return parameters_; }
  int64_t num_types() const override { return 1; }
  std::string describe() const override;
  std::vector<double> intensities(const MarkedSequence& events, double t) const override;
  double compensator(const MarkedSequence& events, double start, double end) const override;
  EventTerms event_terms(const MarkedSequence& events) const override;
  MarkedSequence simulate(double horizon, uint64_t seed) const override;
  double long_run_rate() const override;

 private:
  SelfCorrectingParameters parameters_;
};

}  // namespace evergreen
