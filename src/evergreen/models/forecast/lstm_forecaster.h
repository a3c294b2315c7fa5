// An LSTM forecaster: reads the window one value per step; its last hidden state is the hint.
#pragma once

#include <torch/torch.h>

#include "evergreen/core/options.h"
#include "evergreen/models/forecast/forecaster.h"

namespace evergreen {

struct LstmForecasterOptions {
  LstmForecasterOptions(int64_t input_length, int64_t horizon)
      : input_length_(input_length), horizon_(horizon) {}
  TORCH_ARG(int64_t, input_length);
  TORCH_ARG(int64_t, horizon);
  TORCH_ARG(int64_t, hidden_size) = 32;
  TORCH_ARG(int64_t, layers) = 1;
  /// Per-window normalisation and residual framing (see ForecastWindowOptions).
  TORCH_ARG(ForecastWindowOptions, window);
};

/// Example:
///   LstmForecaster model(LstmForecasterOptions(48, 6));
///   Batch out = model->forward(Batch{{"x", torch::randn({8, 48})}});  // "prediction" [8, 6]
class LstmForecasterImpl : public Forecaster {
 public:
  explicit LstmForecasterImpl(const LstmForecasterOptions& options);
  int64_t forward_macs_per_row() const override;
  int64_t hint_size() const override { return options_.hidden_size(); }

 protected:
  torch::Tensor encode(const torch::Tensor& x) override;
  torch::Tensor head(const torch::Tensor& hint) override { return output_->forward(hint); }

 private:
  LstmForecasterOptions options_;
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::Linear output_{nullptr};
};
TORCH_MODULE(LstmForecaster);

/// The registry's factory: sizes from the stream's windows, options `hidden_size`, `layers` and
/// the framing keys (read_forecast_window_options).
std::shared_ptr<Model> make_lstm(Options& options, const Stream& stream);

}  // namespace evergreen
