// Shared behaviour of point forecasters: standardised targets, MSE loss, metrics in data units.
#pragma once

#include <string>
#include <utility>

#include "evergreen/models/model.h"

namespace evergreen {

/// A forecaster reads "x" [N, L] (past values) and writes "prediction" [N, H] and "hint"
/// [N, hidden] (its penultimate representation, used by hint-based learning). It learns in
/// standardised units and reports MAE, RMSE and sMAPE in the series' own units.
class Forecaster : public Model {
 public:
  void prepare(const Stream& stream) override;
  Batch forward(const Batch& batch) override;
  torch::Tensor loss(const Batch& batch, const Batch& outputs) override;
  /// 0.5 ||y - f(x)||^2 summed over rows (a Gaussian with unit variance, standardised units).
  torch::Tensor negative_log_likelihood(const Batch& batch, const Batch& outputs) override;
  std::map<std::string, double> evaluate(const Batch& batch) override;
  MainMetric main_metric() const override { return {"mae", false}; }
  static constexpr ModelCapabilities kCapabilities{OutputKind::kRegression, /*hint=*/true};
  ModelCapabilities capabilities() const override { return kCapabilities; }

 protected:
  Forecaster();
  /// The penultimate representation [N, hint_size()] of the windows `x` [N, L].
  virtual torch::Tensor encode(const torch::Tensor& x) = 0;
  /// The forecast [N, H] from the representation.
  virtual torch::Tensor head(const torch::Tensor& hint) = 0;

 private:
  // Buffers, so they travel with the model's checkpoint.
  torch::Tensor target_offset_;
  torch::Tensor target_scale_;
};

/// Input length and horizon of a windowed forecasting stream; InputError for any other stream
/// (naming `model`, the registry name asking).
std::pair<int64_t, int64_t> window_shape(const Stream& stream, const std::string& model);

}  // namespace evergreen
