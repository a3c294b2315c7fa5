#include "evergreen/data/tpp/self_correcting.h"

#include <fmt/format.h>

#include <cmath>
#include <random>

#include "evergreen/core/error.h"
#include "evergreen/data/tpp/random_draws.h"

namespace evergreen {

void validate_self_correcting_parameters(const SelfCorrectingParameters& parameters) {
  EVERGREEN_CHECK_INPUT(std::isfinite(parameters.mu) && parameters.mu > 0,
                        "self-correcting parameters: mu = {}: expected a finite number > 0",
                        parameters.mu);
  EVERGREEN_CHECK_INPUT(std::isfinite(parameters.alpha) && parameters.alpha > 0,
                        "self-correcting parameters: alpha = {}: expected a finite number > 0 "
                        "(alpha = 0 is an intensity exp(mu t) that explodes)",
                        parameters.alpha);
}

MarkedSequence simulate_self_correcting(const SelfCorrectingParameters& parameters, double horizon,
                                        uint64_t seed) {
  validate_self_correcting_parameters(parameters);
  EVERGREEN_CHECK_INPUT(std::isfinite(horizon) && horizon > 0,
                        "self-correcting simulation: horizon {}: expected a finite number > 0",
                        horizon);
  std::mt19937_64 generator(seed);
  MarkedSequence events;
  double time = 0;
  double count = 0;
  while (true) {
    // Solve integral_time^next lambda = E: exp(mu time - alpha n) expm1(mu (next - time)) / mu
    // = E. The exponent alpha n - mu time is minus log lambda now, which stays O(1).
    const double draw = tpp_random::exponential(generator);
    time += std::log1p(parameters.mu * draw *
                       std::exp(parameters.alpha * count - parameters.mu * time)) /
            parameters.mu;
    if (!(time <= horizon)) break;
    events.times.push_back(time);
    events.types.push_back(0);
    count += 1;
  }
  return events;
}

double self_correcting_intensity(const SelfCorrectingParameters& parameters,
                                 const MarkedSequence& events, double t) {
  validate_self_correcting_parameters(parameters);
  check_known_process_events(events, 1, "self-correcting");
  check_history_time(events, t, "self-correcting");
  return std::exp(parameters.mu * t - parameters.alpha * static_cast<double>(events.size()));
}

double self_correcting_compensator(const SelfCorrectingParameters& parameters,
                                   const MarkedSequence& events, double start, double end) {
  validate_self_correcting_parameters(parameters);
  check_known_process_events(events, 1, "self-correcting");
  EVERGREEN_CHECK_INPUT(std::isfinite(start) && std::isfinite(end) && 0 <= start && start <= end,
                        "self-correcting compensator on [{}, {}]: expected 0 <= start <= end",
                        start, end);
  const double mu = parameters.mu, alpha = parameters.alpha;
  auto span = [&](double from, double to, double count) {
    return std::exp(mu * from - alpha * count) * std::expm1(mu * (to - from)) / mu;
  };
  double total = 0, from = start, count = 0;
  for (double time : events.times) {
    if (time >= end) break;
    if (time > from) {
      total += span(from, time, count);
      from = time;
    }
    count += 1;
  }
  return total + span(from, end, count);
}

double self_correcting_log_likelihood(const SelfCorrectingParameters& parameters,
                                      const MarkedSequence& events, double horizon) {
  return SelfCorrectingProcess(parameters).log_likelihood(events, horizon);
}

SelfCorrectingProcess::SelfCorrectingProcess(SelfCorrectingParameters parameters)
    : parameters_(parameters) {
  validate_self_correcting_parameters(parameters_);
}

double SelfCorrectingProcess::long_run_rate() const { return parameters_.mu / parameters_.alpha; }

std::string SelfCorrectingProcess::describe() const {
  return fmt::format("self-correcting, lambda(t) = exp({:g} t - {:g} N(t))", parameters_.mu,
                     parameters_.alpha);
}

std::vector<double> SelfCorrectingProcess::intensities(const MarkedSequence& events,
                                                       double t) const {
  return {self_correcting_intensity(parameters_, events, t)};
}

double SelfCorrectingProcess::compensator(const MarkedSequence& events, double start,
                                          double end) const {
  return self_correcting_compensator(parameters_, events, start, end);
}

EventTerms SelfCorrectingProcess::event_terms(const MarkedSequence& events) const {
  check_known_process_events(events, 1, "self-correcting");
  const double mu = parameters_.mu, alpha = parameters_.alpha;
  EventTerms result;
  result.log_intensity.reserve(events.times.size());
  result.compensator.reserve(events.times.size());
  double previous = 0, before = 0, compensator = 0;
  for (size_t n = 0; n < events.times.size(); ++n) {
    const double time = events.times[n];
    if (time > previous) {
      // On (previous, time) every earlier event counts, those at `previous` included.
      before = static_cast<double>(n);
      compensator +=
          std::exp(mu * previous - alpha * before) * std::expm1(mu * (time - previous)) / mu;
      previous = time;
    }
    result.log_intensity.push_back(mu * time - alpha * before);
    result.compensator.push_back(compensator);
  }
  return result;
}

MarkedSequence SelfCorrectingProcess::simulate(double horizon, uint64_t seed) const {
  return simulate_self_correcting(parameters_, horizon, seed);
}

}  // namespace evergreen
