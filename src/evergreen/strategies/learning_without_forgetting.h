// LwF (Li & Hoiem, ECCV 2016): keep the model as it was after the previous experience and add
// lambda * distillation(f(x), f_old(x)) on the new data, the loss the model's output kind calls
// for: T^2 KL of the softened class distributions on logits, MSE on regression outputs (the
// regression analogue of distilling the old model's soft labels).
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct LearningWithoutForgettingOptions {
  TORCH_ARG(double, lambda) = 1.0;
  /// Softmax temperature of the distillation on logits (regression outputs use the MSE).
  TORCH_ARG(double, temperature) = 2.0;
};

/// Runs `model` on `batch` with its parameters temporarily set to `values` (flat), without
/// gradient. Used for the frozen copy of a previous model without a second module instance.
Batch forward_with_values(Model& model, FlatParameters& parameters, const torch::Tensor& values,
                          const Batch& batch);

class LearningWithoutForgettingStrategy : public Strategy {
 public:
  explicit LearningWithoutForgettingStrategy(const LearningWithoutForgettingOptions& options);
  Batch before_step(TrainingContext& context, const Batch& batch) override;
  torch::Tensor extra_loss(TrainingContext& context, const Batch& batch,
                           const Batch& outputs) override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override;

 private:
  LearningWithoutForgettingOptions options_;
  torch::Tensor previous_values_;
};

/// Reads lambda and temperature.
std::unique_ptr<Strategy> make_learning_without_forgetting(Options& options);

}  // namespace evergreen
