#include "evergreen/data/tpp/basic_processes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "evergreen/core/error.h"
#include "evergreen/data/tpp/random_draws.h"

namespace evergreen {
namespace {

void check_span(const char* who, double start, double end) {
  EVERGREEN_CHECK_INPUT(std::isfinite(start) && std::isfinite(end) && 0 <= start && start <= end,
                        "{} compensator on [{}, {}]: expected 0 <= start <= end", who, start, end);
}

}  // namespace

// --- Poisson ---------------------------------------------------------------------------------

PoissonProcess::PoissonProcess(std::vector<double> rates) : rates_(std::move(rates)) {
  EVERGREEN_CHECK_INPUT(!rates_.empty(), "Poisson process: no rate: expected one per type");
  for (size_t k = 0; k < rates_.size(); ++k) {
    EVERGREEN_CHECK_INPUT(std::isfinite(rates_[k]) && rates_[k] > 0,
                          "Poisson process: rate[{}] = {}: expected a finite number > 0", k,
                          rates_[k]);
    total_rate_ += rates_[k];
  }
}

double PoissonProcess::long_run_rate() const { return total_rate_; }

std::string PoissonProcess::describe() const {
  return rates_.size() == 1 ? fmt::format("Poisson, rate {:.6g}", rates_[0])
                            : fmt::format("Poisson, rates [{:.6g}]", fmt::join(rates_, ", "));
}

std::vector<double> PoissonProcess::intensities(const MarkedSequence& events, double t) const {
  check_known_process_events(events, num_types(), "Poisson");
  check_history_time(events, t, "Poisson");
  return rates_;
}

double PoissonProcess::compensator(const MarkedSequence& events, double start, double end) const {
  check_known_process_events(events, num_types(), "Poisson");
  check_span("Poisson", start, end);
  return total_rate_ * (end - start);
}

EventTerms PoissonProcess::event_terms(const MarkedSequence& events) const {
  check_known_process_events(events, num_types(), "Poisson");
  EventTerms terms;
  for (size_t n = 0; n < events.times.size(); ++n) {
    terms.log_intensity.push_back(std::log(rates_[static_cast<size_t>(events.types[n])]));
    terms.compensator.push_back(total_rate_ * events.times[n]);
  }
  return terms;
}

MarkedSequence PoissonProcess::simulate(double horizon, uint64_t seed) const {
  EVERGREEN_CHECK_INPUT(std::isfinite(horizon) && horizon > 0,
                        "Poisson simulation: horizon {}: expected a finite number > 0", horizon);
  std::mt19937_64 generator(seed);
  MarkedSequence events;
  double time = 0;
  while (true) {
    time += tpp_random::exponential(generator) / total_rate_;
    if (time > horizon) break;
    events.times.push_back(time);
    events.types.push_back(static_cast<int64_t>(tpp_random::categorical(generator, rates_)));
  }
  return events;
}

// --- log-normal renewal ----------------------------------------------------------------------

LogNormalRenewalProcess::LogNormalRenewalProcess(double log_mean, double log_std)
    : log_mean_(log_mean), log_std_(log_std) {
  EVERGREEN_CHECK_INPUT(std::isfinite(log_mean) && std::isfinite(log_std) && log_std > 0,
                        "log-normal gaps with log-mean {} and log-std {}: expected finite values "
                        "and a log-std > 0",
                        log_mean, log_std);
}

LogNormalRenewalProcess LogNormalRenewalProcess::from_moments(double mean_gap, double std_gap) {
  EVERGREEN_CHECK_INPUT(
      mean_gap > 0 && std_gap > 0 && std::isfinite(mean_gap) && std::isfinite(std_gap),
      "log-normal gaps of mean {} and std {}: expected both > 0", mean_gap, std_gap);
  const double sigma = std::sqrt(std::log(1.0 + (std_gap * std_gap) / (mean_gap * mean_gap)));
  return LogNormalRenewalProcess(std::log(mean_gap) - sigma * sigma / 2, sigma);
}

// A renewal process's rate is one over its mean gap, exp(log_mean + log_std^2 / 2).
double LogNormalRenewalProcess::long_run_rate() const {
  return std::exp(-(log_mean_ + 0.5 * log_std_ * log_std_));
}

std::string LogNormalRenewalProcess::describe() const {
  return fmt::format("log-normal renewal, log gap ~ N({:.6g}, {:.6g}^2)", log_mean_, log_std_);
}

double LogNormalRenewalProcess::log_density(double gap) const {
  gap = std::max(gap, 1e-300);
  const double z = (std::log(gap) - log_mean_) / log_std_;
  return -std::log(gap * log_std_ * std::sqrt(2 * M_PI)) - 0.5 * z * z;
}

double LogNormalRenewalProcess::log_survival(double gap) const {
  if (gap <= 0) return 0.0;
  const double y = (std::log(gap) - log_mean_) / (log_std_ * std::sqrt(2.0));
  if (y < 25) return std::log(0.5 * std::erfc(y));
  // erfc(y) underflows near y = 27: its asymptotic series, exp(-y^2) / (y sqrt(pi)) (1 - 1 /
  // (2 y^2) + 3 / (4 y^4)), is accurate to 1e-7 relative from y = 25.
  const double inverse = 1.0 / (y * y);
  return std::log(0.5) - y * y - std::log(y * std::sqrt(M_PI)) +
         std::log1p(-0.5 * inverse + 0.75 * inverse * inverse);
}

std::vector<double> LogNormalRenewalProcess::intensities(const MarkedSequence& events,
                                                         double t) const {
  check_known_process_events(events, 1, "log-normal renewal");
  check_history_time(events, t, "log-normal renewal");
  const double gap = t - (events.times.empty() ? 0.0 : events.times.back());
  if (gap <= 0) return {0.0};
  return {std::exp(log_density(gap) - log_survival(gap))};
}

double LogNormalRenewalProcess::compensator(const MarkedSequence& events, double start,
                                            double end) const {
  check_known_process_events(events, 1, "log-normal renewal");
  check_span("log-normal renewal", start, end);
  // On a span (u, v] after the last event L the hazard integrates to log S(u - L) - log S(v - L).
  double total = 0, from = start, last = 0;
  for (double time : events.times) {
    if (time >= end) break;
    if (time > from) {
      total += log_survival(from - last) - log_survival(time - last);
      from = time;
    }
    last = time;
  }
  return total + log_survival(from - last) - log_survival(end - last);
}

EventTerms LogNormalRenewalProcess::event_terms(const MarkedSequence& events) const {
  check_known_process_events(events, 1, "log-normal renewal");
  EventTerms terms;
  double last = 0, compensator = 0;
  for (double time : events.times) {
    const double gap = time - last;
    const double log_survival_gap = log_survival(gap);
    compensator -= log_survival_gap;
    terms.log_intensity.push_back(log_density(gap) - log_survival_gap);
    terms.compensator.push_back(compensator);
    last = time;
  }
  return terms;
}

MarkedSequence LogNormalRenewalProcess::simulate(double horizon, uint64_t seed) const {
  EVERGREEN_CHECK_INPUT(std::isfinite(horizon) && horizon > 0,
                        "log-normal renewal simulation: horizon {}: expected a finite number > 0",
                        horizon);
  std::mt19937_64 generator(seed);
  MarkedSequence events;
  double time = 0;
  while (true) {
    time += std::exp(log_mean_ + log_std_ * tpp_random::normal(generator));
    if (time > horizon) break;
    events.times.push_back(time);
    events.types.push_back(0);
  }
  return events;
}

// --- independent marks -----------------------------------------------------------------------

IndependentMarksProcess::IndependentMarksProcess(std::shared_ptr<const KnownPointProcess> ground,
                                                 std::vector<double> probabilities)
    : ground_(std::move(ground)), probabilities_(std::move(probabilities)) {
  EVERGREEN_ASSERT(ground_ != nullptr, "independent marks without a ground process");
  EVERGREEN_CHECK_INPUT(ground_->num_types() == 1,
                        "independent marks: the ground process has {} types: expected 1",
                        ground_->num_types());
  EVERGREEN_CHECK_INPUT(!probabilities_.empty(), "independent marks: no mark probability");
  double total = 0;
  for (size_t k = 0; k < probabilities_.size(); ++k) {
    EVERGREEN_CHECK_INPUT(std::isfinite(probabilities_[k]) && probabilities_[k] > 0,
                          "independent marks: probability[{}] = {}: expected > 0", k,
                          probabilities_[k]);
    total += probabilities_[k];
  }
  EVERGREEN_CHECK_INPUT(std::abs(total - 1) < 1e-9,
                        "independent marks: probabilities sum to {}: expected 1", total);
}

double IndependentMarksProcess::long_run_rate() const { return ground_->long_run_rate(); }

std::string IndependentMarksProcess::describe() const {
  if (probabilities_.size() == 1) return ground_->describe();
  return fmt::format("{}, independent marks [{:.4g}]", ground_->describe(),
                     fmt::join(probabilities_, ", "));
}

MarkedSequence IndependentMarksProcess::unmarked(const MarkedSequence& events) const {
  check_known_process_events(events, num_types(), "independent-marks");
  return {events.times, std::vector<int64_t>(events.times.size(), 0)};
}

std::vector<double> IndependentMarksProcess::intensities(const MarkedSequence& events,
                                                         double t) const {
  const double ground = ground_->total_intensity(unmarked(events), t);
  std::vector<double> rates(probabilities_.size());
  for (size_t k = 0; k < rates.size(); ++k) rates[k] = probabilities_[k] * ground;
  return rates;
}

double IndependentMarksProcess::compensator(const MarkedSequence& events, double start,
                                            double end) const {
  return ground_->compensator(unmarked(events), start, end);
}

EventTerms IndependentMarksProcess::event_terms(const MarkedSequence& events) const {
  EventTerms terms = ground_->event_terms(unmarked(events));
  for (size_t n = 0; n < events.types.size(); ++n)
    terms.log_intensity[n] += std::log(probabilities_[static_cast<size_t>(events.types[n])]);
  return terms;
}

MarkedSequence IndependentMarksProcess::simulate(double horizon, uint64_t seed) const {
  MarkedSequence events = ground_->simulate(horizon, seed);
  std::mt19937_64 generator(tpp_random::derived_seed(seed, uint64_t{1} << 32));
  for (auto& type : events.types)
    type = static_cast<int64_t>(tpp_random::categorical(generator, probabilities_));
  return events;
}

}  // namespace evergreen
