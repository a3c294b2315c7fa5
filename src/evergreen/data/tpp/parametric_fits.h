// The parametric models a statistician fits to event data before reaching for a neural one, as
// references for a benchmark on any data (no true model needed): each is fitted by maximum
// likelihood over [0, t_N] on the training sequences and is a KnownPointProcess, so it is scored
// on the test sequences in both conventions exactly as a true model is.
//   poisson    one Poisson rate per type (= a Poisson ground rate with the type frequencies);
//   lognormal  a renewal process with log-normal gaps (mean and std of the log gaps) and marks
//              drawn independently with the type frequencies;
//   hawkes     an exponential-kernel Hawkes process on all events as one type
//              (fit_univariate_hawkes, data/tpp/hawkes_fit.h) with independent marks likewise.
// Type frequencies are smoothed, p_k = (n_k + 0.5) / (n + 0.5 K), so a type unseen in training
// keeps a finite likelihood; with one type p = 1 and the mark term vanishes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "evergreen/data/tpp/event_sequences.h"
#include "evergreen/data/tpp/known_process.h"

namespace evergreen {

struct ParametricFit {
  std::string name;  ///< "poisson", "lognormal" or "hawkes"
  std::shared_ptr<const KnownPointProcess> process;
};

/// p_k = (n_k + 0.5) / (n + 0.5 K) over the events of `sequences` (types in [0, num_types)).
std::vector<double> smoothed_type_frequencies(const std::vector<MarkedSequence>& sequences,
                                              int64_t num_types);

/// Total rate N / sum t_N (the MLE over [0, t_N]) split by the type frequencies.
ParametricFit fit_poisson_reference(const std::vector<MarkedSequence>& sequences,
                                    int64_t num_types);

/// Mean and (maximum-likelihood) standard deviation of the log gaps, the first gap counted from
/// 0; gaps of 0 (ties) have no log and are left out of the fit (their density under a log-normal
/// is 0, so the fitted model scores them very badly: that is the model's answer to ties).
ParametricFit fit_lognormal_reference(const std::vector<MarkedSequence>& sequences,
                                      int64_t num_types);

/// fit_univariate_hawkes on all events as one type, with independent marks.
ParametricFit fit_hawkes_reference(const std::vector<MarkedSequence>& sequences, int64_t num_types);

/// All three, in the order poisson, lognormal, hawkes.
///
/// Example:
///   for (const ParametricFit& fit : fit_parametric_references(train, data.num_types))
///     NllPerEvent nll = known_process_nll_per_event(*fit.process, test);
std::vector<ParametricFit> fit_parametric_references(const std::vector<MarkedSequence>& sequences,
                                                     int64_t num_types);

}  // namespace evergreen
