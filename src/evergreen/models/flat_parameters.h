// A module's parameters and gradients as two flat buffers: each parameter is a view into them.
// Optimisers and gradient-based strategies then work on one tensor instead of looping over many,
// which is what dominates the cost of small models (one op per parameter per update).
#pragma once

#include <torch/torch.h>

namespace evergreen {

/// Example:
///   FlatParameters parameters(*model);
///   loss.backward();                 // gradients accumulate into parameters.gradients()
///   parameters.values() -= 0.1 * parameters.gradients();
///   parameters.zero_gradients();
class FlatParameters {
 public:
  FlatParameters() = default;
  /// Moves every parameter of `module` into one buffer (values are kept).
  explicit FlatParameters(torch::nn::Module& module);

  torch::Tensor& values() { return values_; }
  torch::Tensor& gradients() { return gradients_; }
  const torch::Tensor& values() const { return values_; }
  const torch::Tensor& gradients() const { return gradients_; }
  int64_t size() const { return values_.defined() ? values_.numel() : 0; }
  void zero_gradients() { gradients_.zero_(); }

 private:
  torch::Tensor values_;
  torch::Tensor gradients_;
};

}  // namespace evergreen
