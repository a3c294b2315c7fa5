// Point processes whose conditional intensity is known in closed form: the generators of the
// synthetic sets (Hawkes with sums of exponential kernels, the self-correcting process, Poisson,
// log-normal renewal) and the parametric references fitted to data (data/tpp/parametric_fits.h).
// One interface gives what a test or a benchmark asks of a true model: its intensities at any
// time given the history, the exact compensator between two times, each event's likelihood
// terms, and the NLL per event in both conventions of docs/tpp.md, on whole sequences or on the
// windows AttNHP is scored on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "evergreen/data/tpp/event_sequences.h"

namespace evergreen {

/// NLL per event in both conventions (NaN where nothing is scored).
struct NllPerEvent {
  double easytpp = 0;
  double full = 0;
};

/// Each event's share of the log-likelihood of one sequence, from one pass over it.
struct EventTerms {
  /// log lambda_{k_n}(t_n), the intensity given the events strictly before t_n (events at the
  /// same instant do not see each other).
  std::vector<double> log_intensity;
  /// integral_0^{t_n} sum_k lambda_k(s) ds, the compensator up to each event.
  std::vector<double> compensator;
};

/// A marked point process on [0, inf) started empty at time 0, with a known intensity.
///
/// Example:
///   auto process = std::make_shared<SelfCorrectingProcess>(SelfCorrectingParameters{});
///   MarkedSequence events = process->simulate(/*horizon=*/100, /*seed=*/7);
///   double rate_after = process->total_intensity(events, events.times.back() + 0.5);
///   double mass = process->compensator(events, 49.0, 50.0);         // exact integral
///   double log_likelihood = process->log_likelihood(events, 100);
class KnownPointProcess {
 public:
  virtual ~KnownPointProcess() = default;

  virtual int64_t num_types() const = 0;
  /// The process and its parameters in one line, for tables and JSON.
  virtual std::string describe() const = 0;

  /// lambda_k(t) for k in [0, K) given the history `history`: every event of it counts as past,
  /// one at t itself included, so at t = t_j this is the right limit just after event j, what a
  /// quadrature over (t_j, t_{j+1}] reads at its left end. t must be >= the last event
  /// (InputError otherwise); events in non-decreasing time order with types in [0, K).
  virtual std::vector<double> intensities(const MarkedSequence& history, double t) const = 0;

  /// integral_start^end sum_k lambda_k(s) ds exactly, the intensity at each s given the events
  /// strictly before s (0 <= start <= end).
  virtual double compensator(const MarkedSequence& events, double start, double end) const = 0;

  /// Both likelihood terms of every event in O(N) (O(N D^2) for a D-type Hawkes process).
  virtual EventTerms event_terms(const MarkedSequence& events) const = 0;

  /// One exact realisation on [0, horizon]; the same seed gives the same sequence on every
  /// platform (std::mt19937_64 with our own uniform, exponential and normal draws).
  virtual MarkedSequence simulate(double horizon, uint64_t seed) const = 0;

  /// Expected events per unit time over all types in the long run (a stationary Hawkes
  /// process's summed rates, mu / alpha for the self-correcting one): what sizes a simulation
  /// before it runs (check_simulation_size).
  virtual double long_run_rate() const = 0;

  /// sum_k lambda_k(t) given `history`, as intensities().
  double total_intensity(const MarkedSequence& history, double t) const;

  /// sum_k lambda_k(t_j + offset) for each of `offsets` (>= 0) given events 0..j of `events`
  /// (the right limit at offset 0): what an integral rule over the interval after event j
  /// reads. Hawkes processes build their state once per call, so scoring a sequence of N events
  /// with G points per interval costs O(N^2 + N G) instead of O(N^2 G).
  ///
  /// Example:
  ///   // the trapezoid rule with 20 points on (t_j, t_{j+1}]
  ///   std::vector<double> offsets;
  ///   for (int p = 0; p < 20; ++p) offsets.push_back(gap * p / 19.0);
  ///   auto totals = process->total_intensities_after(events, j, offsets);
  virtual std::vector<double> total_intensities_after(const MarkedSequence& events, int64_t j,
                                                      const std::vector<double>& offsets) const;

  /// lambda_k(t) given the events of `events` strictly before t (the left limit at an event
  /// time: the intensity that event's log-likelihood term reads).
  std::vector<double> intensities_before(const MarkedSequence& events, double t) const;

  /// The exact log-likelihood on [0, horizon]: sum_n log lambda_{k_n}(t_n) - integral_0^horizon.
  double log_likelihood(const MarkedSequence& events, double horizon) const;
  /// The same on [0, t_N] (data/README.md's convention); 0 when empty.
  double log_likelihood_to_last_event(const MarkedSequence& events) const;
  /// EasyTPP's convention: events n >= 2 scored, the integral from t_1 to t_N; 0 for < 2 events.
  double log_likelihood_easytpp(const MarkedSequence& events) const;
};

/// NLL per event of `process` on whole sequences, pooled (total NLL over total scored events):
/// `easytpp` scores events 2..N with the integral from t_1 to t_N, `full` every event with the
/// integral from 0 to t_N. Sequences without events are skipped.
///
/// Example:
///   NllPerEvent truth = known_process_nll_per_event(*process, test_sequences);
NllPerEvent known_process_nll_per_event(const KnownPointProcess& process,
                                        const std::vector<MarkedSequence>& sequences);

/// The same on the windows cut_into_windows(sequences, window) makes (data/tpp/sequence_windows.h),
/// each event's terms conditioned on the whole history before it (the true model knows it; a
/// model scored on the windows sees the window only, so this is its floor): in a window of
/// events [s, e) whose times count from t_{s-1}, `easytpp` scores events s+1..e-1 with the
/// integral from t_s to t_{e-1}, `full` events s..e-1 with the integral from t_{s-1} (0 for
/// s = 0) to t_{e-1}.
NllPerEvent known_process_nll_per_event_on_windows(const KnownPointProcess& process,
                                                   const std::vector<MarkedSequence>& sequences,
                                                   int64_t window);

/// Bytes a simulated event holds in a MarkedSequence: its time and type (16 B), doubled for the
/// vectors' growth.
constexpr double kBytesPerSimulatedEvent = 32;

/// Throws InputError, before anything is simulated, when `horizon` is not a finite number > 0 or
/// `sequences` realisations on [0, horizon] would hold more than the memory budget:
/// sequences x horizon x long_run_rate() expected events of `bytes_per_event` each
/// (check_allocation's message, with the estimate). `who` starts the message.
///
/// Example:
///   check_simulation_size(process, 64, 1e300, kBytesPerSimulatedEvent, "gen hawkes");  // throws
void check_simulation_size(const KnownPointProcess& process, int64_t sequences, double horizon,
                           double bytes_per_event, const std::string& who);

/// `count` independent realisations on [0, horizon]; sequence i uses a seed derived from
/// (seed, i), so the set is the same on every platform. Sized first by check_simulation_size.
std::vector<MarkedSequence> simulate_sequences(const KnownPointProcess& process, int64_t count,
                                               double horizon, uint64_t seed);

/// Throws InputError naming the event unless `events` has one type per time, times finite,
/// >= 0 and non-decreasing (and <= `horizon` when given), types in [0, num_types). `who` starts
/// the message.
void check_known_process_events(const MarkedSequence& events, int64_t num_types, const char* who,
                                double horizon = -1);

/// Throws InputError unless t is finite, >= 0 and >= the last event of `history`.
void check_history_time(const MarkedSequence& history, double t, const char* who);

}  // namespace evergreen
