#include "evergreen/strategies/experience_replay.h"

#include "evergreen/strategies/memory_options.h"

namespace evergreen {

int64_t replay_batch_size(int64_t option, const TrainingContext& context) {
  return option > 0 ? option : context.batch_size;
}

ExperienceReplayStrategy::ExperienceReplayStrategy(const ExperienceReplayOptions& options)
    : options_(options), buffer_(options.memory()) {}

Batch ExperienceReplayStrategy::before_step(TrainingContext& context, const Batch& batch) {
  if (buffer_.size() == 0) return batch;
  Batch replay =
      buffer_.sample(replay_batch_size(options_.replay_batch_size(), context), context.generator);
  return Batch::cat({batch, replay});
}

void ExperienceReplayStrategy::after_step(TrainingContext& context, const Batch& batch) {
  buffer_.add(batch, context.generator);
}

void ExperienceReplayStrategy::after_experience(TrainingContext& context,
                                                const Experience& experience) {
  buffer_.end_experience(context);
}

void ExperienceReplayStrategy::save(torch::serialize::OutputArchive& archive) const {
  buffer_.save(archive, "er_buffer");
}

void ExperienceReplayStrategy::load(torch::serialize::InputArchive& archive) {
  buffer_.load(archive, "er_buffer");
}

std::unique_ptr<Strategy> make_experience_replay(Options& options) {
  return std::make_unique<ExperienceReplayStrategy>(
      ExperienceReplayOptions()
          .memory(read_replay_memory_options(options))
          .replay_batch_size(read_replay_batch_size(options)));
}

}  // namespace evergreen
