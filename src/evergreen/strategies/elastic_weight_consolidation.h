// Online EWC (Kirkpatrick et al., PNAS 2017; online form of Schwarz et al., ICML 2018).
// After each experience the diagonal empirical Fisher F_new = mean_x (d/dtheta log p(y|x))^2 is
// estimated on training rows, F <- gamma F + F_new, theta* <- theta, and training adds the
// penalty (lambda / 2) sum_i F_i (theta_i - theta*_i)^2. The likelihood is the model's own
// (Model::negative_log_likelihood): for a forecaster a Gaussian with unit variance in
// standardised units, -log p = 0.5 ||y - f(x)||^2 + const; for a point process its NLL.
// The penalty's exact gradient lambda F (theta - theta*) is added to the flat gradient directly.
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct ElasticWeightConsolidationOptions {
  TORCH_ARG(double, lambda) = 100.0;
  TORCH_ARG(double, gamma) = 1.0;             ///< decay of the previous Fisher (online EWC)
  TORCH_ARG(int64_t, fisher_samples) = 256;   ///< training rows used per Fisher estimate
};

/// Diagonal empirical Fisher of `model` on the rows of `batch` (one backward per row), as a flat
/// tensor in the order of `parameters`.
torch::Tensor empirical_fisher_diagonal(Model& model, FlatParameters& parameters,
                                        const Batch& batch);

class ElasticWeightConsolidationStrategy : public Strategy {
 public:
  explicit ElasticWeightConsolidationStrategy(const ElasticWeightConsolidationOptions& options);
  void after_backward(TrainingContext& context) override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override;
  /// The penalty's value at the current parameters (0 before the first experience ends).
  double penalty(const FlatParameters& parameters) const;

 private:
  ElasticWeightConsolidationOptions options_;
  torch::Tensor fisher_;
  torch::Tensor anchor_;  // theta*
};

/// Reads lambda, gamma and fisher_samples.
std::unique_ptr<Strategy> make_elastic_weight_consolidation(Options& options);

}  // namespace evergreen
