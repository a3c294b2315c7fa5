// The exact negative log-likelihood of known generating processes on event sequences: the floor
// a trained point-process model is judged against. Two conventions, because published numbers
// use both (docs/tpp.md, "Likelihood conventions"):
//   easytpp: events i >= 2 scored, the intensity integrated from the first to the last event;
//   full:    every event scored, the integral from 0 to the last event (data/README.md's).
// Every function pools the sequences: total NLL over total scored events. All events count as one
// type (the processes here are unmarked); sequences without events are skipped. NllPerEvent is
// declared in known_process.h, with the same computation for any KnownPointProcess.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "evergreen/data/tpp/event_sequences.h"
#include "evergreen/data/tpp/hawkes.h"
#include "evergreen/data/tpp/known_process.h"

namespace evergreen {

/// The Hawkes process `parameters` (hawkes_log_likelihood_easytpp, and the exact likelihood up
/// to each last event).
///
/// Example:
///   NllPerEvent truth = hawkes_nll_per_event(HawkesParameters{{0.2}, {{0.8}}, {{1.0}}}, test);
NllPerEvent hawkes_nll_per_event(const HawkesParameters& parameters,
                                 const std::vector<MarkedSequence>& sequences);

/// The homogeneous Poisson process of `rate` (> 0): per sequence of N events on [0, t_N],
/// N (-log rate) + rate t_N, and (N - 1) (-log rate) + rate (t_N - t_1) in EasyTPP's convention.
NllPerEvent poisson_nll_per_event(double rate, const std::vector<MarkedSequence>& sequences);

/// The renewal process whose inter-event gaps are i.i.d. log-normal with mean `mean_gap` and
/// standard deviation `std_gap` (sigma^2 = log(1 + std^2 / mean^2), mu = log mean - sigma^2 / 2).
/// Its intensity is f / S and the integral over a gap is -log S, so each scored event adds
/// -log f(gap); over [0, t_N] the first gap counts from 0. Gaps of 0 are scored as 1e-300.
NllPerEvent lognormal_renewal_nll_per_event(double mean_gap, double std_gap,
                                            const std::vector<MarkedSequence>& sequences);

/// Names of the synthetic sets whose generating process is known (tpp/synth/<name>.npz of the
/// shared data): hawkes1, poisson, renewal.
const std::vector<std::string>& synthetic_tpp_sets();

/// The true process of synthetic set `set` (data/README.md): hawkes1 is Hawkes with mu 0.2,
/// alpha 0.8, beta 1; poisson has rate 1; renewal has log-normal gaps of mean 1 and std 6.
/// Throws InputError for another name.
///
/// Example:
///   EventDataset data = read_npz_arrival_times(dir + "/tpp/synth/hawkes1.npz");
///   double floor = synthetic_tpp_true_nll_per_event("hawkes1", data.sequences).full;  // 0.4999
NllPerEvent synthetic_tpp_true_nll_per_event(const std::string& set,
                                             const std::vector<MarkedSequence>& sequences);

/// The true process of synthetic set `set` as a KnownPointProcess: one of synthetic_tpp_sets()
/// (the same processes as synthetic_tpp_true_nll_per_event) or of generated_tpp_sets(). Throws
/// InputError for another name.
///
/// Example:
///   auto truth = synthetic_tpp_true_process("hawkes_two_kernels");
///   double lambda = truth->total_intensity(history, 3.5);
std::shared_ptr<const KnownPointProcess> synthetic_tpp_true_process(const std::string& set);

/// A synthetic set simulated in-process from known parameters, sized like hawkes1 (64 sequences
/// of about 1,024 events: the horizon is 1,024 over the long-run rate of 1 event per unit time).
/// The set is fixed by its seed: the same sequences on every platform.
struct GeneratedTppSet {
  std::string name;
  std::string description;
  std::shared_ptr<const KnownPointProcess> process;
  int64_t sequences = 64;
  double horizon = 1024;
  uint64_t seed = 0;
};

/// hawkes_slow (exponential kernel, decay 0.1 per unit time), hawkes_fast20 (decay 20),
/// hawkes_fast100 (decay 100), all with mu 0.2 and branching 0.8; hawkes_two_kernels (mu 0.2,
/// branching 0.4 at decay 1 plus 0.4 at decay 20); self_correcting (lambda = exp(t - N(t))).
const std::vector<GeneratedTppSet>& generated_tpp_sets();

/// The generated set called `name`, or nullptr.
const GeneratedTppSet* find_generated_tpp_set(const std::string& name);

/// The sequences of `set` (simulate_sequences with its count, horizon and seed), as a data set
/// of set.process->num_types() types.
///
/// Example:
///   EventDataset data = simulate_generated_tpp_set(*find_generated_tpp_set("self_correcting"));
EventDataset simulate_generated_tpp_set(const GeneratedTppSet& set);

}  // namespace evergreen
