// Point-forecast error metrics on tensors of the same shape, in the data's own units.
#pragma once

#include <torch/torch.h>

namespace evergreen {

/// Mean absolute error.
double mean_absolute_error(const torch::Tensor& prediction, const torch::Tensor& target);
/// Root mean squared error.
double root_mean_squared_error(const torch::Tensor& prediction, const torch::Tensor& target);
/// Symmetric MAPE in percent: 100/n sum 2|F - A| / (|A| + |F|), a term being 0 when A = F = 0
/// (Makridakis 1993; the 0-200 scale used by the M4 competition).
double symmetric_mean_absolute_percentage_error(const torch::Tensor& prediction,
                                                const torch::Tensor& target);

}  // namespace evergreen
