// Saving a Batch inside a checkpoint archive (keys may not contain dots).
#pragma once

#include <torch/torch.h>

#include <string>

#include "evergreen/core/batch.h"

namespace evergreen {

void save_batch(torch::serialize::OutputArchive& archive, const std::string& prefix,
                const Batch& batch);
Batch load_batch(torch::serialize::InputArchive& archive, const std::string& prefix);

}  // namespace evergreen
