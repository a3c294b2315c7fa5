// Summaries of the metric matrix R[i][j] (main metric on experience j's test split after training
// on experience i) and of the evaluation before training b[j].
//
// Definitions (T experiences, sums over 1-based indices):
//   ACC = (1/T) sum_j R[T][j]                                  (in the metric's own units)
//   BWT = s/(T-1) sum_{j<T} (R[T][j] - R[j][j])                 (GEM: averaged over T-1)
//   FWT = s/(T-1) sum_{j>=2} (R[j-1][j] - b[j])                 (GEM)
//   forgetting (max)  = 1/(T-1) sum_{j<T} s (max_{j<=l<T} R[l][j] - R[T][j])  (Chaudhry et al. 2018)
//       with "max" meaning the best value, i.e. min for lower-is-better metrics;
//   forgetting (last) = 1/(T-1) sum_{j<T} s (R[j][j] - R[T][j])              (Avalanche)
// where s = +1 for higher-is-better metrics and -1 otherwise, so positive BWT/FWT always means
// "got better" and positive forgetting always means "got worse". With T = 1 all but ACC are NaN.
#pragma once

#include <vector>

namespace evergreen {

using MetricMatrix = std::vector<std::vector<double>>;

struct ContinualSummary {
  double acc = 0;
  double bwt = 0;
  double fwt = 0;
  double forgetting = 0;        ///< max-based (Chaudhry et al.; Mammoth, PyCIL)
  double forgetting_last = 0;   ///< value right after training (Avalanche)
};

/// `matrix` is T x T (rows may be fewer when a run stopped early: then T = rows, columns beyond
/// are ignored); `initial` holds b[j] (may be empty, then FWT is NaN).
ContinualSummary summarize_matrix(const MetricMatrix& matrix, const std::vector<double>& initial,
                                  bool higher_is_better);

}  // namespace evergreen
