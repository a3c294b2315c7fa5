// Joint (cumulative) training: on experience i, train on the training data of experiences 1..i
// (Avalanche's Cumulative), continuing from the current weights. The costly upper bound.
#pragma once

#include <vector>

#include "evergreen/strategies/strategy.h"

namespace evergreen {

class JointStrategy : public Strategy {
 public:
  Batch training_data(const Experience& experience) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override { return {seen_.size(), seen_.bytes()}; }

 private:
  Batch seen_;  // every training row so far, kept as one batch
};

}  // namespace evergreen
