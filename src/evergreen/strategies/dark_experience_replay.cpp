#include "evergreen/strategies/dark_experience_replay.h"

#include "evergreen/strategies/experience_replay.h"
#include "evergreen/strategies/memory_options.h"
#include "evergreen/strategies/weight_options.h"

namespace evergreen {

DarkExperienceReplayStrategy::DarkExperienceReplayStrategy(
    const DarkExperienceReplayOptions& options)
    : options_(options), buffer_(options.memory()) {}

Batch DarkExperienceReplayStrategy::before_step(TrainingContext& context, const Batch& batch) {
  draws_begin_ = batch.size();
  draw_rows_ = 0;
  if (buffer_.size() == 0) return batch;
  const int64_t count = replay_batch_size(options_.replay_batch_size(), context);
  Batch logit_rows = buffer_.sample(count, context.generator);
  Batch label_rows = buffer_.sample(count, context.generator);
  draw_rows_ = logit_rows.size();
  stored_outputs_ = logit_rows.at("z");
  logit_rows.erase("z");
  label_rows.erase("z");
  return Batch::cat({batch, logit_rows, label_rows});
}

void DarkExperienceReplayStrategy::after_forward(TrainingContext& context, const Batch& batch,
                                                 const Batch& outputs) {
  step_outputs_ = outputs.at("prediction").detach();
}

torch::Tensor DarkExperienceReplayStrategy::step_loss(TrainingContext& context, const Batch& batch,
                                                      const Batch& outputs) {
  if (draw_rows_ == 0) return {};
  const int64_t logits_end = draws_begin_ + draw_rows_, labels_end = logits_end + draw_rows_;
  // Rows a stacked strategy appended after the draws are scored as the new rows are.
  auto others = [&](const Batch& rows) {
    if (labels_end == rows.size()) return rows.slice(0, draws_begin_);
    return Batch::cat({rows.slice(0, draws_begin_), rows.slice(labels_end, rows.size())});
  };
  auto task_term = context.model.loss(others(batch), others(outputs));
  // DER matches stored outputs by their squared error, logits included (Buzzega et al. 2020).
  auto logit_term = context.model.distillation_loss(outputs.slice(draws_begin_, logits_end),
                                                    stored_outputs_, /*temperature=*/0.0);
  auto label_term = context.model.loss(batch.slice(logits_end, labels_end),
                                       outputs.slice(logits_end, labels_end));
  return task_term + options_.alpha() * logit_term + options_.beta() * label_term;
}

void DarkExperienceReplayStrategy::after_step(TrainingContext& context, const Batch& batch) {
  Batch rows = batch;
  rows.set("z", step_outputs_.slice(0, 0, batch.size()));
  buffer_.add(rows, context.generator);
}

void DarkExperienceReplayStrategy::after_experience(TrainingContext& context,
                                                    const Experience& experience) {
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
          .alpha(read_weight(options, "alpha", 0.3, "weight of matching stored outputs"))
          .beta(read_weight(options, "beta", 0.5, "weight of the replayed task loss")));
}

}  // namespace evergreen
