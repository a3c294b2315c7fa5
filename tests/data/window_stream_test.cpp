#include "evergreen/data/window_stream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

Series ramp(int64_t size, const std::string& name = "ramp") {
  Series series;
  series.name = name;
  for (int64_t i = 0; i < size; ++i) series.values.push_back(static_cast<double>(i));
  return series;
}

torch::Tensor rows(std::vector<std::vector<float>> values) {
  std::vector<torch::Tensor> parts;
  for (auto& row : values) parts.push_back(torch::tensor(row));
  return torch::stack(parts);
}

std::string stream_error(const Series& series, const WindowStreamOptions& options) {
  try {
    make_window_stream(series, options);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

// 0..24: two periods of 12 (point 24 unused), half train, half test, windows of 3 + 2.
TEST(WindowStream, HandComputedWindowsOnATinyRamp) {
  auto options = WindowStreamOptions().periods(2).input_length(3).horizon(2).test_fraction(0.5);
  Stream stream = make_window_stream(ramp(25), options);
  ASSERT_EQ(stream.size(), 2);
  // Mean and population std of the first period's training points 0..5.
  const double mean = 2.5, scale = std::sqrt(35.0 / 12.0);
  EXPECT_DOUBLE_EQ(stream.spec.target.offset, mean);
  EXPECT_DOUBLE_EQ(stream.spec.target.scale, scale);
  auto raw = [&](const torch::Tensor& standardised) {
    return standardised.to(torch::kFloat64) * scale + mean;
  };
  const Experience& first = stream.experiences[0];
  EXPECT_EQ(first.id, 0);
  EXPECT_EQ(first.name, "period 1");
  EXPECT_EQ(first.train.at("x").dtype(), torch::kFloat32);
  EXPECT_TRUE(torch::allclose(raw(first.train.at("x")),
                              rows({{0, 1, 2}, {1, 2, 3}}).to(torch::kFloat64), 0, 1e-5));
  EXPECT_TRUE(torch::allclose(raw(first.train.at("y")), rows({{3, 4}, {4, 5}}).to(torch::kFloat64),
                              0, 1e-5));
  EXPECT_TRUE(torch::allclose(raw(first.test.at("x")),
                              rows({{6, 7, 8}, {7, 8, 9}}).to(torch::kFloat64), 0, 1e-5));
  EXPECT_TRUE(torch::allclose(raw(first.test.at("y")),
                              rows({{9, 10}, {10, 11}}).to(torch::kFloat64), 0, 1e-5));
  const Experience& second = stream.experiences[1];
  EXPECT_EQ(second.name, "period 2");
  EXPECT_TRUE(torch::allclose(raw(second.train.at("x")),
                              rows({{12, 13, 14}, {13, 14, 15}}).to(torch::kFloat64), 0, 1e-5));
  EXPECT_TRUE(torch::allclose(raw(second.test.at("y")),
                              rows({{21, 22}, {22, 23}}).to(torch::kFloat64), 0, 1e-5));
  // The standardised values themselves: (0 - 2.5) / sqrt(35/12).
  EXPECT_NEAR(first.train.at("x")[0][0].item<double>(), -2.5 / scale, 1e-6);
  EXPECT_EQ(second.metadata.at("start"), "12");
  EXPECT_EQ(second.metadata.at("train_end"), "18");
  EXPECT_EQ(second.metadata.at("end"), "24");
  EXPECT_EQ(second.metadata.at("train_windows"), "2");
  EXPECT_EQ(stream.metadata.at("unused_points"), "1");
  EXPECT_EQ(first.metadata.count("anomaly_fraction"), 0u);  // no labels, no fraction
}

TEST(WindowStream, StrideSkipsWindowStarts) {
  auto options =
      WindowStreamOptions().periods(1).input_length(2).horizon(1).test_fraction(0.5).stride(2);
  Stream stream = make_window_stream(ramp(12), options);
  // Train points 0..5: windows start at 0 and 2 (4 + 3 > 6); test points 6..11: at 6 and 8.
  const auto& train_x = stream.experiences[0].train.at("x");
  const auto& test_y = stream.experiences[0].test.at("y");
  ASSERT_EQ(train_x.size(0), 2);
  ASSERT_EQ(test_y.size(0), 2);
  auto raw = [&](const torch::Tensor& t) {
    return (t.to(torch::kFloat64) * stream.spec.target.scale + stream.spec.target.offset).round();
  };
  EXPECT_TRUE(torch::equal(raw(train_x), rows({{0, 1}, {2, 3}}).to(torch::kFloat64)));
  EXPECT_TRUE(torch::equal(raw(test_y), rows({{8}, {10}}).to(torch::kFloat64)));
}

TEST(WindowStream, NoWindowCrossesTrainTestOrPeriodBoundaries) {
  auto options = WindowStreamOptions().periods(5).input_length(7).horizon(3).test_fraction(0.3);
  Series series = ramp(503);
  Stream stream = make_window_stream(series, options);
  ASSERT_EQ(stream.size(), 5);
  const int64_t period = 100, train = 70;
  for (const Experience& experience : stream.experiences) {
    const int64_t start = experience.id * period;
    for (const auto& [split, begin, end] :
         {std::make_tuple(&experience.train, start, start + train),
          std::make_tuple(&experience.test, start + train, start + period)}) {
      // Recover the indices (the ramp's values) from the standardised windows.
      torch::Tensor window = torch::cat({split->at("x"), split->at("y")}, 1).to(torch::kFloat64);
      torch::Tensor index = (window * stream.spec.target.scale + stream.spec.target.offset).round();
      ASSERT_EQ(split->size(), end - begin - 10 + 1);
      EXPECT_EQ(index.min().item<double>(), static_cast<double>(begin));
      EXPECT_EQ(index.max().item<double>(), static_cast<double>(end - 1));
      // Every window is 10 consecutive points.
      torch::Tensor steps = index.slice(1, 1) - index.slice(1, 0, -1);
      EXPECT_TRUE(torch::all(steps == 1).item<bool>());
    }
  }
}

TEST(WindowStream, StandardisesWithTheFirstPeriodsTrainingPointsOnly) {
  auto options = WindowStreamOptions().periods(2).input_length(2).horizon(1).test_fraction(0.5);
  Series series;
  series.name = "levels";
  // Two periods of 8 points. First period: training points 1, 3, 1, 3 (mean 2, std 1), test
  // points huge; second period huge too: none of them may influence the scaling.
  series.values = {1,    3,    1,    3,    1000, 2000, 3000, 4000,
                   5000, 6000, 7000, 8000, 9000, 9000, 9000, 9000};
  Stream stream = make_window_stream(series, options);
  EXPECT_DOUBLE_EQ(stream.spec.target.offset, 2);
  EXPECT_DOUBLE_EQ(stream.spec.target.scale, 1);
  const auto& x = stream.experiences[0].train.at("x");
  EXPECT_FLOAT_EQ(x[0][0].item<float>(), -1);
  EXPECT_FLOAT_EQ(x[0][1].item<float>(), 1);
  EXPECT_FLOAT_EQ(stream.experiences[1].test.at("y")[0][0].item<float>(), 8998);

  Series constant;
  constant.name = "flat";
  constant.values.assign(16, 5.0);
  Stream flat = make_window_stream(constant, options);
  EXPECT_DOUBLE_EQ(flat.spec.target.offset, 5);
  EXPECT_DOUBLE_EQ(flat.spec.target.scale, 1);  // std 0 => 1
  EXPECT_TRUE(torch::all(flat.experiences[1].train.at("x") == 0).item<bool>());
}

// Values near 1e-298 squared underflow to 0: the scale became 1, every standardised value 0 in
// float32, and the stream that of an all-zeros series. Scaled in double, the windows are those of
// the same series at ordinary magnitude, and the scale is the series' own.
TEST(WindowStream, TinyAndHugeSeriesStandardiseLikeTheSameSeriesAtOrdinaryMagnitude) {
  auto options = WindowStreamOptions().periods(2).input_length(3).horizon(2).test_fraction(0.5);
  const Series reference = ramp(25);
  const Stream expected = make_window_stream(reference, options);
  for (double magnitude : {1e-298, 1e-200, 1e200, 1e300}) {
    SCOPED_TRACE(magnitude);
    Series scaled = reference;
    for (double& value : scaled.values) value *= magnitude;
    Stream stream = make_window_stream(scaled, options);
    EXPECT_NEAR(stream.spec.target.scale / (expected.spec.target.scale * magnitude), 1.0, 1e-12);
    EXPECT_NEAR(stream.spec.target.offset / (expected.spec.target.offset * magnitude), 1.0, 1e-12);
    for (int64_t e = 0; e < stream.size(); ++e) {
      for (const char* key : {"x", "y"}) {
        const auto& got = stream.experiences[e].train.at(key);
        EXPECT_TRUE(torch::allclose(got, expected.experiences[e].train.at(key), 1e-6, 1e-6));
        EXPECT_GT(got.abs().max().item<float>(), 0.5f);  // not the zeros of an underflow
      }
    }
  }
  // A constant tiny series keeps its magnitude as the scale (not 1, which would flush the
  // later points' differences to 0 in float32).
  Series tiny = ramp(25, "tiny");
  for (int64_t i = 0; i < 25; ++i) tiny.values[i] = i < 6 ? 3e-298 : 4e-298;
  Stream steps = make_window_stream(tiny, options);
  EXPECT_DOUBLE_EQ(steps.spec.target.scale, 3e-298);
  EXPECT_FLOAT_EQ(steps.experiences[1].train.at("x")[0][0].item<float>(), 1.0f / 3.0f);
}

// A point far outside the first period's spread becomes inf in float32: refused, naming it.
TEST(WindowStream, APointFloat32CannotHoldIsRefused) {
  auto options = WindowStreamOptions().periods(2).input_length(3).horizon(2).test_fraction(0.5);
  Series series = ramp(25, "data.csv:load");
  series.values[20] = 1e300;
  std::string message = stream_error(series, options);
  EXPECT_NE(message.find("series 'data.csv:load': point 20 (1e+300) lies"), std::string::npos)
      << message;
  EXPECT_NE(message.find("float32, which the models compute in, cannot hold it"), std::string::npos)
      << message;
}

TEST(WindowStream, ReportsTheAnomalousFractionOfEachPeriod) {
  Series series = ramp(20);
  series.anomaly_labels.assign(20, 0);
  series.anomaly_labels[3] = 1;
  series.anomaly_labels[12] = 2;
  series.anomaly_labels[13] = 2;
  Stream stream = make_window_stream(
      series, WindowStreamOptions().periods(2).input_length(2).horizon(1).test_fraction(0.5));
  EXPECT_EQ(stream.experiences[0].metadata.at("anomaly_fraction"), "0.1");
  EXPECT_EQ(stream.experiences[1].metadata.at("anomaly_fraction"), "0.2");
}

TEST(WindowStream, MinimumLengthIsHandComputed) {
  // Width 5, test fraction 0.25: a period of 17 has 12 train and 5 test points, 16 only 4.
  auto options = WindowStreamOptions().periods(2).input_length(3).horizon(2).test_fraction(0.25);
  EXPECT_EQ(window_stream_min_points(options), 34);
  EXPECT_NO_THROW(make_window_stream(ramp(34), options));
  // Width 5, half and half: periods of 10.
  EXPECT_EQ(window_stream_min_points(options.test_fraction(0.5)), 20);
  // Width 10, 0.3: n = 31 has 21 train and 10 test points, n = 30 only 9 test points.
  EXPECT_EQ(window_stream_min_points(
                WindowStreamOptions().periods(1).input_length(7).horizon(3).test_fraction(0.3)),
            31);
  // Width 2, 0.1: n = 11 has 9 train and 2 test points, n = 10 only 1 test point.
  EXPECT_EQ(window_stream_min_points(
                WindowStreamOptions().periods(1).input_length(1).horizon(1).test_fraction(0.1)),
            11);
}

TEST(WindowStream, TooShortSeriesIsReported) {
  auto options = WindowStreamOptions().periods(2).input_length(3).horizon(2).test_fraction(0.5);
  EXPECT_EQ(stream_error(ramp(19, "tiny"), options),
            "series 'tiny' has 19 points: 2 periods with input length 3 + horizon 2 and test "
            "fraction 0.5 need at least 20");
}

TEST(WindowStream, BadOptionsAndValuesAreReported) {
  Series series = ramp(100);
  EXPECT_NE(stream_error(series, WindowStreamOptions().periods(0)).find("'periods'"),
            std::string::npos);
  EXPECT_NE(stream_error(series, WindowStreamOptions().input_length(0)).find("'input_length'"),
            std::string::npos);
  EXPECT_NE(stream_error(series, WindowStreamOptions().horizon(0)).find("'horizon'"),
            std::string::npos);
  EXPECT_NE(stream_error(series, WindowStreamOptions().test_fraction(0)).find("'test_fraction'"),
            std::string::npos);
  EXPECT_NE(stream_error(series, WindowStreamOptions().test_fraction(1)).find("'test_fraction'"),
            std::string::npos);
  EXPECT_NE(stream_error(series, WindowStreamOptions().stride(0)).find("'stride'"),
            std::string::npos);
  series.values[42] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(stream_error(series, WindowStreamOptions().periods(1).input_length(4).horizon(1)),
            "series 'ramp': point 42 is not a finite number (nan)");
}

}  // namespace
}  // namespace evergreen
