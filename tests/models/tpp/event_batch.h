// Building one-sequence event batches for the point-process model tests.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "evergreen/core/batch.h"

namespace evergreen::testing {

/// A batch of one sequence as the point-process models read it: "times" and "mask" [1, L] in
/// `dtype`, "types" [1, L] int64, no padding.
inline Batch one_sequence(const std::vector<double>& times, const std::vector<int64_t>& types,
                          torch::Dtype dtype = torch::kFloat) {
  auto count = static_cast<int64_t>(times.size());
  return Batch{{"times", torch::tensor(times, torch::kDouble).to(dtype).view({1, count})},
               {"types", torch::tensor(types, torch::kLong).view({1, count})},
               {"mask", torch::ones({1, count}, dtype)}};
}

}  // namespace evergreen::testing
