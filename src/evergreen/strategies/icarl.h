// iCaRL (Rebuffi, Kolesnikov, Sperl & Lampert, CVPR 2017): class-incremental learning with an
// exemplar memory chosen by herding, a distillation loss, and a nearest-mean-of-exemplars (NME)
// classifier.
//
// - Memory: `memory_size` rows in all, m = memory_size / (classes seen) per class. After each
//   experience the exemplars of the classes it held are chosen by herding on L2-normalised "hint"
//   features (herding_selection) from the class's new rows and the exemplars it already had;
//   every other class keeps the first m of its exemplars, the herding order making that prefix
//   the best m-subset herding found.
// - Loss: binary cross-entropy on the logits of the classes seen so far (rows x classes, mean):
//   one-hot targets for the classes of the current experience, and for the older classes the
//   sigmoid outputs of the previous model (a frozen copy of the parameters at the end of the last
//   experience). The trainer adds the model's own loss (cross-entropy); extra_loss returns
//   BCE - CE, so the step minimises the BCE alone.
// - Replay: each step's batch is joined by `replay_batch_size` exemplar rows drawn uniformly
//   without replacement (the paper trains on the union of new rows and exemplars; drawing a fixed
//   number per step keeps the step cost bounded).
// - Evaluation: class means of the normalised exemplar features (re-normalised, as the paper does
//   for every operation on features), computed with the current model; the score of a class is
//   minus the distance to its mean. Classes without exemplars rank below every class with one,
//   ordered among themselves by the model's logits.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct IcarlOptions {
  TORCH_ARG(int64_t, memory_size) = 200;
  TORCH_ARG(int64_t, replay_batch_size) = 0;  ///< 0: the training batch size
};

/// The first `count` rows of `features` [N, D] chosen by herding (Welling 2009, as iCaRL's
/// exemplar construction): the k-th pick is the unpicked row that brings the mean of the picks
/// closest (L2) to the mean of all rows. Returns row indices in pick order (all rows when
/// count >= N). The features are used as given; iCaRL normalises them first.
///
/// Example:
///   auto order = herding_selection(torch::nn::functional::normalize(hints, {}), 20);
std::vector<int64_t> herding_selection(const torch::Tensor& features, int64_t count);

/// Minus the L2 distance of every row of `features` [N, D] to every row of `means` [C, D]: the
/// scores [N, C] of the nearest-mean classifier.
torch::Tensor nearest_mean_scores(const torch::Tensor& features, const torch::Tensor& means);

/// Example (YAML): strategies: [{name: icarl, memory_size: 200, replay_batch_size: 10}]
class IcarlStrategy : public Strategy {
 public:
  explicit IcarlStrategy(const IcarlOptions& options);
  void before_experience(TrainingContext& context, const Experience& experience) override;
  Batch before_step(TrainingContext& context, const Batch& batch) override;
  torch::Tensor extra_loss(TrainingContext& context, const Batch& batch,
                           const Batch& outputs) override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  std::map<std::string, double> evaluate(Model& model, const Batch& test) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override;

  /// The exemplars of each class, in herding order.
  const std::map<int64_t, Batch>& exemplars() const { return exemplars_; }
  /// iCaRL's BCE on a batch, over the classes seen so far (those of the finished experiences and
  /// of the current one); old classes take the previous model's sigmoid outputs as targets when
  /// the batch holds them ("teacher_prediction", set by before_step).
  torch::Tensor classification_distillation_loss(const Batch& batch, const Batch& outputs) const;

 private:
  void rebuild_replay_rows();

  IcarlOptions options_;
  std::map<int64_t, Batch> exemplars_;
  Batch replay_rows_;                  // every exemplar, in one batch (rebuilt when they change)
  std::set<int64_t> known_classes_;    // classes of the experiences finished
  std::set<int64_t> current_classes_;  // classes of the experience being trained
  torch::Tensor previous_values_;      // the frozen previous model
};

/// Reads memory_size and replay_batch_size.
std::unique_ptr<Strategy> make_icarl(Options& options);

}  // namespace evergreen
