// The training loop every strategy shares: minibatches of an experience's training data, with the
// strategy's hooks around each step.
#pragma once

#include <functional>
#include <memory>

#include "evergreen/core/options.h"
#include "evergreen/models/flat_adam.h"
#include "evergreen/models/flat_parameters.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct TrainOptions {
  TORCH_ARG(int64_t, epochs) = 20;
  TORCH_ARG(int64_t, batch_size) = 32;
  TORCH_ARG(double, learning_rate) = 1e-3;
};

TrainOptions read_train_options(Options& options);

/// Rows passed through the model while training one experience, for FLOP accounting.
struct TrainedRows {
  int64_t training = 0;   ///< forward and backward
  int64_t inference = 0;  ///< forward only
};

/// Called after every epoch with (epoch, epochs, mean loss of the epoch).
using EpochCallback = std::function<void(int64_t, int64_t, double)>;

/// Owns the optimiser and the run's random generator; the model and strategy are the caller's.
///
/// Example:
///   Trainer trainer(*model, *strategy, TrainOptions().epochs(5), /*seed=*/0);
///   for (const auto& experience : stream.experiences) trainer.train(experience);
class Trainer {
 public:
  Trainer(Model& model, Strategy& strategy, const TrainOptions& options, uint64_t seed);

  /// Trains on `experience`; returns the rows the model processed (for FLOP accounting).
  TrainedRows train(const Experience& experience, const EpochCallback& on_epoch = {});

  FlatParameters& parameters() { return parameters_; }
  torch::Generator& generator() { return generator_; }
  int64_t experiences_trained() const { return experiences_trained_; }

  /// Model values and buffers, optimiser, strategy state, generator.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  TrainingContext context(int64_t experience_index);

  Model& model_;
  Strategy& strategy_;
  TrainOptions options_;
  FlatParameters parameters_;
  FlatAdam optimizer_;
  torch::Generator generator_;
  int64_t experiences_trained_ = 0;
};

}  // namespace evergreen
