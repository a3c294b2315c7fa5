// Joint (cumulative) training: on experience i, train on the training data of experiences 1..i
// (Avalanche's Cumulative), continuing from the current weights. The costly upper bound. With
// `offline`, train once, after the last experience, on all of them (Mammoth's JOINT).
#pragma once

#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

class JointStrategy : public Strategy {
 public:
  explicit JointStrategy(bool offline = false) : offline_(offline) {}
  Batch training_data(const Experience& experience) override;
  bool learns_from(const TrainingContext& context) const override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override { return {seen_.size(), seen_.bytes()}; }

 private:
  bool offline_;
  Batch seen_;  // every training row so far, kept as one batch
};

/// Reads offline.
std::unique_ptr<Strategy> make_joint(Options& options);

}  // namespace evergreen
