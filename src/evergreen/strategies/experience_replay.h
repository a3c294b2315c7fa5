// Experience replay (ER): a reservoir-sampled memory; every step trains on the new batch plus
// an equally sized batch drawn from the memory (Chaudhry et al. 2019, "On tiny episodic
// memories"; Mammoth's `er`).
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/replay_memory.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct ExperienceReplayOptions {
  TORCH_ARG(ReplayMemoryOptions, memory);     ///< size and selection rule (replay_memory.h)
  TORCH_ARG(int64_t, replay_batch_size) = 0;  ///< 0: the training batch size
};

class ExperienceReplayStrategy : public Strategy {
 public:
  explicit ExperienceReplayStrategy(const ExperienceReplayOptions& options);
  Batch before_step(TrainingContext& context, const Batch& batch) override;
  void after_step(TrainingContext& context, const Batch& batch) override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override { return {buffer_.size(), buffer_.bytes()}; }

 private:
  ExperienceReplayOptions options_;
  ReplayMemory buffer_;
};

/// The replay batch size an option asks for (0 means "as large as the training batch").
int64_t replay_batch_size(int64_t option, const TrainingContext& context);

/// Reads memory_size, selection (and its options) and replay_batch_size.
std::unique_ptr<Strategy> make_experience_replay(Options& options);

}  // namespace evergreen
