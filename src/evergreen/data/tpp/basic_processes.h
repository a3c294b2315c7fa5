// The simplest known point processes: homogeneous Poisson (one rate per type), a renewal process
// with log-normal gaps, and independent marks on any unmarked process. They are the true models
// of the `poisson` and `renewal` synthetic sets and, fitted to data, the references a
// statistician tries first (data/tpp/parametric_fits.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "evergreen/data/tpp/known_process.h"

namespace evergreen {

/// Independent homogeneous Poisson processes, lambda_k(t) = rates[k] (> 0).
///
/// Example:
///   PoissonProcess poisson({1.0});
///   NllPerEvent floor = known_process_nll_per_event(poisson, sequences);
class PoissonProcess : public KnownPointProcess {
 public:
  explicit PoissonProcess(std::vector<double> rates);

  const std::vector<double>& rates() const { return rates_; }
  int64_t num_types() const override { return static_cast<int64_t>(rates_.size()); }
  std::string describe() const override;
  std::vector<double> intensities(const MarkedSequence& events, double t) const override;
  double compensator(const MarkedSequence& events, double start, double end) const override;
  EventTerms event_terms(const MarkedSequence& events) const override;
  MarkedSequence simulate(double horizon, uint64_t seed) const override;
  double long_run_rate() const override;

 private:
  std::vector<double> rates_;
  double total_rate_ = 0;
};

/// The renewal process whose gaps (the first from 0) are i.i.d. log-normal: log gap ~
/// N(log_mean, log_std^2). Its intensity at t is the hazard f(x) / S(x) of the time x since the
/// last event, so the integral over a gap is -log S(gap) and an event adds -log f(gap) to the
/// NLL. Gaps of 0 (ties) are scored as 1e-300, as lognormal_renewal_nll_per_event does.
class LogNormalRenewalProcess : public KnownPointProcess {
 public:
  LogNormalRenewalProcess(double log_mean, double log_std);
  /// From the mean and standard deviation of the gaps (sigma^2 = log(1 + std^2 / mean^2),
  /// mu = log mean - sigma^2 / 2): the `renewal` set is from_moments(1, 6).
  static LogNormalRenewalProcess from_moments(double mean_gap, double std_gap);

  double log_mean() const { return log_mean_; }
  double log_std() const { return log_std_; }
  int64_t num_types() const override { return 1; }
  std::string describe() const override;
  std::vector<double> intensities(const MarkedSequence& events, double t) const override;
  double compensator(const MarkedSequence& events, double start, double end) const override;
  EventTerms event_terms(const MarkedSequence& events) const override;
  MarkedSequence simulate(double horizon, uint64_t seed) const override;
  double long_run_rate() const override;

  double log_density(double gap) const;   ///< log f(gap), gap clamped to >= 1e-300
  double log_survival(double gap) const;  ///< log S(gap) = log P(G > gap), accurate far in the tail

 private:
  double log_mean_, log_std_;
};

/// An unmarked `ground` process (one type) with marks drawn independently of everything, type k
/// with `probabilities[k]` (> 0, summing to 1 within 1e-9): lambda_k(t) = p_k lambda_ground(t).
///
/// Example:
///   IndependentMarksProcess marked(std::make_shared<PoissonProcess>(std::vector<double>{2.0}),
///                                  {0.25, 0.75});  // = PoissonProcess({0.5, 1.5})
class IndependentMarksProcess : public KnownPointProcess {
 public:
  IndependentMarksProcess(std::shared_ptr<const KnownPointProcess> ground,
                          std::vector<double> probabilities);

  const KnownPointProcess& ground() const { return *ground_; }
  const std::vector<double>& probabilities() const { return probabilities_; }
  int64_t num_types() const override { return static_cast<int64_t>(probabilities_.size()); }
  std::string describe() const override;
  std::vector<double> intensities(const MarkedSequence& events, double t) const override;
  double compensator(const MarkedSequence& events, double start, double end) const override;
  EventTerms event_terms(const MarkedSequence& events) const override;
  MarkedSequence simulate(double horizon, uint64_t seed) const override;
  double long_run_rate() const override;

 private:
  MarkedSequence unmarked(const MarkedSequence& events) const;

  std::shared_ptr<const KnownPointProcess> ground_;
  std::vector<double> probabilities_;
};

}  // namespace evergreen
