#include "evergreen/models/vision/mlp_classifier.h"

#include "evergreen/core/error.h"
#include "evergreen/eval/classification_metrics.h"
#include "evergreen/green/flops.h"

namespace evergreen {
namespace {

/// Xavier-uniform weights and zero biases, the initialisation of Mammoth's MNIST MLP.
torch::nn::Linear xavier_linear(int64_t in, int64_t out) {
  torch::nn::Linear linear(in, out);
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(linear->weight);
  linear->bias.zero_();
  return linear;
}

}  // namespace

MlpClassifierImpl::MlpClassifierImpl(const MlpClassifierOptions& options) : options_(options) {
  EVERGREEN_CHECK_INPUT(options.input_size() >= 1 && options.num_classes() >= 2,
                        "mlp classifier: needs input_size >= 1 and num_classes >= 2");
  EVERGREEN_CHECK_INPUT(!options.hidden_sizes().empty(),
                        "mlp classifier: hidden_sizes needs at least one layer");
  hidden_layers_ = register_module("hidden", torch::nn::ModuleList());
  int64_t in = options.input_size();
  for (int64_t size : options.hidden_sizes()) {
    EVERGREEN_CHECK_INPUT(size >= 1, "mlp classifier: hidden sizes must be >= 1, got {}", size);
    hidden_layers_->push_back(xavier_linear(in, size));
    in = size;
  }
  output_ = register_module("output", xavier_linear(in, options.num_classes()));
}

Batch MlpClassifierImpl::forward(const Batch& batch) {
  const torch::Tensor& x = batch.at("x");
  torch::Tensor hidden =
      x.scalar_type() == torch::kByte ? x.to(torch::kFloat).div_(255.0) : x.to(torch::kFloat);
  hidden = hidden.reshape({x.size(0), -1});
  EVERGREEN_CHECK_INPUT(hidden.size(1) == options_.input_size(),
                        "mlp classifier: rows of {} values, but the model reads {}", hidden.size(1),
                        options_.input_size());
  for (const auto& layer : *hidden_layers_)
    hidden = torch::relu(layer->as<torch::nn::Linear>()->forward(hidden));
  return Batch{{"prediction", output_->forward(hidden)}, {"hint", hidden}};
}

torch::Tensor MlpClassifierImpl::loss(const Batch& batch, const Batch& outputs) {
  return torch::nn::functional::cross_entropy(outputs.at("prediction"), batch.at("y"));
}

torch::Tensor MlpClassifierImpl::negative_log_likelihood(const Batch& batch, const Batch& outputs) {
  return torch::nn::functional::cross_entropy(
      outputs.at("prediction"), batch.at("y"),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
}

std::map<std::string, double> MlpClassifierImpl::evaluate(const Batch& batch) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> logits, hints;
  const int64_t rows = batch.size(), block = options_.evaluation_batch_size();
  for (int64_t begin = 0; begin < rows; begin += block) {
    Batch outputs = forward(batch.slice(begin, std::min(rows, begin + block)));
    logits.push_back(outputs.at("prediction"));
  }
  return evaluate_outputs(batch, Batch{{"prediction", torch::cat(logits)}});
}

std::map<std::string, double> MlpClassifierImpl::evaluate_outputs(const Batch& batch,
                                                                  const Batch& outputs) {
  torch::Tensor tasks =
      batch.contains("task") ? batch.at("task") : torch::zeros({batch.size()}, torch::kLong);
  return classification_metrics(outputs.at("prediction"), batch.at("y"), tasks,
                                options_.classes_per_task());
}

std::shared_ptr<Model> make_mlp_classifier(Options& options, const Stream& stream) {
  const StreamSpec& spec = stream.spec;
  EVERGREEN_CHECK_INPUT(spec.kind == StreamKind::kClassification && !spec.input_shape.empty(),
                        "model 'mlp_classifier' needs a classification stream");
  int64_t input_size = 1;
  for (int64_t size : spec.input_shape) input_size *= size;
  auto hidden =
      options.get<std::vector<int64_t>>("hidden_sizes", {100, 100}, "units of each hidden layer");
  EVERGREEN_CHECK_INPUT(!hidden.empty(), "{}: give at least one hidden layer",
                        options.where("hidden_sizes"));
  for (int64_t size : hidden)
    EVERGREEN_CHECK_INPUT(size >= 1, "{}: sizes must be >= 1, got {}",
                          options.where("hidden_sizes"), size);
  return std::make_shared<MlpClassifierImpl>(MlpClassifierOptions(input_size, spec.num_classes)
                                                 .hidden_sizes(hidden)
                                                 .classes_per_task(spec.classes_per_task));
}

int64_t MlpClassifierImpl::forward_macs_per_row() const {
  int64_t macs = 0, in = options_.input_size();
  for (int64_t size : options_.hidden_sizes()) {
    macs += linear_macs(in, size);
    in = size;
  }
  return macs + linear_macs(in, options_.num_classes());
}

}  // namespace evergreen
