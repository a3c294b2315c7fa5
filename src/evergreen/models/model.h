// The model contract: every model is a torch::nn::Module that maps a Batch to a Batch.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "evergreen/core/batch.h"
#include "evergreen/data/experience.h"

namespace evergreen {

class IntensityFunction;  // models/tpp/intensity_function.h
class PromptAttachment;   // models/prompt_attachment.h

/// What a model's "prediction" output holds: it decides how outputs are distilled.
enum class OutputKind {
  kRegression,          ///< values in standardised units (forecasters): MSE
  kLogits,              ///< class scores before the softmax: logit MSE (DER) or KL (LwF)
  kSequenceLikelihood,  ///< log-likelihood per sequence (point processes): MSE
};

const char* output_kind_name(OutputKind kind);

/// What a model offers strategies, declared so that a plan can check a strategy's needs before
/// anything trains.
struct ModelCapabilities {
  OutputKind output = OutputKind::kRegression;
  bool hint = false;       ///< writes "hint", a penultimate representation (hint_size() wide)
  bool prompts = false;    ///< exposes prompt attachment points (prompt_attachment())
  bool intensity = false;  ///< a point process with an intensity function (thinning)
};

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
  /// The metrics of `outputs` for `batch`, where a strategy changes the outputs before they are
  /// scored (iCaRL's nearest-mean classifier). Models that support it override it.
  virtual std::map<std::string, double> evaluate_outputs(const Batch& batch,
                                                         const Batch& outputs);
  /// What "prediction" holds and which extension points the model offers.
  virtual ModelCapabilities capabilities() const { return {}; }
  /// The loss that pulls `outputs` towards a teacher's `teacher_prediction` (same shape), as the
  /// output kind calls for: logits with `temperature` > 0 give T^2 KL(softmax(t/T) || softmax(s/T))
  /// (Hinton et al. 2015); everything else, and temperature 0, the mean squared error.
  virtual torch::Tensor distillation_loss(const Batch& outputs,
                                          const torch::Tensor& teacher_prediction,
                                          double temperature = 0.0);
  virtual MainMetric main_metric() const = 0;
  /// Multiply-accumulates of one forward pass over one row (see docs/green.md for the convention).
  virtual int64_t forward_macs_per_row() const = 0;
  /// Dimension of the "hint" output, or 0 when the model has none.
  virtual int64_t hint_size() const { return 0; }
  /// The model's prompt attachment points (capabilities().prompts), or nullptr: the seam through
  /// which prompt strategies reach its layers without knowing its class.
  virtual PromptAttachment* prompt_attachment() { return nullptr; }
  /// The model's conditional intensity (capabilities().intensity), or nullptr: the seam through
  /// which next-event prediction reads a point process without knowing its class.
  virtual IntensityFunction* intensity_function() { return nullptr; }
};

}  // namespace evergreen
