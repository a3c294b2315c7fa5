// DMSHM, after Hao et al., "Continual Learning in Predictive Autoscaling" (CIKM 2023).
//
// Memory: after each period n the memory M_n is drawn without replacement from
// M_{n-1} union S_n (S_n the period's training windows), with probability proportional to
//   w_i = exp(density_weight * z(-log p_all(e_i)) + shift_weight * z(-log p_old(e_i)))
// where e_i is the window's embedding (the model's hint representation, or the raw window),
// p_all the Gaussian KDE over all candidates (leave-one-out: DensityScore, low for windows in
// dense, overlapping regions), p_old the KDE over the previous memory (ShiftLevelScore, high for
// windows unlikely under what was kept), and z(.) standardises a score over the candidates so
// that the two weights are comparable. Learning: each step trains on the new batch plus a batch
// drawn from memory, and a FitNets-style hint loss regresses the new model's hint onto the
// previous model's through a linear regressor on the memory rows:
//   hint_weight * 0.5 * mean ||h_old(x_m) - r(h_new(x_m))||^2.
// The paper does not publish these formulas; docs/autoscaling.md documents every choice.
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct DmshmOptions {
  TORCH_ARG(int64_t, memory_size) = 200;           ///< rows; 0: use memory_fraction
  TORCH_ARG(double, memory_fraction) = 0.0;        ///< of the training rows seen so far (if > 0)
  TORCH_ARG(int64_t, replay_batch_size) = 0;       ///< 0: the training batch size
  TORCH_ARG(double, density_weight) = 1.0;         ///< 0: shift-only ablation
  TORCH_ARG(double, shift_weight) = 1.0;           ///< 0: density-only ablation
  TORCH_ARG(double, hint_weight) = 1.0;            ///< 0: no-hint ablation
  TORCH_ARG(std::string, density_space) = "hint";  ///< "hint" or "window" (x and y, standardised)
};

/// The selection scores of `candidates` ([n, d] embeddings) given which rows came from the old
/// memory (`old_rows`, a bool mask); returns log weights (unnormalised).
torch::Tensor dmshm_log_weights(const torch::Tensor& candidates, const torch::Tensor& old_rows,
                                double density_weight, double shift_weight);

/// `count` distinct row indices drawn without replacement with probability proportional to
/// exp(log_weights) (Gumbel-top-k, equivalent to successive weighted draws).
torch::Tensor weighted_sample_without_replacement(const torch::Tensor& log_weights, int64_t count,
                                                  torch::Generator& generator);

class DmshmStrategy : public Strategy {
 public:
  explicit DmshmStrategy(const DmshmOptions& options);
  void before_experience(TrainingContext& context, const Experience& experience) override;
  Batch before_step(TrainingContext& context, const Batch& batch) override;
  torch::Tensor extra_loss(TrainingContext& context, const Batch& batch,
                           const Batch& outputs) override;
  std::vector<ParameterGroup> parameter_groups() override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override;

 private:
  int64_t budget() const;
  torch::Tensor embed(TrainingContext& context, const Batch& rows) const;
  void ensure_regressor(int64_t hint_size);

  DmshmOptions options_;
  Batch memory_;
  int64_t rows_seen_ = 0;
  torch::Tensor previous_values_;  // the model after the previous period (hint teacher)
  // The hint regressor r(h) = W h + b, reset to the identity at every period (so it holds no
  // state between periods and draws no random numbers).
  std::shared_ptr<torch::nn::Module> regressor_;
  torch::Tensor regressor_weight_;
  torch::Tensor regressor_bias_;
  FlatParameters regressor_parameters_;  // updated by the trainer's optimiser (a parameter group)
  int64_t replay_rows_ = 0;              // memory rows appended to the current step's batch
};

/// Reads memory_size, memory_fraction, replay_batch_size, density_weight, shift_weight,
/// hint_weight and density_space.
std::unique_ptr<Strategy> make_dmshm(Options& options);

}  // namespace evergreen
