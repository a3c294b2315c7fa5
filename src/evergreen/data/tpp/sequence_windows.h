// Cutting marked sequences into the pieces experiments train and evaluate on: index ranges of a
// data set, truncated sequences, consecutive windows of a fixed number of events.
#pragma once

#include <cstdint>
#include <vector>

#include "evergreen/core/batch.h"
#include "evergreen/data/tpp/event_sequences.h"

namespace evergreen {

/// Sequences [begin, end) of `data`, each cut to its first `max_events` events when
/// `max_events` > 0 (0 keeps every event). Throws InputError unless 0 <= begin <= end <= count.
///
/// Example:
///   auto train = select_sequences(data, 0, 48);  // the synthetic sets' training split
std::vector<MarkedSequence> select_sequences(const EventDataset& data, int64_t begin, int64_t end,
                                             int64_t max_events = 0);

/// Every sequence cut into consecutive windows of at most `size` events (>= 2); the last window
/// of a sequence may be shorter, and a last window of one event is dropped (it holds no gap of
/// its own). A window's times count from the event before it (from 0 for a sequence's first
/// window), so its first time is a real inter-event gap: every gap of a sequence lies in
/// exactly one window, except the one before a dropped last event, and scoring the windows over
/// [0, t_N] scores the same gaps as scoring the whole sequence.
///
/// Example:
///   // times {1, 2, 4, 7, 11}, size 2 -> {1, 2}, {2, 5} (from 2: events at 4 and 7), {4} dropped
///   auto windows = cut_into_windows(sequences, 128);
std::vector<MarkedSequence> cut_into_windows(const std::vector<MarkedSequence>& sequences,
                                             int64_t size);

/// pad_sequences to the longest of `sequences`.
Batch pad_to_longest(const std::vector<MarkedSequence>& sequences);

}  // namespace evergreen
