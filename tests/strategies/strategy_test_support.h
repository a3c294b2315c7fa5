// A tiny forecasting model and stream shared by the strategy tests.
#pragma once

#include "evergreen/data/experience.h"
#include "evergreen/models/forecast/mlp_forecaster.h"

namespace evergreen::testing {

/// `experiences` experiences of `rows` random windows (length 6, horizon 2) each, with a
/// different linear target per experience, so that learning one disturbs another.
inline Stream tiny_forecasting_stream(int64_t experiences = 3, int64_t rows = 40) {
  Stream stream;
  stream.name = "tiny";
  auto generator = at::make_generator<at::CPUGeneratorImpl>(11);
  for (int64_t i = 0; i < experiences; ++i) {
    auto weights = torch::randn({6, 2}, generator);
    auto make = [&](int64_t count) {
      auto x = torch::randn({count, 6}, generator);
      return Batch{{"x", x}, {"y", x.matmul(weights)}};
    };
    Experience experience;
    experience.id = i + 1;
    experience.name = "experience " + std::to_string(i + 1);
    experience.train = make(rows);
    experience.test = make(rows / 2);
    stream.experiences.push_back(experience);
  }
  return stream;
}

inline MlpForecaster tiny_mlp() {
  return MlpForecaster(MlpForecasterOptions(6, 2).hidden_size(8).layers(1));
}

}  // namespace evergreen::testing
