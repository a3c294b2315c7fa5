#include "evergreen/eval/continual_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace evergreen {
namespace {

// Accuracy-like (higher is better), T = 3, worked by hand:
//   R = [[0.9, 0.2, 0.1], [0.7, 0.8, 0.3], [0.6, 0.5, 0.9]], b = [0.1, 0.15, 0.05]
//   ACC = (0.6 + 0.5 + 0.9) / 3 = 0.6667
//   BWT = ((0.6 - 0.9) + (0.5 - 0.8)) / 2 = -0.3
//   FWT = ((0.2 - 0.15) + (0.3 - 0.05)) / 2 = 0.15
//   forgetting (max over l in [j, T-1]): j=1: max(0.9, 0.7) - 0.6 = 0.3; j=2: 0.8 - 0.5 = 0.3
//   forgetting (last): j=1: 0.9 - 0.6 = 0.3; j=2: 0.8 - 0.5 = 0.3
TEST(ContinualMetrics, HigherIsBetterByHand) {
  MetricMatrix matrix = {{0.9, 0.2, 0.1}, {0.7, 0.8, 0.3}, {0.6, 0.5, 0.9}};
  auto summary = summarize_matrix(matrix, {0.1, 0.15, 0.05}, true);
  EXPECT_NEAR(summary.acc, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(summary.bwt, -0.3, 1e-12);
  EXPECT_NEAR(summary.fwt, 0.15, 1e-12);
  EXPECT_NEAR(summary.forgetting, 0.3, 1e-12);
  EXPECT_NEAR(summary.forgetting_last, 0.3, 1e-12);
}

// The max-based and last-based forgetting differ when a task improved after it was learned:
//   R = [[0.5, 0, 0], [0.9, 0.6, 0], [0.4, 0.6, 0.7]]
//   max: j=1: max(0.5, 0.9) - 0.4 = 0.5; j=2: 0.6 - 0.6 = 0  -> 0.25
//   last: j=1: 0.5 - 0.4 = 0.1; j=2: 0 -> 0.05
TEST(ContinualMetrics, MaxAndLastForgettingDiffer) {
  MetricMatrix matrix = {{0.5, 0, 0}, {0.9, 0.6, 0}, {0.4, 0.6, 0.7}};
  auto summary = summarize_matrix(matrix, {}, true);
  EXPECT_NEAR(summary.forgetting, 0.25, 1e-12);
  EXPECT_NEAR(summary.forgetting_last, 0.05, 1e-12);
  EXPECT_TRUE(std::isnan(summary.fwt));  // no evaluation before training
}

// Error-like (lower is better): signs flip so that positive BWT/FWT mean improvement and
// positive forgetting means loss.
//   R = [[1.0, 3.0], [2.0, 0.5]], b = [4.0, 5.0]
//   ACC = 1.25; BWT = -(2.0 - 1.0) = -1 (got worse); FWT = -(3.0 - 5.0) = +2 (helped);
//   forgetting = 2.0 - 1.0 = 1 (both conventions)
TEST(ContinualMetrics, LowerIsBetterFlipsSigns) {
  auto summary = summarize_matrix({{1.0, 3.0}, {2.0, 0.5}}, {4.0, 5.0}, false);
  EXPECT_NEAR(summary.acc, 1.25, 1e-12);
  EXPECT_NEAR(summary.bwt, -1.0, 1e-12);
  EXPECT_NEAR(summary.fwt, 2.0, 1e-12);
  EXPECT_NEAR(summary.forgetting, 1.0, 1e-12);
  EXPECT_NEAR(summary.forgetting_last, 1.0, 1e-12);
}

TEST(ContinualMetrics, SingleExperienceHasOnlyAcc) {
  auto summary = summarize_matrix({{0.7}}, {0.1}, true);
  EXPECT_DOUBLE_EQ(summary.acc, 0.7);
  EXPECT_TRUE(std::isnan(summary.bwt));
  EXPECT_TRUE(std::isnan(summary.forgetting));
}

}  // namespace
}  // namespace evergreen
