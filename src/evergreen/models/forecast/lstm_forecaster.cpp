#include "evergreen/models/forecast/lstm_forecaster.h"

#include "evergreen/core/error.h"
#include "evergreen/green/flops.h"

namespace evergreen {

LstmForecasterImpl::LstmForecasterImpl(const LstmForecasterOptions& options) : options_(options) {
  EVERGREEN_CHECK_INPUT(options.layers() >= 1 && options.hidden_size() >= 1,
                        "lstm forecaster: layers and hidden_size must be >= 1");
  lstm_ = register_module(
      "lstm", torch::nn::LSTM(torch::nn::LSTMOptions(1, options.hidden_size())
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

}  // namespace evergreen
