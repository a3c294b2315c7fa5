#include "evergreen/strategies/averaged_gem.h"

#include "evergreen/strategies/experience_replay.h"
#include "evergreen/strategies/memory_options.h"

namespace evergreen {

torch::Tensor averaged_gem_project(const torch::Tensor& gradient, const torch::Tensor& reference) {
  double dot = gradient.dot(reference).item<double>();
  if (dot >= 0) return gradient.clone();
  double reference_norm = reference.dot(reference).item<double>();
  if (reference_norm == 0) return gradient.clone();
  return gradient - (dot / reference_norm) * reference;
}

AveragedGemStrategy::AveragedGemStrategy(const AveragedGemOptions& options)
    : options_(options), buffer_(options.memory()) {}

void AveragedGemStrategy::after_backward(TrainingContext& context) {
  if (buffer_.size() == 0) return;
  auto& gradients = context.parameters.gradients();
  step_gradient_ = gradients.clone();
  context.parameters.zero_gradients();
  Batch rows =
      buffer_.sample(replay_batch_size(options_.replay_batch_size(), context), context.generator);
  context.model.loss(rows, context.model.forward(rows)).backward();
  context.extra_training_rows += rows.size();
  torch::NoGradGuard no_grad;
  gradients.copy_(averaged_gem_project(step_gradient_, gradients));
}

void AveragedGemStrategy::after_step(TrainingContext& context, const Batch& batch) {
  buffer_.add(batch, context.generator);
}

void AveragedGemStrategy::after_experience(TrainingContext& context, const Experience& experience) {
  buffer_.end_experience(context);
}

void AveragedGemStrategy::save(torch::serialize::OutputArchive& archive) const {
  buffer_.save(archive, "agem_buffer");
}

void AveragedGemStrategy::load(torch::serialize::InputArchive& archive) {
  buffer_.load(archive, "agem_buffer");
}

std::unique_ptr<Strategy> make_averaged_gem(Options& options) {
  return std::make_unique<AveragedGemStrategy>(
      AveragedGemOptions()
          .memory(read_replay_memory_options(options))
          .replay_batch_size(read_replay_batch_size(options)));
}

}  // namespace evergreen
