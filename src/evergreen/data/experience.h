// Experience and Stream: what a continual learner sees, in order.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "evergreen/core/batch.h"

namespace evergreen {

/// One unit of the stream (a time window, a task, a domain) with its own train and test splits.
struct Experience {
  int64_t id = 0;
  std::string name;  ///< e.g. "period 3 (day 7-8)"
  Batch train;
  Batch test;
  std::map<std::string, std::string> metadata;
};

/// An ordered list of experiences plus what models need to know about the data as a whole.
///
/// Example:
///   Stream stream = make_synthetic_workload_stream(options);
///   for (const Experience& experience : stream.experiences) trainer.train(experience);
struct Stream {
  std::string name;
  std::vector<Experience> experiences;
  /// Targets are standardised as (value - target_offset) / target_scale with statistics of the
  /// first experience's training data only (no look-ahead); metrics undo it.
  double target_offset = 0.0;
  double target_scale = 1.0;
  std::map<std::string, std::string> metadata;

  int64_t size() const { return static_cast<int64_t>(experiences.size()); }
};

}  // namespace evergreen
