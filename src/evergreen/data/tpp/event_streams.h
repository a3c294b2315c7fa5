// Event sequences as continual-learning streams: padded batches, a regime-shifting Hawkes stream
// with known ground truth, a data set split into train and test, and a long real event stream
// cut into consecutive time windows.
#pragma once

#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/data/experience.h"
#include "evergreen/data/tpp/event_sequences.h"
#include "evergreen/data/tpp/hawkes.h"

namespace evergreen {

/// Sequences as one Batch, padded at the end to `length` events (>= the longest sequence):
/// "times" float32 [N, length] (padding repeats the last time, so padded gaps are 0), "types"
/// int64 [N, length] (padding 0) and "mask" float32 [N, length] (1 for events).
///
/// Example:
///   Batch batch = pad_sequences(data.sequences, 64);
Batch pad_sequences(const std::vector<MarkedSequence>& sequences, int64_t length);

/// Log-likelihood of `events` under `parameters` in EasyTPP's convention (the models'): sum over
/// events i >= 2 of log lambda(t_i) minus the integral from the first to the last event.
double hawkes_log_likelihood_easytpp(const HawkesParameters& parameters,
                                     const EventSequence& events);

/// `regime_shifting_hawkes`: one experience per window; each window simulates `train_sequences`
/// + `test_sequences` sequences on [0, horizon] from its own randomly drawn Hawkes parameters
/// (background rates, branching matrix scaled to spectral radius `branching`, decays), so the
/// ground truth changes between windows. Metadata: num_types; per experience the parameters and
/// `true_nll_per_event` of its test split (EasyTPP convention).
Stream make_hawkes_regime_stream(Options& options);

/// `event_sequences`: one data set (npz, rmtpp or easytpp) as a single experience whose train and
/// test splits are index ranges of its sequences ("0-47", "56-63").
Stream make_event_sequence_stream(Options& options);

/// `event_windows`: a long real event stream (RMTPP layout, e.g. StackOverflow badges with Unix
/// times) ordered by absolute time and cut into `windows` consecutive equal time spans; in each
/// window every sequence's events inside it form one sequence (at least 2 events), times from
/// the window's start in units of `time_unit_seconds`; sequences are split into train and test
/// by their index (every `test_every`-th one is a test sequence).
Stream make_event_window_stream(Options& options);

}  // namespace evergreen
