// DER++ (Buzzega et al., NeurIPS 2020): the memory keeps (x, y, z) with z the model's outputs
// when the row was stored; loss = task loss + alpha ||f(x_r) - z_r||^2 + beta task(x_r', y_r'),
// with r and r' two independent draws from the memory (reservoir-sampled as in the paper by
// default; any rule of replay_memory.h, e.g. DMSHM's density_shift).
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/replay_memory.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct DarkExperienceReplayOptions {
  TORCH_ARG(ReplayMemoryOptions, memory);     ///< size and selection rule (replay_memory.h)
  TORCH_ARG(int64_t, replay_batch_size) = 0;  ///< 0: the training batch size
  TORCH_ARG(double, alpha) = 0.3;             ///< weight of the output-matching (logit) term
  TORCH_ARG(double, beta) = 0.5;              ///< weight of the replayed task loss
};

class DarkExperienceReplayStrategy : public Strategy {
 public:
  explicit DarkExperienceReplayStrategy(const DarkExperienceReplayOptions& options);
  /// Appends the two memory draws (r for the stored outputs, r' for the labels) to the batch,
  /// so that one forward pass serves all three terms.
  Batch before_step(TrainingContext& context, const Batch& batch) override;
  void after_forward(TrainingContext& context, const Batch& batch, const Batch& outputs) override;
  /// The model's loss on every row but the draws + alpha * distillation on r + beta * the
  /// model's loss on r'.
  torch::Tensor step_loss(TrainingContext& context, const Batch& batch,
                          const Batch& outputs) override;
  void after_step(TrainingContext& context, const Batch& batch) override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override { return {buffer_.size(), buffer_.bytes()}; }

 private:
  DarkExperienceReplayOptions options_;
  ReplayMemory buffer_;
  torch::Tensor step_outputs_;  // the current step's outputs, stored with its rows after it
  // Where this step's draws sit in the step batch: rows [draws_begin_, + draw_rows_) are r,
  // the next draw_rows_ are r'; stored_outputs_ are r's outputs when they were stored.
  int64_t draws_begin_ = 0;
  int64_t draw_rows_ = 0;
  torch::Tensor stored_outputs_;
};

/// Reads memory_size, selection (and its options), replay_batch_size, alpha and beta.
std::unique_ptr<Strategy> make_dark_experience_replay(Options& options);

}  // namespace evergreen
