// The extension point through which next-event prediction (thinning.h) reads a point process's
// conditional intensity, so that it depends on this seam and not on concrete model classes.
#pragma once

#include <torch/torch.h>

#include <functional>

#include "evergreen/core/batch.h"

namespace evergreen {

/// Intensities of a batch's sequences after a given history: (rows [M], positions [M], offsets
/// [M, G]) -> lambda_k [M, G, K] at times t_{positions[m]} + offsets[m, g] of sequence rows[m],
/// the history being that sequence's events 0..positions[m] (later events unseen). int64 rows
/// and positions (>= 0; -1, the empty history, where a model allows it); offsets >= 0.
using HistoryIntensityFunction = std::function<torch::Tensor(
    const torch::Tensor& rows, const torch::Tensor& positions, const torch::Tensor& offsets)>;

/// A point process whose conditional intensity lambda_k(t | history) can be read after any
/// prefix of any sequence of a batch. A model offers it through Model::intensity_function()
/// (nullptr when it has none) and declares `intensity` in its capabilities.
///
/// intensities_after() makes whatever single pass over the batch the model needs (a recurrent
/// state after every event, an attention layer's keys and values) and returns a function that
/// reads intensities from that pass; splitting the two keeps the cost of many queries on one
/// batch at one pass. The returned function refers to the model and must not outlive it.
///
/// Example:
///   IntensityFunction* intensity = model.intensity_function();
///   auto after = intensity->intensities_after(batch);   // "times", "types", "mask"
///   // lambda(t_3 + 0.5) of sequence 0, seeing events 0..3: [1, 1, K]
///   auto lambdas = after(torch::tensor({0L}), torch::tensor({3L}),
///                        torch::full({1, 1}, 0.5, torch::kDouble));
class IntensityFunction {
 public:
  virtual ~IntensityFunction() = default;

  /// K, the number of event types: the last dimension of every intensity tensor.
  virtual int64_t num_event_types() const = 0;
  /// One pass over `batch` ("times", "types", "mask" as the model reads them); the result reads
  /// the intensities after any of its events.
  virtual HistoryIntensityFunction intensities_after(const Batch& batch) = 0;
};

}  // namespace evergreen
