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

/// `experiences` experiences of `rows` short marked event sequences (2 types), padded alike.
inline Stream tiny_event_stream(int64_t experiences = 2, int64_t rows = 12) {
  Stream stream;
  stream.name = "tiny events";
  stream.metadata["num_types"] = "2";
  auto generator = at::make_generator<at::CPUGeneratorImpl>(12);
  const int64_t length = 6;
  for (int64_t i = 0; i < experiences; ++i) {
    auto make = [&](int64_t count) {
      auto gaps = torch::rand({count, length}, generator) * (1.0 + static_cast<double>(i));
      auto lengths = torch::randint(2, length + 1, {count, 1}, generator);
      auto mask = (torch::arange(length).unsqueeze(0) < lengths).to(torch::kFloat);
      return Batch{{"times", gaps.cumsum(1)},
                   {"types", torch::randint(0, 2, {count, length}, generator)},
                   {"mask", mask}};
    };
    Experience experience;
    experience.id = i;
    experience.name = "window " + std::to_string(i + 1);
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
