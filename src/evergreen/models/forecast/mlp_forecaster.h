// A multilayer perceptron forecaster: L past values -> hidden layers -> H future values.
#pragma once

#include <torch/torch.h>

#include "evergreen/core/options.h"
#include "evergreen/models/forecast/forecaster.h"

namespace evergreen {

struct MlpForecasterOptions {
  MlpForecasterOptions(int64_t input_length, int64_t horizon)
      : input_length_(input_length), horizon_(horizon) {}
  TORCH_ARG(int64_t, input_length);
  TORCH_ARG(int64_t, horizon);
  TORCH_ARG(int64_t, hidden_size) = 64;
  /// Hidden layers; the last one's output is the hint. 0: a linear forecaster whose hint is
  /// the (normalised) window itself.
  TORCH_ARG(int64_t, layers) = 2;
  /// Per-window normalisation and residual framing (see ForecastWindowOptions).
  TORCH_ARG(ForecastWindowOptions, window);
};

/// Example:
///   MlpForecaster model(MlpForecasterOptions(48, 6).hidden_size(32));
///   Batch out = model->forward(Batch{{"x", torch::randn({8, 48})}});  // "prediction" [8, 6]
class MlpForecasterImpl : public Forecaster {
 public:
  explicit MlpForecasterImpl(const MlpForecasterOptions& options);
  int64_t forward_macs_per_row() const override;
  int64_t hint_size() const override {
    return options_.layers() == 0 ? options_.input_length() : options_.hidden_size();
  }

 protected:
  torch::Tensor encode(const torch::Tensor& x) override;
  torch::Tensor head(const torch::Tensor& hint) override { return output_->forward(hint); }

 private:
  MlpForecasterOptions options_;
  torch::nn::ModuleList hidden_layers_;
  torch::nn::Linear output_{nullptr};
};
TORCH_MODULE(MlpForecaster);

/// The registry's factory: sizes from the stream's windows, options `hidden_size`, `layers` and
/// the framing keys (read_forecast_window_options).
std::shared_ptr<Model> make_mlp(Options& options, const Stream& stream);

}  // namespace evergreen
