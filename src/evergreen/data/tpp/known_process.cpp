#include "evergreen/data/tpp/known_process.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/tpp/random_draws.h"

namespace evergreen {

void check_known_process_events(const MarkedSequence& events, int64_t num_types, const char* who,
                                double horizon) {
  EVERGREEN_CHECK_INPUT(events.times.size() == events.types.size(),
                        "{} events: {} times but {} types: expected one type per time", who,
                        events.times.size(), events.types.size());
  double previous = 0;
  for (size_t n = 0; n < events.times.size(); ++n) {
    const double time = events.times[n];
    const int64_t type = events.types[n];
    EVERGREEN_CHECK_INPUT(type >= 0 && type < num_types,
                          "{} events: event {} has type {}: expected 0..{}", who, n, type,
                          num_types - 1);
    EVERGREEN_CHECK_INPUT(
        std::isfinite(time) && time >= previous && (horizon < 0 || time <= horizon),
        "{} events: event {} at time {}: expected finite times >= 0 in "
        "non-decreasing order (previous {}){}",
        who, n, time, previous, horizon < 0 ? std::string() : fmt::format(", at most {}", horizon));
    previous = time;
  }
}

double KnownPointProcess::total_intensity(const MarkedSequence& history, double t) const {
  const auto rates = intensities(history, t);
  return std::accumulate(rates.begin(), rates.end(), 0.0);
}

std::vector<double> KnownPointProcess::total_intensities_after(
    const MarkedSequence& events, int64_t j, const std::vector<double>& offsets) const {
  EVERGREEN_CHECK_INPUT(j >= 0 && j < events.size(),
                        "intensities after event {}: expected an event index in 0..{}", j,
                        events.size() - 1);
  MarkedSequence history{{events.times.begin(), events.times.begin() + j + 1},
                         {events.types.begin(), events.types.begin() + j + 1}};
  std::vector<double> totals;
  totals.reserve(offsets.size());
  for (double offset : offsets)
    totals.push_back(total_intensity(history, history.times.back() + offset));
  return totals;
}

std::vector<double> KnownPointProcess::intensities_before(const MarkedSequence& events,
                                                          double t) const {
  const auto count = static_cast<size_t>(
      std::lower_bound(events.times.begin(), events.times.end(), t) - events.times.begin());
  MarkedSequence history{{events.times.begin(), events.times.begin() + count},
                         {events.types.begin(), events.types.begin() + count}};
  return intensities(history, t);
}

void check_history_time(const MarkedSequence& history, double t, const char* who) {
  EVERGREEN_CHECK_INPUT(
      std::isfinite(t) && t >= 0 && (history.times.empty() || t >= history.times.back()),
      "{} intensity at t = {}: expected a finite t >= 0 and >= the history's "
      "last event ({})",
      who, t, history.times.empty() ? 0.0 : history.times.back());
}

double KnownPointProcess::log_likelihood(const MarkedSequence& events, double horizon) const {
  EVERGREEN_CHECK_INPUT(
      std::isfinite(horizon) && (events.times.empty() || horizon >= events.times.back()),
      "log-likelihood on [0, {}]: expected a horizon at or after the last "
      "event",
      horizon);
  const EventTerms terms = event_terms(events);
  const double log_sum =
      std::accumulate(terms.log_intensity.begin(), terms.log_intensity.end(), 0.0);
  return log_sum - compensator(events, 0.0, horizon);
}

double KnownPointProcess::log_likelihood_to_last_event(const MarkedSequence& events) const {
  if (events.times.empty()) return 0.0;
  const EventTerms terms = event_terms(events);
  return std::accumulate(terms.log_intensity.begin(), terms.log_intensity.end(), 0.0) -
         terms.compensator.back();
}

double KnownPointProcess::log_likelihood_easytpp(const MarkedSequence& events) const {
  if (events.size() < 2) return 0.0;
  const EventTerms terms = event_terms(events);
  return std::accumulate(terms.log_intensity.begin() + 1, terms.log_intensity.end(), 0.0) -
         (terms.compensator.back() - terms.compensator.front());
}

namespace {

// Pools the terms of events [begin, end) of each piece: `easytpp` from begin + 1 with the
// integral from t_begin, `full` from begin with the integral from t_{begin - 1} (0 at begin 0).
struct Pooled {
  double nll = 0, events = 0, nll_full = 0, events_full = 0;

  void add(const EventTerms& terms, int64_t begin, int64_t end) {
    if (end - begin < 1) return;
    double log_sum = 0;
    for (int64_t n = begin + 1; n < end; ++n) log_sum += terms.log_intensity[n];
    const double last = terms.compensator[end - 1];
    const double first = terms.compensator[begin];
    const double origin = begin > 0 ? terms.compensator[begin - 1] : 0.0;
    nll -= log_sum - (last - first);
    events += static_cast<double>(end - begin - 1);
    nll_full -= log_sum + terms.log_intensity[begin] - (last - origin);
    events_full += static_cast<double>(end - begin);
  }

  NllPerEvent result() const {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {events > 0 ? nll / events : nan, events_full > 0 ? nll_full / events_full : nan};
  }
};

}  // namespace

NllPerEvent known_process_nll_per_event(const KnownPointProcess& process,
                                        const std::vector<MarkedSequence>& sequences) {
  Pooled pooled;
  for (const auto& sequence : sequences) {
    if (sequence.size() == 0) continue;
    pooled.add(process.event_terms(sequence), 0, sequence.size());
  }
  return pooled.result();
}

NllPerEvent known_process_nll_per_event_on_windows(const KnownPointProcess& process,
                                                   const std::vector<MarkedSequence>& sequences,
                                                   int64_t window) {
  EVERGREEN_CHECK_INPUT(window >= 2, "windows of {} events: a window needs at least 2", window);
  Pooled pooled;
  for (const auto& sequence : sequences) {
    if (sequence.size() < 2) continue;
    const EventTerms terms = process.event_terms(sequence);
    // The windows of cut_into_windows: a last window of one event is dropped.
    for (int64_t start = 0; start + 1 < sequence.size(); start += window)
      pooled.add(terms, start, std::min(sequence.size(), start + window));
  }
  return pooled.result();
}

void check_simulation_size(const KnownPointProcess& process, int64_t sequences, double horizon,
                           double bytes_per_event, const std::string& who) {
  EVERGREEN_CHECK_INPUT(std::isfinite(horizon) && horizon > 0,
                        "{}: horizon {}: expected a finite number > 0", who, horizon);
  const double rate = process.long_run_rate();
  const double expected = static_cast<double>(sequences) * horizon * rate;
  check_allocation(expected * bytes_per_event,
                   fmt::format("{}: about {:.3g} expected events ({} sequence{} x horizon {} x "
                               "{:.3g} events per unit time)",
                               who, expected, sequences, sequences == 1 ? "" : "s", horizon, rate));
}

std::vector<MarkedSequence> simulate_sequences(const KnownPointProcess& process, int64_t count,
                                               double horizon, uint64_t seed) {
  EVERGREEN_CHECK_INPUT(count >= 0, "simulate {} sequences: expected a count >= 0", count);
  check_simulation_size(process, count, horizon, kBytesPerSimulatedEvent,
                        fmt::format("simulate {} sequences", count));
  std::vector<MarkedSequence> sequences;
  sequences.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    sequences.push_back(
        process.simulate(horizon, tpp_random::derived_seed(seed, static_cast<uint64_t>(i))));
  return sequences;
}

}  // namespace evergreen
