// Gaussian kernel density estimation with a diagonal bandwidth, in log space.
#pragma once

#include <torch/torch.h>

namespace evergreen {

/// Scott's rule per dimension: h_d = sigma_d * n^(-1 / (d + 4)) (Scott 1992), with sigma_d the
/// sample standard deviation of dimension d (a constant dimension gets h_d = 1 so it is ignored
/// rather than dividing by zero).
torch::Tensor scott_bandwidth(const torch::Tensor& data);

/// log p(x_i) = log( 1/n sum_j prod_d N(x_id; data_jd, h_d^2) ) for every row x_i of `points`
/// ([m, d]) under the kernel density of `data` ([n, d]). With `leave_one_out`, `points` must be
/// `data` and row i's own kernel is left out (then n - 1 terms), so a point alone in its region
/// gets a low density instead of the density of itself.
///
/// Example:
///   auto log_density = gaussian_kde_log_density(x, x, scott_bandwidth(x), true);
torch::Tensor gaussian_kde_log_density(const torch::Tensor& points, const torch::Tensor& data,
                                       const torch::Tensor& bandwidth, bool leave_one_out);

}  // namespace evergreen
