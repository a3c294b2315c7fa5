#include "evergreen/data/tpp/sequence_windows.h"

#include <algorithm>

#include "evergreen/core/error.h"
#include "evergreen/data/tpp/event_streams.h"

namespace evergreen {

std::vector<MarkedSequence> select_sequences(const EventDataset& data, int64_t begin, int64_t end,
                                             int64_t max_events) {
  const auto count = static_cast<int64_t>(data.sequences.size());
  EVERGREEN_CHECK_INPUT(0 <= begin && begin <= end && end <= count,
                        "sequences {}-{}: expected a range within the data set's {} sequences",
                        begin, end, count);
  std::vector<MarkedSequence> result(data.sequences.begin() + begin, data.sequences.begin() + end);
  if (max_events > 0)
    for (auto& sequence : result) {
      if (sequence.size() <= max_events) continue;
      sequence.times.resize(max_events);
      sequence.types.resize(max_events);
    }
  return result;
}

std::vector<MarkedSequence> cut_into_windows(const std::vector<MarkedSequence>& sequences,
                                             int64_t size) {
  EVERGREEN_CHECK_INPUT(size >= 2, "windows of {} events: a window needs at least 2", size);
  std::vector<MarkedSequence> result;
  for (const auto& sequence : sequences)
    for (int64_t start = 0; start + 1 < sequence.size(); start += size) {
      const int64_t end = std::min(sequence.size(), start + size);
      const double origin = start > 0 ? sequence.times[start - 1] : 0.0;
      MarkedSequence window;
      for (int64_t i = start; i < end; ++i) {
        window.times.push_back(sequence.times[i] - origin);
        window.types.push_back(sequence.types[i]);
      }
      result.push_back(std::move(window));
    }
  return result;
}

Batch pad_to_longest(const std::vector<MarkedSequence>& sequences) {
  int64_t length = 0;
  for (const auto& sequence : sequences) length = std::max(length, sequence.size());
  return pad_sequences(sequences, length);
}

}  // namespace evergreen
