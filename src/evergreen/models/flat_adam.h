// Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019) on a flat parameter buffer: five
// tensor ops per step whatever the number of parameter tensors. Numerically it matches
// torch::optim::Adam / AdamW (no AMSGrad) update for update.
#pragma once

#include <torch/torch.h>

#include "evergreen/models/flat_optimizer.h"
#include "evergreen/models/flat_parameters.h"

namespace evergreen {

struct FlatAdamOptions {
  TORCH_ARG(double, learning_rate) = 1e-3;
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, epsilon) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.0;
  /// true: AdamW's decay of the values before the update; false: Adam's L2 term in the gradient.
  TORCH_ARG(bool, decoupled_weight_decay) = false;
};

/// Example:
///   FlatParameters parameters(*model);
///   FlatAdam adam(parameters, FlatAdamOptions().learning_rate(1e-3));
///   loss.backward(); adam.step(); parameters.zero_gradients();
class FlatAdam : public FlatOptimizer {
 public:
  FlatAdam(FlatParameters& parameters, const FlatAdamOptions& options);
  void step() override;
  double learning_rate() const override { return options_.learning_rate(); }
  void set_learning_rate(double learning_rate) override { options_.learning_rate(learning_rate); }
  /// Archive keys start with `prefix` (two optimisers may share one checkpoint).
  void save(torch::serialize::OutputArchive& archive,
            const std::string& prefix = "adam") const override;
  void load(torch::serialize::InputArchive& archive, const std::string& prefix = "adam") override;
  /// Forgets the moment estimates (a fresh optimiser on the same parameters).
  void reset() override;

 private:
  FlatParameters& parameters_;
  FlatAdamOptions options_;
  torch::Tensor first_moment_;
  torch::Tensor second_moment_;
  torch::Tensor denominator_;  // scratch, reused every step
  int64_t steps_ = 0;
};

}  // namespace evergreen
