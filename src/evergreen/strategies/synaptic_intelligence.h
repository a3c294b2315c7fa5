// Synaptic Intelligence (Zenke, Poole & Ganguli, ICML 2017). Along the training trajectory of an
// experience every parameter accumulates its contribution to the decrease of the task loss, the
// path integral w_k = sum over steps of -g_k * delta_k, where g is the gradient of the task loss
// at the step and delta the change the optimiser made to the parameter. At the end of the
// experience the importance grows by Omega_k += w_k / ((theta_k,end - theta_k,start)^2 + xi),
// w is reset and theta* = theta_end; training then adds the surrogate penalty
//   c * sum_k Omega_k (theta_k - theta*_k)^2.
//
// Choices: the path integral is the paper's exact per-step product -g * delta with the optimiser's
// actual update (any optimiser), not the approximation lr * g^2 that holds for plain SGD only
// (Mammoth's), and g is the gradient of the task loss without the penalty, since w measures what
// a parameter did for the task. The penalty enters as its exact gradient 2 c Omega (theta - theta*)
// added to the flat gradient after backward (as EWC here), so the reported training loss is the
// task loss alone. Omega is not clipped: a parameter that the penalty dragged against its task
// gradient may get a small negative importance, as the definition allows.
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct SynapticIntelligenceOptions {
  TORCH_ARG(double, c) = 0.5;   ///< penalty strength
  TORCH_ARG(double, xi) = 1.0;  ///< damping of the importance's denominator
};

/// Example (YAML): strategies: [{name: si, c: 0.5, xi: 1.0}]
class SynapticIntelligenceStrategy : public Strategy {
 public:
  explicit SynapticIntelligenceStrategy(const SynapticIntelligenceOptions& options);
  void before_experience(TrainingContext& context, const Experience& experience) override;
  void after_backward(TrainingContext& context) override;
  void after_step(TrainingContext& context, const Batch& batch) override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override;

  /// Per-parameter importance Omega (flat; undefined before the first experience ends).
  const torch::Tensor& importance() const { return importance_; }
  /// The running path integral w of the current experience (flat).
  const torch::Tensor& path_integral() const { return path_integral_; }
  /// The penalty c * sum Omega (theta - theta*)^2 at `parameters` (0 before the first experience
  /// ends).
  double penalty(const FlatParameters& parameters) const;

 private:
  SynapticIntelligenceOptions options_;
  torch::Tensor importance_;     // Omega
  torch::Tensor anchor_;         // theta*, the parameters at the end of the last experience
  torch::Tensor path_integral_;  // w
  torch::Tensor start_values_;   // theta at the start of the current experience
  torch::Tensor task_gradient_;  // scratch: g of the step, before the penalty is added
  torch::Tensor values_before_;  // scratch: theta before the step
};

/// Reads c and xi.
std::unique_ptr<Strategy> make_synaptic_intelligence(Options& options);

}  // namespace evergreen
