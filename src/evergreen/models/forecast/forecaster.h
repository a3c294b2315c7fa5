// Shared behaviour of point forecasters: standardised targets, MSE loss, metrics in data units,
// and the per-window normalisation and residual framing every forecaster can use.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>

#include "evergreen/models/model.h"

namespace evergreen {

class Options;

/// How a forecaster frames its windows (after Kim et al., ICLR 2022, "Reversible Instance
/// Normalization"): with `normalisation` "revin" each input window is shifted by its own mean mu
/// and divided by its own spread sigma = sqrt(var + epsilon) before the network sees it, and the
/// forecast is scaled back; with `affine` a learnable scale w and shift b (RevIN's per-channel
/// affine; a series is one channel) are applied after the normalisation and undone on the
/// output. With `residual` the network
/// predicts the change from a naive forecast instead of the value:
///
///   residual none:        y_h = mu + sigma * (g_h - b) / w
///   residual last_value:  y_h = x_L + sigma * g_h / w
///   residual seasonal:    y_h = x_{L - s + h} + sigma * g_h / w     (s = season_steps)
///
/// g the network's output, x_L the window's last value, h = 1..H; without normalisation mu = 0
/// and sigma = 1, without affine w = 1 and b = 0. A network whose head outputs zero
/// therefore returns exactly the naive forecast, and a window shifted by a constant gives its
/// forecast shifted by the same constant.
///
/// Example:
///   MlpForecaster model(MlpForecasterOptions(48, 6).window(
///       ForecastWindowOptions().normalisation("revin").residual("last_value")));
struct ForecastWindowOptions {
  TORCH_ARG(std::string, normalisation) = "revin";  ///< "none" | "revin"
  TORCH_ARG(bool, affine) = false;                  ///< learnable scale and shift (RevIN)
  TORCH_ARG(std::string, residual) = "last_value";  ///< "none" | "last_value" | "seasonal"
  TORCH_ARG(int64_t, season_steps) = 0;             ///< s for residual seasonal
  /// g = head(hint) + A x' with a linear map A [H x L] of the (normalised) window, zero at first.
  TORCH_ARG(bool, linear_skip) = false;
  /// Training loss: "mse", or "mae" (the forecast that minimises the expected absolute error
  /// is the median, which is what MAE scores; spikes pull an MSE forecast towards them).
  TORCH_ARG(std::string, loss) = "mse";
  TORCH_ARG(double, epsilon) = 1e-5;  ///< added to the variance
};

/// The statistics of a batch of windows `x` [N, L]: mean [N, 1] and sqrt(var + epsilon) [N, 1]
/// (population variance over the window).
struct WindowStatistics {
  torch::Tensor mean;
  torch::Tensor spread;
};
WindowStatistics window_statistics(const torch::Tensor& x, double epsilon);
/// (x - mean) / spread, row by row.
torch::Tensor normalise_windows(const torch::Tensor& x, const WindowStatistics& statistics);
/// z * spread + mean, row by row: the inverse of normalise_windows.
torch::Tensor restore_windows(const torch::Tensor& z, const WindowStatistics& statistics);

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
  const ForecastWindowOptions& window_options() const { return window_; }

 protected:
  /// Checks `window` against the window shape (InputError naming the option).
  Forecaster(const ForecastWindowOptions& window, int64_t input_length, int64_t horizon);
  /// The penultimate representation [N, hint_size()] of the (normalised) windows `x` [N, L].
  virtual torch::Tensor encode(const torch::Tensor& x) = 0;
  /// The network's output g [N, H] from the representation.
  virtual torch::Tensor head(const torch::Tensor& hint) = 0;

 private:
  ForecastWindowOptions window_;
  int64_t input_length_;
  int64_t horizon_;
  // Buffers, so they travel with the model's checkpoint.
  torch::Tensor target_offset_;
  torch::Tensor target_scale_;
  // RevIN's affine scale and shift [1] (registered only with affine).
  torch::Tensor affine_weight_;
  torch::Tensor affine_bias_;
  torch::Tensor skip_weight_;  // [H, L], registered only with linear_skip
};

/// Reads the framing keys shared by the forecaster factories: normalisation, affine, residual,
/// season_steps.
ForecastWindowOptions read_forecast_window_options(Options& options);

/// Input length and horizon of a windowed forecasting stream; InputError for any other stream
/// (naming `model`, the registry name asking).
std::pair<int64_t, int64_t> window_shape(const Stream& stream, const std::string& model);

}  // namespace evergreen
