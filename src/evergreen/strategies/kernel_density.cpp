#include "evergreen/strategies/kernel_density.h"

#include <cmath>
#include <limits>

#include "evergreen/core/error.h"

namespace evergreen {

torch::Tensor scott_bandwidth(const torch::Tensor& data) {
  EVERGREEN_ASSERT(data.dim() == 2 && data.size(0) >= 2, "KDE needs at least two rows");
  const double rows = static_cast<double>(data.size(0));
  const double dims = static_cast<double>(data.size(1));
  auto sigma = data.to(torch::kDouble).std(0, /*unbiased=*/true);
  sigma = torch::where(sigma > 1e-12, sigma, torch::ones_like(sigma));
  return sigma * std::pow(rows, -1.0 / (dims + 4.0));
}

torch::Tensor gaussian_kde_log_density(const torch::Tensor& points, const torch::Tensor& data,
                                       const torch::Tensor& bandwidth, bool leave_one_out) {
  auto scaled_points = points.to(torch::kDouble) / bandwidth;
  auto scaled_data = data.to(torch::kDouble) / bandwidth;
  auto squared = torch::cdist(scaled_points, scaled_data).square();  // [m, n]
  auto log_kernels = -0.5 * squared;
  int64_t terms = data.size(0);
  if (leave_one_out) {
    EVERGREEN_ASSERT(points.size(0) == data.size(0) && terms >= 2,
                     "leave-one-out needs points == data and two rows");
    log_kernels.fill_diagonal_(-std::numeric_limits<double>::infinity());
    terms -= 1;
  }
  const double dims = static_cast<double>(data.size(1));
  double log_normaliser = -0.5 * dims * std::log(2.0 * M_PI) -
                          bandwidth.log().sum().item<double>() -
                          std::log(static_cast<double>(terms));
  return torch::logsumexp(log_kernels, 1) + log_normaliser;
}

}  // namespace evergreen
