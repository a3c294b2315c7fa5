#include "evergreen/models/forecast/lstm_forecaster.h"

#include "evergreen/core/error.h"
#include "evergreen/green/flops.h"
#include "evergreen/models/model_options.h"

namespace evergreen {

LstmForecasterImpl::LstmForecasterImpl(const LstmForecasterOptions& options)
    : Forecaster(options.window(), options.input_length(), options.horizon()), options_(options) {
  EVERGREEN_CHECK_INPUT(options.layers() >= 1 && options.hidden_size() >= 1,
                        "lstm forecaster: layers and hidden_size must be >= 1");
  lstm_ = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(1, options.hidden_size())
                                                      .num_layers(options.layers())
                                                      .batch_first(true)));
  output_ = register_module("output", torch::nn::Linear(options.hidden_size(), options.horizon()));
}

torch::Tensor LstmForecasterImpl::encode(const torch::Tensor& x) {
  auto sequence = std::get<0>(lstm_->forward(x.unsqueeze(-1)));  // [N, L, hidden]
  return sequence.select(1, sequence.size(1) - 1);
}

int64_t LstmForecasterImpl::forward_macs_per_row() const {
  int64_t macs = lstm_macs(1, options_.hidden_size(), options_.input_length());
  for (int64_t layer = 1; layer < options_.layers(); ++layer)
    macs += lstm_macs(options_.hidden_size(), options_.hidden_size(), options_.input_length());
  return macs + linear_macs(options_.hidden_size(), options_.horizon());
}

std::shared_ptr<Model> make_lstm(Options& options, const Stream& stream) {
  auto [input_length, horizon] = window_shape(stream, "lstm");
  return std::make_shared<LstmForecasterImpl>(
      LstmForecasterOptions(input_length, horizon)
          .hidden_size(read_positive(options, "hidden_size", 32, "LSTM hidden units"))
          .layers(read_positive(options, "layers", 1, "stacked LSTM layers"))
          .window(read_forecast_window_options(options)));
}

}  // namespace evergreen
