// What the language-model tests share: the stories260K files and seeded models.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "evergreen/models/lm/transformer.h"
#include "test_support.h"

namespace evergreen::testing {

/// A file of ../shared/data/lm/stories260K/, or "" when the shared data are missing.
inline std::string stories_file(const std::string& name) {
  const std::string data = evergreen::testing::shared_data_dir();
  return data.empty() ? "" : data + "/lm/stories260K/" + name;
}

/// A model whose every parameter holds distinct seeded values (the defaults of norms and biases
/// are constants, which would hide a swapped tensor).
inline lm::Transformer seeded_model(const lm::TransformerOptions& options, uint64_t seed,
                                    double scale = 0.1) {
  torch::manual_seed(seed);
  lm::Transformer model(options);
  torch::NoGradGuard no_grad;
  for (auto& parameter : model->parameters()) parameter.copy_(torch::randn_like(parameter) * scale);
  return model;
}

}  // namespace evergreen::testing
