// The training loop every strategy shares: minibatches of an experience's training data, with the
// strategy's hooks around each step.
#pragma once

#include <functional>
#include <memory>

#include "evergreen/core/options.h"
#include "evergreen/models/flat_optimizer.h"
#include "evergreen/models/flat_parameters.h"
#include "evergreen/run/learning_rate_schedule.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct TrainOptions {
  TORCH_ARG(int64_t, epochs) = 20;
  TORCH_ARG(int64_t, batch_size) = 32;
  TORCH_ARG(double, learning_rate) = 1e-3;
  TORCH_ARG(std::string, optimizer) = "adam";  ///< adam, adamw or sgd
  TORCH_ARG(double, momentum) = 0.0;           ///< sgd only
  TORCH_ARG(double, weight_decay) = 0.0;       ///< L2 (adam, sgd) or decoupled (adamw)
  /// The rate of each step within an experience (learning_rate_schedule.h).
  TORCH_ARG(LearningRateSchedule, schedule) = LearningRateSchedule::kConstant;
  TORCH_ARG(int64_t, warmup_steps) = 0;
  /// > 0: the model's gradient is scaled down to this L2 norm when longer (after the strategy's
  /// own gradient changes, before the update).
  TORCH_ARG(double, clip_norm) = 0.0;
  /// Where the model and each step's batch live: "cpu", "cuda" or "cuda:N".
  TORCH_ARG(std::string, device) = "cpu";
};

/// The device `name` gives ("cpu", "cuda", "cuda:1"); InputError naming `field` when the name
/// is not a device or this LibTorch cannot reach it (a CPU-only build asked for CUDA).
torch::Device parse_device(const std::string& name, const std::string& field);

/// The optimiser `options` name over `parameters`; `learning_rate` > 0 replaces the options' one.
std::unique_ptr<FlatOptimizer> make_flat_optimizer(FlatParameters& parameters,
                                                   const TrainOptions& options,
                                                   double learning_rate = 0);

TrainOptions read_train_options(Options& options);

/// Scales `gradient` in place to L2 norm `max_norm` when it is longer (train.clip_norm).
void clip_gradient_norm(const torch::Tensor& gradient, double max_norm);

/// Rows passed through the model while training one experience, for FLOP accounting.
struct TrainedRows {
  int64_t training = 0;   ///< forward and backward
  int64_t inference = 0;  ///< forward only
};

/// Called after every epoch with (epoch, epochs, mean loss of the epoch).
using EpochCallback = std::function<void(int64_t, int64_t, double)>;

/// Owns the optimiser and the run's random generator; the model and strategy are the caller's.
/// The model moves to train.device when the trainer is made; experiences stay where they are and
/// each step's batch is moved (a no-op on the CPU).
///
/// Example:
///   Trainer trainer(*model, *strategy, TrainOptions().epochs(5), /*seed=*/0);
///   for (const auto& experience : stream.experiences) trainer.train(experience);
class Trainer {
 public:
  Trainer(Model& model, Strategy& strategy, const TrainOptions& options, uint64_t seed);
  /// The stream's facts, handed to the strategy's hooks (`spec` must outlive the trainer).
  void set_stream_spec(const StreamSpec* spec) { spec_ = spec; }

  /// Trains on `experience`; returns the rows the model processed (for FLOP accounting).
  TrainedRows train(const Experience& experience, const EpochCallback& on_epoch = {});

  FlatParameters& parameters() { return parameters_; }
  torch::Generator& generator() { return generator_; }
  /// Where the model and the step batches live (train.device).
  const torch::Device& device() const { return device_; }
  int64_t experiences_trained() const { return experiences_trained_; }

  /// Model values and buffers, optimiser (every parameter group's too), strategy state,
  /// generator.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  TrainingContext context(int64_t experience_index);
  /// Gives every parameter group the strategy offers now an optimiser (existing ones keep
  /// theirs).
  void adopt_parameter_groups();
  std::string group_prefix(const std::string& name) const {
    return "group_" + name + "_" + optimizer_prefix();
  }
  std::string optimizer_prefix() const { return options_.optimizer() == "sgd" ? "sgd" : "adam"; }

  Model& model_;
  Strategy& strategy_;
  TrainOptions options_;
  torch::Device device_;
  FlatParameters parameters_;
  std::unique_ptr<FlatOptimizer> optimizer_;
  struct GroupOptimizer {
    ParameterGroup group;
    std::unique_ptr<FlatOptimizer> optimizer;
  };
  std::vector<GroupOptimizer> groups_;  // in the order the strategy first offered them
  torch::Generator generator_;
  const StreamSpec* spec_ = nullptr;
  int64_t experiences_trained_ = 0;
};

}  // namespace evergreen
