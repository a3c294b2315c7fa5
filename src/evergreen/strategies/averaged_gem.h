// A-GEM (Chaudhry et al., ICLR 2019): a reference gradient g_ref from a memory batch; when the
// step's gradient g conflicts with it (g . g_ref < 0) it is projected:
//   g <- g - (g . g_ref / g_ref . g_ref) g_ref,
// so the loss on the memory does not increase to first order. The memory is filled by
// reservoir sampling over every training row seen.
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/replay_memory.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct AveragedGemOptions {
  TORCH_ARG(ReplayMemoryOptions, memory);     ///< size and selection rule (replay_memory.h)
  TORCH_ARG(int64_t, replay_batch_size) = 0;  ///< 0: the training batch size
};

/// The A-GEM projection of `gradient` against `reference` (both flat), returned as a new tensor.
torch::Tensor averaged_gem_project(const torch::Tensor& gradient, const torch::Tensor& reference);

class AveragedGemStrategy : public Strategy {
 public:
  explicit AveragedGemStrategy(const AveragedGemOptions& options);
  void after_backward(TrainingContext& context) override;
  void after_step(TrainingContext& context, const Batch& batch) override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override { return {buffer_.size(), buffer_.bytes()}; }

 private:
  AveragedGemOptions options_;
  ReplayMemory buffer_;
  torch::Tensor step_gradient_;  // scratch
};

/// Reads memory_size, selection (and its options) and replay_batch_size.
std::unique_ptr<Strategy> make_averaged_gem(Options& options);

}  // namespace evergreen
