// A multilayer perceptron classifier for images: Mammoth's MNIST backbone (784-100-100-10, ReLU,
// Xavier-uniform weights, zero biases).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/models/model.h"

namespace evergreen {

struct MlpClassifierOptions {
  MlpClassifierOptions(int64_t input_size, int64_t num_classes)
      : input_size_(input_size), num_classes_(num_classes) {}
  TORCH_ARG(int64_t, input_size);  ///< pixels per image (C * H * W)
  TORCH_ARG(int64_t, num_classes);
  TORCH_ARG(std::vector<int64_t>, hidden_sizes) = std::vector<int64_t>{100, 100};
  /// > 0 on class-incremental splits: evaluation also reports task-IL accuracy.
  TORCH_ARG(int64_t, classes_per_task) = 0;
  TORCH_ARG(int64_t, evaluation_batch_size) = 4096;  ///< rows per forward pass in evaluate()
};

/// Reads "x" (uint8 images [N, C, H, W] scaled by 1/255, or float [N, ...]) and "y" (int64
/// labels); writes "prediction" (logits [N, classes]) and "hint" (the last hidden layer). Loss:
/// mean cross-entropy. Metrics: accuracy (class-IL / domain-IL), task_il_accuracy on splits.
///
/// Example:
///   MlpClassifier model(MlpClassifierOptions(784, 10).classes_per_task(2));
///   Batch out = model->forward(Batch{{"x", images}});  // "prediction" [N, 10]
class MlpClassifierImpl : public Model {
 public:
  explicit MlpClassifierImpl(const MlpClassifierOptions& options);
  Batch forward(const Batch& batch) override;
  torch::Tensor loss(const Batch& batch, const Batch& outputs) override;
  /// Cross-entropy summed over rows: -log p(y | x) of the softmax model.
  torch::Tensor negative_log_likelihood(const Batch& batch, const Batch& outputs) override;
  std::map<std::string, double> evaluate(const Batch& batch) override;
  std::map<std::string, double> evaluate_outputs(const Batch& batch, const Batch& outputs) override;
  MainMetric main_metric() const override { return {"accuracy", true}; }
  static constexpr ModelCapabilities kCapabilities{OutputKind::kLogits, /*hint=*/true};
  ModelCapabilities capabilities() const override { return kCapabilities; }
  int64_t forward_macs_per_row() const override;
  int64_t hint_size() const override { return options_.hidden_sizes().back(); }
  const MlpClassifierOptions& options() const { return options_; }

 private:
  MlpClassifierOptions options_;
  torch::nn::ModuleList hidden_layers_;
  torch::nn::Linear output_{nullptr};
};
TORCH_MODULE(MlpClassifier);

/// The registry's factory: sizes from the stream's spec, options `hidden_sizes`.
std::shared_ptr<Model> make_mlp_classifier(Options& options, const Stream& stream);

}  // namespace evergreen
