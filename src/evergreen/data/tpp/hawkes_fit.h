// Maximum-likelihood fit of a univariate exponential-kernel Hawkes process: the parametric
// reference a statistician tries first on event data.
#pragma once

#include <vector>

#include "evergreen/data/tpp/hawkes.h"

namespace evergreen {

struct HawkesFitResult {
  HawkesParameters parameters;
  double log_likelihood = 0;  ///< at the optimum, summed over sequences (to each last event)
  int64_t evaluations = 0;
};

/// Maximises the exact log-likelihood (integral up to each sequence's last event) over
/// mu > 0, 0 < alpha < 1, beta > 0 by Nelder-Mead on (log mu, logit alpha, log beta), starting
/// from the Poisson rate. All events are treated as one type.
///
/// Example:
///   HawkesFitResult fit = fit_univariate_hawkes(train_sequences);
///   double alpha = fit.parameters.alpha[0][0];
HawkesFitResult fit_univariate_hawkes(const std::vector<EventSequence>& sequences,
                                      int64_t max_evaluations = 2000);

}  // namespace evergreen
