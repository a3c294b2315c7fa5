// Experience and Stream: what a continual learner sees, in order, with the typed facts about it.
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
  /// Descriptions for the report (what the experience holds); nothing reads them back.
  std::map<std::string, std::string> metadata;
};

/// What the rows of a stream are, which decides the models that can read it.
enum class StreamKind {
  kForecasting,     ///< windows "x" [N, L] -> targets "y" [N, H]
  kEventSequences,  ///< padded marked sequences "times", "types", "mask"
  kClassification,  ///< inputs "x", labels "y" (int64), task index "task" (int64)
  kTokenSequences,  ///< token rows "tokens" [N, T] (int64), "mask" [N, T] (1: a real token)
};

const char* stream_kind_name(StreamKind kind);

/// Regression targets are stored standardised as (value - offset) / scale; metrics undo it.
struct TargetTransform {
  double offset = 0.0;
  double scale = 1.0;
};

/// The typed facts models and strategies read about a stream as a whole.
struct StreamSpec {
  StreamKind kind = StreamKind::kForecasting;
  int64_t num_event_types = 0;  ///< event streams: marks are 0 .. num_event_types - 1
  int64_t num_classes = 0;      ///< classification: labels are 0 .. num_classes - 1
  /// Classification: > 0 on a class-incremental split (task t owns the classes
  /// [t * classes_per_task, (t + 1) * classes_per_task)); 0 when every task holds every class.
  int64_t classes_per_task = 0;
  std::vector<int64_t> input_shape;  ///< shape of one row's input (classification: {C, H, W};
                                     ///< token sequences: {T})
  int64_t vocab_size = 0;            ///< token sequences: ids are 0 .. vocab_size - 1
  int64_t num_tasks = 0;  ///< experiences in the stream (set by the plan when a stream leaves it 0)
  /// Forecasting: statistics of the first experience's training data only (no look-ahead).
  TargetTransform target;
};

/// An ordered list of experiences plus what models need to know about the data as a whole.
///
/// Example:
///   Stream stream = make_synthetic_workload_stream(options);
///   for (const Experience& experience : stream.experiences) trainer.train(experience);
struct Stream {
  std::string name;
  std::vector<Experience> experiences;
  StreamSpec spec;
  /// Input rows the reader skipped (a CSV's "drop" policy for unreadable values): reported in
  /// summary.json and on the terminal, so a run never hides lost data.
  int64_t dropped_points = 0;
  /// Descriptions for the report (source file, rows read); nothing reads them back.
  std::map<std::string, std::string> metadata;

  int64_t size() const { return static_cast<int64_t>(experiences.size()); }
};

}  // namespace evergreen
