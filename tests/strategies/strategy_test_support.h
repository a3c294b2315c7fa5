// Tiny models and streams shared by the strategy tests, and a checkpoint round trip.
#pragma once

#include <sstream>

#include "evergreen/data/experience.h"
#include "evergreen/models/forecast/mlp_forecaster.h"
#include "evergreen/models/vision/mlp_classifier.h"
#include "evergreen/strategies/strategy.h"

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
  stream.spec.kind = StreamKind::kEventSequences;
  stream.spec.num_event_types = 2;
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

/// `experiences` experiences of `rows` token rows (8 tokens, vocabulary 12), as text streams
/// hold them: each experience repeats its own cycle of 5 tokens, so the next token is learnable
/// and differs between experiences; the last training row ends in padding (mask 0).
inline Stream tiny_token_stream(int64_t experiences = 2, int64_t rows = 12) {
  Stream stream;
  stream.name = "tiny tokens";
  stream.spec.kind = StreamKind::kTokenSequences;
  stream.spec.vocab_size = 12;
  stream.spec.input_shape = {8};
  auto generator = at::make_generator<at::CPUGeneratorImpl>(14);
  for (int64_t i = 0; i < experiences; ++i) {
    const torch::Tensor cycle = torch::randperm(12, generator, torch::kLong).narrow(0, 0, 5);
    auto make = [&](int64_t count) {
      auto starts = torch::randint(0, 5, {count, 1}, generator, torch::kLong);
      auto positions = (starts + torch::arange(8, torch::kLong).unsqueeze(0)).remainder(5);
      auto tokens = cycle.index_select(0, positions.reshape(-1)).view({count, 8});
      auto mask = torch::ones({count, 8});
      mask[count - 1].narrow(0, 5, 3).zero_();
      tokens[count - 1].narrow(0, 5, 3).zero_();
      return Batch{{"tokens", tokens}, {"mask", mask}};
    };
    Experience experience;
    experience.id = i;
    experience.name = "text " + std::to_string(i + 1);
    experience.train = make(rows);
    experience.test = make(std::max<int64_t>(rows / 2, 1));
    stream.experiences.push_back(experience);
  }
  return stream;
}

inline MlpForecaster tiny_mlp() {
  return MlpForecaster(MlpForecasterOptions(6, 2).hidden_size(8).layers(1));
}

/// `experiences` class-incremental experiences of `classes_per_task` classes with
/// `rows_per_class` training rows each (half as many test rows), as the split image streams hold
/// them: "x" uint8 [N, 1, 2, 2], "y" int64 labels, "task" int64. Class c lights pixel c % 4 on a
/// dim noisy background (the brightness grows with c / 4), so classes are easy to tell apart.
inline Stream tiny_classification_stream(int64_t experiences = 2, int64_t rows_per_class = 10,
                                         int64_t classes_per_task = 2) {
  Stream stream;
  stream.name = "tiny classes";
  stream.spec.kind = StreamKind::kClassification;
  stream.spec.num_classes = experiences * classes_per_task;
  stream.spec.classes_per_task = classes_per_task;
  stream.spec.input_shape = {1, 2, 2};
  auto generator = at::make_generator<at::CPUGeneratorImpl>(13);
  for (int64_t task = 0; task < experiences; ++task) {
    auto make = [&](int64_t per_class) {
      std::vector<torch::Tensor> x, y;
      for (int64_t k = 0; k < classes_per_task; ++k) {
        int64_t label = task * classes_per_task + k;
        auto images = torch::randint(0, 40, {per_class, 4}, generator, torch::kLong);
        images.select(1, label % 4).fill_(150 + 50 * (label / 4));
        x.push_back(images);
        y.push_back(torch::full({per_class}, label, torch::kLong));
      }
      auto order = torch::randperm(per_class * classes_per_task, generator, torch::kLong);
      auto count = per_class * classes_per_task;
      auto images = torch::cat(x).index_select(0, order).to(torch::kByte);
      return Batch{{"x", images.view({count, 1, 2, 2})},
                   {"y", torch::cat(y).index_select(0, order)},
                   {"task", torch::full({count}, task, torch::kLong)}};
    };
    Experience experience;
    experience.id = task;
    experience.name = "task " + std::to_string(task + 1);
    experience.train = make(rows_per_class);
    experience.test = make(std::max<int64_t>(rows_per_class / 2, 1));
    stream.experiences.push_back(experience);
  }
  return stream;
}

/// A small MlpClassifier for `stream` (one hidden layer of 8 units).
inline MlpClassifier tiny_classifier(const Stream& stream) {
  return MlpClassifier(MlpClassifierOptions(4, stream.spec.num_classes)
                           .hidden_sizes({8})
                           .classes_per_task(stream.spec.classes_per_task));
}

/// Loads into `restored` the state `saved` writes, through bytes as a checkpoint file would.
inline void restore_state(const Strategy& saved, Strategy& restored) {
  torch::serialize::OutputArchive out;
  saved.save(out);
  std::stringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  restored.load(in);
}

}  // namespace evergreen::testing
