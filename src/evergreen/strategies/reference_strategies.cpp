#include "evergreen/strategies/reference_strategies.h"

namespace evergreen {

void RetrainStrategy::before_experience(TrainingContext& context, const Experience& experience) {
  if (!initial_values_.defined()) {
    initial_values_ = context.parameters.values().detach().clone();
    return;
  }
  torch::NoGradGuard no_grad;
  context.parameters.values().copy_(initial_values_);
  if (context.optimizer) context.optimizer->reset();
}

void RetrainStrategy::save(torch::serialize::OutputArchive& archive) const {
  if (initial_values_.defined()) archive.write("retrain_initial_values", initial_values_);
}

void RetrainStrategy::load(torch::serialize::InputArchive& archive) {
  torch::Tensor values;
  if (archive.try_read("retrain_initial_values", values)) initial_values_ = values;
}

std::unique_ptr<Strategy> make_retrain(Options&) { return std::make_unique<RetrainStrategy>(); }

std::unique_ptr<Strategy> make_pretrain(Options&) { return std::make_unique<PretrainStrategy>(); }

}  // namespace evergreen
