#include "evergreen/data/tpp/event_sequences.h"

namespace evergreen {

// The readers are in one file per format: easytpp_format.cpp, rmtpp_format.cpp, npz_format.cpp.

int64_t EventDataset::num_events() const {
  int64_t total = 0;
  for (const MarkedSequence& sequence : sequences)
    total += static_cast<int64_t>(sequence.times.size());
  return total;
}

}  // namespace evergreen
