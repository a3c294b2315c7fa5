#include "evergreen/strategies/learning_without_forgetting.h"

#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/strategies/weight_options.h"

namespace evergreen {

Batch forward_with_values(Model& model, FlatParameters& parameters, const torch::Tensor& values,
                          const Batch& batch) {
  torch::NoGradGuard no_grad;
  auto current = parameters.values().clone();
  parameters.values().copy_(values);
  Batch outputs = model.forward(batch);
  parameters.values().copy_(current);
  return outputs;
}

LearningWithoutForgettingStrategy::LearningWithoutForgettingStrategy(
    const LearningWithoutForgettingOptions& options)
    : options_(options) {}

Batch LearningWithoutForgettingStrategy::before_step(TrainingContext& context, const Batch& batch) {
  if (!previous_values_.defined()) return batch;
  // The teacher runs before the step's forward pass: swapping parameters afterwards would
  // invalidate the tensors autograd saved for backward.
  Batch with_teacher = batch;
  context.extra_inference_rows += batch.size();
  with_teacher.set("teacher_prediction",
                   forward_with_values(context.model, context.parameters, previous_values_, batch)
                       .at("prediction"));
  return with_teacher;
}

torch::Tensor LearningWithoutForgettingStrategy::extra_loss(TrainingContext& context,
                                                            const Batch& batch,
                                                            const Batch& outputs) {
  if (!batch.contains("teacher_prediction")) return {};
  return options_.lambda() * context.model.distillation_loss(
                                 outputs, batch.at("teacher_prediction"), options_.temperature());
}

void LearningWithoutForgettingStrategy::after_experience(TrainingContext& context,
                                                         const Experience& experience) {
  previous_values_ = context.parameters.values().detach().clone();
}

MemoryUsage LearningWithoutForgettingStrategy::memory() const {
  if (!previous_values_.defined()) return {};
  return {0, previous_values_.numel() * previous_values_.element_size()};
}

void LearningWithoutForgettingStrategy::save(torch::serialize::OutputArchive& archive) const {
  if (previous_values_.defined()) archive.write("lwf_previous_values", previous_values_);
}

void LearningWithoutForgettingStrategy::load(torch::serialize::InputArchive& archive) {
  torch::Tensor values;
  if (archive.try_read("lwf_previous_values", values)) previous_values_ = values;
}

std::unique_ptr<Strategy> make_learning_without_forgetting(Options& options) {
  auto lambda =
      read_weight(options, "lambda", 1.0, "weight of matching the previous model's outputs");
  auto temperature = options.get<double>(
      "temperature", 2.0, "softmax temperature of the distillation (logits only; 0: logit MSE)");
  EVERGREEN_CHECK_INPUT(temperature >= 0 && std::isfinite(temperature),
                        "{}: expected a finite temperature > 0 (or 0: logit MSE), got {}",
                        options.where("temperature"), temperature);
  return std::make_unique<LearningWithoutForgettingStrategy>(
      LearningWithoutForgettingOptions().lambda(lambda).temperature(temperature));
}

}  // namespace evergreen
