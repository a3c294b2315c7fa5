// The strategy hook interface: every continual-learning method wraps the same training loop.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "evergreen/core/batch.h"
#include "evergreen/data/experience.h"
#include "evergreen/models/flat_optimizer.h"
#include "evergreen/models/flat_parameters.h"
#include "evergreen/models/model.h"

namespace evergreen {

/// What a strategy may touch during training.
struct TrainingContext {
  Model& model;
  FlatParameters& parameters;   ///< the model's parameters and gradients as flat buffers
  torch::Generator& generator;  ///< the run's only random source after initialisation
  int64_t experience_index = 0;
  int64_t batch_size = 32;
  /// Rows a strategy passes through the model besides the step batch, so that FLOP accounting
  /// sees them: with a backward pass (memory gradients, Fisher estimates) and forward only
  /// (teachers, embeddings).
  int64_t extra_training_rows = 0;
  int64_t extra_inference_rows = 0;
  /// The trainer's optimiser, for strategies that restart learning (Retrain, GDumb).
  FlatOptimizer* optimizer = nullptr;
  /// The stream's typed facts (classes per task, number of classes, ...); null outside a run.
  const StreamSpec* spec = nullptr;
};

/// What a strategy needs from the model and the stream, declared in its registry row so that a
/// plan can refuse an unfit pair before anything trains (see fit_problem in run/compatibility.h).
struct StrategyNeeds {
  bool hint = false;            ///< the model writes "hint" (hint-based learning, iCaRL's means)
  bool prompts = false;         ///< prompt attachment points (prompt pools)
  bool logits = false;          ///< class logits (iCaRL's sigmoid distillation)
  bool regression = false;      ///< regression outputs on windows "x" -> "y" (DMSHM)
  bool classification = false;  ///< a classification stream (labels "y", tasks "task")
  bool class_split = false;     ///< a class-incremental split (classes_per_task > 0)
};

/// Parameters a strategy brings besides the model's (a prompt pool, a hint regressor). The
/// trainer updates them with its own optimiser kind, after the model's update at every step, and
/// keeps their optimiser state in its checkpoint; the strategy keeps their values.
struct ParameterGroup {
  std::string name;  ///< unique within a run: the checkpoint keys start with it
  FlatParameters* parameters = nullptr;
  double learning_rate = 0;  ///< 0: the trainer's learning rate
  /// A fresh optimiser state at every experience (parameters re-fitted per experience).
  bool restart_each_experience = false;
};

/// Memory a strategy keeps between experiences.
struct MemoryUsage {
  int64_t samples = 0;
  int64_t bytes = 0;
};

/// Base of all continual-learning methods. The trainer calls, per experience:
///   before_experience; for each step: before_step -> forward -> after_forward -> step_loss
///   (default: the model's loss) + extra_loss -> backward -> after_backward -> optimizer step (the
///   model's parameters, then every parameter_groups() entry) -> after_step; then after_experience.
class Strategy {
 public:
  virtual ~Strategy() = default;

  /// The rows trained on during `experience` (Joint returns everything seen so far). Called for
  /// every experience, also those the strategy does not learn from.
  virtual Batch training_data(const Experience& experience) { return experience.train; }
  /// False to skip training on the experience `context.experience_index` altogether (Pretrain
  /// after the first, offline Joint before the last).
  virtual bool learns_from(const TrainingContext& context) const { return true; }
  virtual void before_experience(TrainingContext& context, const Experience& experience) {}
  /// The batch one step trains on; replay methods append memory rows to `batch`.
  virtual Batch before_step(TrainingContext& context, const Batch& batch) { return batch; }
  /// The step's outputs, before any loss: a strategy that keeps them (DER's stored logits)
  /// reads them here instead of asking the model.
  virtual void after_forward(TrainingContext& context, const Batch& batch, const Batch& outputs) {}
  /// The step's loss before extra_loss; undefined: the model's loss over the whole step batch.
  /// A strategy whose appended rows are scored otherwise than the new ones (DER++'s two memory
  /// draws, which ride along in the step's one forward pass) computes it here.
  virtual torch::Tensor step_loss(TrainingContext& context, const Batch& batch,
                                  const Batch& outputs) {
    return {};
  }
  /// A term added to the model's loss on the step's batch; undefined when none.
  virtual torch::Tensor extra_loss(TrainingContext& context, const Batch& batch,
                                   const Batch& outputs) {
    return {};
  }
  /// After backward, before the optimizer update: gradient surgery (A-GEM) goes here.
  virtual void after_backward(TrainingContext& context) {}
  /// `batch` holds only the new rows of the step (not the replayed ones).
  virtual void after_step(TrainingContext& context, const Batch& batch) {}
  virtual void after_experience(TrainingContext& context, const Experience& experience) {}
  /// The evaluation hook: metrics of `model` on a test split. Strategies with their own
  /// classifier (iCaRL's nearest mean of exemplars) override it.
  virtual std::map<std::string, double> evaluate(Model& model, const Batch& test) {
    return model.evaluate(test);
  }

  /// The strategy's own trainable parameters; asked after before_experience and after load, so
  /// a group may appear once the model's shape is known.
  virtual std::vector<ParameterGroup> parameter_groups() { return {}; }

  /// State carried between experiences, saved in every checkpoint.
  virtual void save(torch::serialize::OutputArchive& archive) const {}
  virtual void load(torch::serialize::InputArchive& archive) {}
  virtual MemoryUsage memory() const { return {}; }
};

}  // namespace evergreen
