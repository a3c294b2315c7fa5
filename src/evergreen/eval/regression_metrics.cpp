#include "evergreen/eval/regression_metrics.h"

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

void check_same_shape(const torch::Tensor& prediction, const torch::Tensor& target) {
  EVERGREEN_ASSERT(prediction.sizes() == target.sizes() && prediction.numel() > 0,
                   "metric on shapes {} and {}", c10::str(prediction.sizes()), c10::str(target.sizes()));
}

}  // namespace

double mean_absolute_error(const torch::Tensor& prediction, const torch::Tensor& target) {
  check_same_shape(prediction, target);
  return (prediction.to(torch::kDouble) - target.to(torch::kDouble)).abs().mean().item<double>();
}

double root_mean_squared_error(const torch::Tensor& prediction, const torch::Tensor& target) {
  check_same_shape(prediction, target);
  auto error = prediction.to(torch::kDouble) - target.to(torch::kDouble);
  return std::sqrt(error.square().mean().item<double>());
}

double symmetric_mean_absolute_percentage_error(const torch::Tensor& prediction,
                                                const torch::Tensor& target) {
  check_same_shape(prediction, target);
  auto forecast = prediction.to(torch::kDouble);
  auto actual = target.to(torch::kDouble);
  auto denominator = actual.abs() + forecast.abs();
  auto terms = torch::where(denominator > 0, 2.0 * (forecast - actual).abs() / denominator,
                            torch::zeros_like(denominator));
  return 100.0 * terms.mean().item<double>();
}

}  // namespace evergreen
