// The model contract: every model is a torch::nn::Module that maps a Batch to a Batch.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "evergreen/core/batch.h"
#include "evergreen/data/experience.h"

namespace evergreen {

/// The metric the metric matrix stores, with its direction.
struct MainMetric {
  std::string name;
  bool higher_is_better = false;
};

/// Base of all models.
///
/// Keys: a model documents which batch keys it reads and which outputs it writes. Every model
/// writes "prediction"; models usable for hint-based learning also write "hint" (the
/// penultimate representation).
class Model : public torch::nn::Module {
 public:
  /// Called once with the whole stream before training (e.g. to take its target scaling).
  virtual void prepare(const Stream& stream) {}
  virtual Batch forward(const Batch& batch) = 0;
  /// Mean training loss of `outputs` against `batch` (a scalar with gradient).
  virtual torch::Tensor loss(const Batch& batch, const Batch& outputs) = 0;
  /// -log p(batch | model), summed over the batch's rows: the likelihood behind the loss, for
  /// strategies that need one (EWC's Fisher). Forecasters: a unit-variance Gaussian; point
  /// processes: their NLL. The default treats the loss as a mean per row.
  virtual torch::Tensor negative_log_likelihood(const Batch& batch, const Batch& outputs) {
    return loss(batch, outputs) * static_cast<double>(batch.size());
  }
  /// Metrics on a whole split, in the data's original units; must include main_metric().name.
  virtual std::map<std::string, double> evaluate(const Batch& batch) = 0;
  virtual MainMetric main_metric() const = 0;
  /// Multiply-accumulates of one forward pass over one row (see docs/green.md for the convention).
  virtual int64_t forward_macs_per_row() const = 0;
  /// Dimension of the "hint" output, or 0 when the model has none.
  virtual int64_t hint_size() const { return 0; }
};

}  // namespace evergreen
