#include "evergreen/strategies/dark_experience_replay.h"

#include "evergreen/strategies/experience_replay.h"
#include "evergreen/strategies/memory_options.h"

namespace evergreen {

DarkExperienceReplayStrategy::DarkExperienceReplayStrategy(
    const DarkExperienceReplayOptions& options)
    : options_(options), buffer_(options.memory()) {}

void DarkExperienceReplayStrategy::after_forward(TrainingContext& context, const Batch& batch,
                                                 const Batch& outputs) {
  step_outputs_ = outputs.at("prediction").detach();
}

torch::Tensor DarkExperienceReplayStrategy::extra_loss(TrainingContext& context,
                                                       const Batch& batch,
                                                       const Batch& outputs) {
  if (buffer_.size() == 0) return {};
  int64_t count = replay_batch_size(options_.replay_batch_size(), context);
  Batch logit_rows = buffer_.sample(count, context.generator);
  // DER matches stored outputs by their squared error, logits included (Buzzega et al. 2020).
  auto logit_term = context.model.distillation_loss(context.model.forward(logit_rows),
                                                    logit_rows.at("z"), /*temperature=*/0.0);
  Batch label_rows = buffer_.sample(count, context.generator);
  auto label_term = context.model.loss(label_rows, context.model.forward(label_rows));
  context.extra_training_rows += logit_rows.size() + label_rows.size();
  return options_.alpha() * logit_term + options_.beta() * label_term;
}

void DarkExperienceReplayStrategy::after_step(TrainingContext& context, const Batch& batch) {
  Batch rows = batch;
  rows.set("z", step_outputs_);
  buffer_.add(rows, context.generator);
}

void DarkExperienceReplayStrategy::after_experience(TrainingContext& context, const Experience& experience) {
  buffer_.end_experience(context);
}

void DarkExperienceReplayStrategy::save(torch::serialize::OutputArchive& archive) const {
  buffer_.save(archive, "der_buffer");
}

void DarkExperienceReplayStrategy::load(torch::serialize::InputArchive& archive) {
  buffer_.load(archive, "der_buffer");
}

std::unique_ptr<Strategy> make_dark_experience_replay(Options& options) {
  return std::make_unique<DarkExperienceReplayStrategy>(
      DarkExperienceReplayOptions()
          .memory(read_replay_memory_options(options))
          .replay_batch_size(read_replay_batch_size(options))
          .alpha(options.get<double>("alpha", 0.3, "weight of matching stored outputs"))
          .beta(options.get<double>("beta", 0.5, "weight of the replayed task loss")));
}

}  // namespace evergreen
