#include "evergreen/eval/continual_metrics.h"

#include <cmath>
#include <limits>

#include "evergreen/core/error.h"

namespace evergreen {

ContinualSummary summarize_matrix(const MetricMatrix& matrix, const std::vector<double>& initial,
                                  bool higher_is_better) {
  const auto rows = static_cast<int64_t>(matrix.size());
  EVERGREEN_ASSERT(rows >= 1, "empty metric matrix");
  for (const auto& row : matrix)
    EVERGREEN_ASSERT(static_cast<int64_t>(row.size()) >= rows, "matrix row shorter than {}", rows);
  const double sign = higher_is_better ? 1.0 : -1.0;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const int64_t last = rows - 1;

  ContinualSummary summary;
  summary.acc = 0;
  for (int64_t j = 0; j < rows; ++j) summary.acc += matrix[last][j];
  summary.acc /= static_cast<double>(rows);
  if (rows == 1) {
    summary.bwt = summary.fwt = summary.forgetting = summary.forgetting_last = nan;
    return summary;
  }

  double bwt = 0, forgetting = 0, forgetting_last = 0;
  for (int64_t j = 0; j < last; ++j) {
    bwt += matrix[last][j] - matrix[j][j];
    double best = matrix[j][j];
    for (int64_t l = j; l < last; ++l)
      best = higher_is_better ? std::max(best, matrix[l][j]) : std::min(best, matrix[l][j]);
    forgetting += sign * (best - matrix[last][j]);
    forgetting_last += sign * (matrix[j][j] - matrix[last][j]);
  }
  const double pairs = static_cast<double>(rows - 1);
  summary.bwt = sign * bwt / pairs;
  summary.forgetting = forgetting / pairs;
  summary.forgetting_last = forgetting_last / pairs;

  if (static_cast<int64_t>(initial.size()) >= rows) {
    double fwt = 0;
    for (int64_t j = 1; j < rows; ++j) fwt += matrix[j - 1][j] - initial[j];
    summary.fwt = sign * fwt / pairs;
  } else {
    summary.fwt = nan;
  }
  return summary;
}

}  // namespace evergreen
