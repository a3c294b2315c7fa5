#include "evergreen/models/forecast/mlp_forecaster.h"

#include "evergreen/core/error.h"
#include "evergreen/green/flops.h"
#include "evergreen/models/model_options.h"

namespace evergreen {

MlpForecasterImpl::MlpForecasterImpl(const MlpForecasterOptions& options)
    : Forecaster(options.window(), options.input_length(), options.horizon()), options_(options) {
  EVERGREEN_CHECK_INPUT(options.layers() >= 0 && options.hidden_size() >= 1,
                        "mlp forecaster: layers must be >= 0 and hidden_size >= 1");
  hidden_layers_ = register_module("hidden", torch::nn::ModuleList());
  int64_t in = options.input_length();
  for (int64_t layer = 0; layer < options.layers(); ++layer) {
    hidden_layers_->push_back(torch::nn::Linear(in, options.hidden_size()));
    in = options.hidden_size();
  }
  output_ = register_module("output", torch::nn::Linear(in, options.horizon()));
}

torch::Tensor MlpForecasterImpl::encode(const torch::Tensor& x) {
  torch::Tensor hidden = x;
  for (const auto& layer : *hidden_layers_)
    hidden = torch::relu(layer->as<torch::nn::Linear>()->forward(hidden));
  return hidden;
}

int64_t MlpForecasterImpl::forward_macs_per_row() const {
  int64_t macs = 0;
  int64_t in = options_.input_length();
  for (int64_t layer = 0; layer < options_.layers(); ++layer) {
    macs += linear_macs(in, options_.hidden_size());
    in = options_.hidden_size();
  }
  return macs + linear_macs(in, options_.horizon());
}

namespace {

int64_t read_layers(Options& options) {
  auto layers = options.get<int64_t>(
      "layers", 2, "hidden layers; 0: a linear map of the (normalised) window, the hint");
  EVERGREEN_CHECK_INPUT(layers >= 0, "{}: must be >= 0, got {}", options.where("layers"), layers);
  return layers;
}

}  // namespace

std::shared_ptr<Model> make_mlp(Options& options, const Stream& stream) {
  auto [input_length, horizon] = window_shape(stream, "mlp");
  return std::make_shared<MlpForecasterImpl>(
      MlpForecasterOptions(input_length, horizon)
          .hidden_size(read_positive(options, "hidden_size", 64, "units per hidden layer"))
          .layers(read_layers(options))
          .window(read_forecast_window_options(options)));
}

}  // namespace evergreen
