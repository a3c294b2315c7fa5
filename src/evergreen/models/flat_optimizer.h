// The optimiser interface the trainer and strategies share: one update of a flat parameter buffer
// (see flat_parameters.h) per step, with state that travels in the checkpoint.
#pragma once

#include <torch/torch.h>

#include <string>

namespace evergreen {

/// Example:
///   std::unique_ptr<FlatOptimizer> optimizer = make_flat_optimizer(parameters, options);
///   loss.backward(); optimizer->step(); parameters.zero_gradients();
class FlatOptimizer {
 public:
  virtual ~FlatOptimizer() = default;
  virtual void step() = 0;
  /// Forgets the optimiser's state (a fresh optimiser on the same parameters).
  virtual void reset() = 0;
  virtual double learning_rate() const = 0;
  /// Sets the learning rate of the next steps (a schedule's).
  virtual void set_learning_rate(double learning_rate) = 0;
  /// Archive keys start with `prefix` (two optimisers may share one checkpoint).
  virtual void save(torch::serialize::OutputArchive& archive, const std::string& prefix) const = 0;
  virtual void load(torch::serialize::InputArchive& archive, const std::string& prefix) = 0;
};

}  // namespace evergreen
