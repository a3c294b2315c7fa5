#include "evergreen/eval/regression_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace evergreen {
namespace {

// prediction [1, 2, 4, 0], target [2, 2, 1, 0]:
//   errors 1, 0, 3, 0 -> MAE = 1, RMSE = sqrt(10/4)
//   sMAPE terms 2*1/3, 0, 2*3/5, 0 (0/0 counts as 0) -> 100 * (2/3 + 6/5) / 4
TEST(RegressionMetrics, HandComputed) {
  auto prediction = torch::tensor({1.0f, 2.0f, 4.0f, 0.0f});
  auto target = torch::tensor({2.0f, 2.0f, 1.0f, 0.0f});
  EXPECT_NEAR(mean_absolute_error(prediction, target), 1.0, 1e-12);
  EXPECT_NEAR(root_mean_squared_error(prediction, target), std::sqrt(2.5), 1e-12);
  EXPECT_NEAR(symmetric_mean_absolute_percentage_error(prediction, target),
              100.0 * (2.0 / 3.0 + 6.0 / 5.0) / 4.0, 1e-9);
}

}  // namespace
}  // namespace evergreen
