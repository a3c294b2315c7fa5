// GDumb (Prabhu, Torr & Dokania, ECCV 2020): a greedy class-balanced sampler fills the memory
// from the stream (class_balanced_memory.h), and before every evaluation the model is retrained
// from its initial weights on the memory alone; the stream itself is never trained on. At
// evaluation classes absent from the memory are masked, as the paper does for its
// class-incremental formulation: they rank below every class in memory (keeping their order among
// themselves, so that a task-IL score on a task without classes in memory is not a tie).
//
// The retraining runs in after_experience, which has the run's generator and the experience's
// rows (the trainer asks for training_data before any hook with a context): the sampler is
// offered every row of the experience in order, the initial weights and a fresh optimiser are
// restored, and the model trains `epochs` epochs on the memory alone, each a new shuffle, in
// steps of the trainer's batch size with the trainer's optimiser (plain SGD at the trainer's
// learning rate in the Mammoth protocol); the rows count as extra training rows for FLOPs. The
// trainer's own pass is cut to the experience's first row (training_data), since the rows must
// not be learned from; its effect is overwritten when the initial weights are restored.
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/class_balanced_memory.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct GdumbOptions {
  TORCH_ARG(int64_t, memory_size) = 200;
  /// Epochs over the memory at every retraining. The paper trains far longer (hundreds of epochs
  /// with warm restarts); 10 epochs over a small memory already cost little next to one pass over
  /// an experience.
  TORCH_ARG(int64_t, epochs) = 10;
  TORCH_ARG(bool, mask_unseen_classes) = true;
};

/// Example (YAML): strategies: [{name: gdumb, memory_size: 500, epochs: 10}]
class GdumbStrategy : public Strategy {
 public:
  explicit GdumbStrategy(const GdumbOptions& options);
  Batch training_data(const Experience& experience) override;
  void before_experience(TrainingContext& context, const Experience& experience) override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  std::map<std::string, double> evaluate(Model& model, const Batch& test) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override;
  const ClassBalancedMemory& class_balanced_memory() const { return memory_; }
  /// The parameters the model had before it first trained (undefined until then).
  const torch::Tensor& initial_values() const { return initial_values_; }

 private:
  GdumbOptions options_;
  ClassBalancedMemory memory_;
  torch::Tensor initial_values_;
};

/// Reads memory_size, epochs and mask_unseen_classes.
std::unique_ptr<Strategy> make_gdumb(Options& options);

}  // namespace evergreen
