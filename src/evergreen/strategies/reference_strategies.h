// Two references of the streaming-TPP literature (Xue et al. 2023 compare PromptTPP with both):
// Retrain, which forgets everything and learns each window from scratch, and Pretrain, which
// learns the first window only and then stays fixed.
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

/// Restores the initial parameters and a fresh optimiser before every experience.
class RetrainStrategy : public Strategy {
 public:
  void before_experience(TrainingContext& context, const Experience& experience) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  torch::Tensor initial_values_;
};

/// Trains on the first experience only.
class PretrainStrategy : public Strategy {
 public:
  bool learns_from(const TrainingContext& context) const override {
    return context.experience_index == 0;
  }
};

/// Retrain and Pretrain read no options.
std::unique_ptr<Strategy> make_retrain(Options& options);
std::unique_ptr<Strategy> make_pretrain(Options& options);

}  // namespace evergreen
