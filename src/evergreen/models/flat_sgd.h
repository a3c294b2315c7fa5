// Stochastic gradient descent on a flat parameter buffer, with torch::optim::SGD's momentum and
// (L2) weight decay: the optimiser of the Mammoth protocol (plain SGD, learning rate only).
#pragma once

#include "evergreen/models/flat_optimizer.h"
#include "evergreen/models/flat_parameters.h"

namespace evergreen {

struct FlatSgdOptions {
  TORCH_ARG(double, learning_rate) = 0.01;
  TORCH_ARG(double, momentum) = 0.0;
  TORCH_ARG(double, weight_decay) = 0.0;  ///< added to the gradient as weight_decay * value
};

/// Example:
///   FlatSgd sgd(parameters, FlatSgdOptions().learning_rate(0.03));
///   loss.backward(); sgd.step(); parameters.zero_gradients();
class FlatSgd : public FlatOptimizer {
 public:
  FlatSgd(FlatParameters& parameters, const FlatSgdOptions& options);
  void step() override;
  void reset() override;
  double learning_rate() const override { return options_.learning_rate(); }
  void set_learning_rate(double learning_rate) override { options_.learning_rate(learning_rate); }
  void save(torch::serialize::OutputArchive& archive,
            const std::string& prefix = "sgd") const override;
  void load(torch::serialize::InputArchive& archive, const std::string& prefix = "sgd") override;

 private:
  FlatParameters& parameters_;
  FlatSgdOptions options_;
  torch::Tensor momentum_buffer_;  // undefined until the first step with momentum (as torch)
};

}  // namespace evergreen
