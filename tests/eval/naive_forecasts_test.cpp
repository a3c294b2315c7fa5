// The no-learning references on series whose forecasts are known by hand: a ramp (the last value
// is h + 1 behind at horizon step h) and a pure periodic series (seasonal naive is exact).
#include "evergreen/eval/naive_forecasts.h"

#include <gtest/gtest.h>

#include <cmath>

#include "evergreen/data/window_stream.h"
#include "evergreen/models/model.h"

namespace evergreen {
namespace {

Series series_of(const std::vector<double>& values) {
  Series series;
  series.name = "test";
  series.values = values;
  return series;
}

Stream ramp_stream(int64_t points) {
  std::vector<double> values;
  for (int64_t t = 0; t < points; ++t) values.push_back(100.0 + t);
  return make_window_stream(series_of(values),
                            WindowStreamOptions().periods(2).input_length(4).horizon(3));
}

TEST(NaiveForecasts, TheSeriesComesBackFromTheWindows) {
  Stream stream = ramp_stream(83);  // 2 periods of 41 points, 1 unused
  auto series = window_stream_series(stream);
  ASSERT_EQ(series.size(0), 82);
  for (int64_t t = 0; t < 82; ++t) EXPECT_NEAR(series[t].item<double>(), 100.0 + t, 1e-4) << t;
}

// On a ramp the last value is h + 1 behind at horizon step h: MAE (1 + 2 + 3) / 3 = 2.
TEST(NaiveForecasts, LastValueOnARamp) {
  Stream stream = ramp_stream(80);
  auto last = last_value_forecasts(stream);
  EXPECT_EQ(last.label, "last-value");
  ASSERT_EQ(last.period_mae.size(), 2u);
  for (double mae : last.period_mae) EXPECT_NEAR(mae, 2.0, 1e-4);
  int64_t test_windows = 0;
  for (const auto& experience : stream.experiences) test_windows += experience.test.size();
  ASSERT_EQ(static_cast<int64_t>(last.trace.actual.size()), test_windows);
  for (size_t i = 0; i < last.trace.actual.size(); ++i)
    EXPECT_NEAR(last.trace.actual[i] - last.trace.forecast[i], 1.0, 1e-4) << i;
}

// Seasonal naive with a season of one step on a ramp is one behind at every horizon step; with a
// season longer than the series it has no point that far back and is the last value.
TEST(NaiveForecasts, SeasonalNaiveOnARamp) {
  Stream stream = ramp_stream(80);
  auto one_step = seasonal_naive_forecasts(stream, 1);
  EXPECT_EQ(one_step.label, "seasonal-naive");
  for (double mae : one_step.period_mae) EXPECT_NEAR(mae, 1.0, 1e-4);
  auto never = seasonal_naive_forecasts(stream, 1000);
  auto last = last_value_forecasts(stream);
  EXPECT_EQ(never.period_mae, last.period_mae);
  EXPECT_EQ(never.trace.forecast, last.trace.forecast);
}

// A series of period 8: every test target of both periods lies at least one season in, so
// seasonal naive is exact while the last value is not.
TEST(NaiveForecasts, SeasonalNaiveIsExactOnAPeriodicSeries) {
  const std::vector<double> season = {3, 7, 12, 9, 4, 1, 6, 10};
  std::vector<double> values;
  for (int64_t t = 0; t < 96; ++t) values.push_back(season[t % 8]);
  Stream stream = make_window_stream(series_of(values),
                                     WindowStreamOptions().periods(2).input_length(6).horizon(2));
  auto seasonal = seasonal_naive_forecasts(stream, 8);
  for (double mae : seasonal.period_mae) EXPECT_NEAR(mae, 0.0, 1e-4);
  for (size_t i = 0; i < seasonal.trace.actual.size(); ++i)
    EXPECT_NEAR(seasonal.trace.forecast[i], seasonal.trace.actual[i], 1e-4) << i;
  for (double mae : last_value_forecasts(stream).period_mae) EXPECT_GT(mae, 1.0);
}

/// Forecasts the window's last input value at every horizon step.
class LastValueModel : public Model {
 public:
  explicit LastValueModel(int64_t horizon) : horizon_(horizon) {}
  Batch forward(const Batch& batch) override {
    const auto& x = batch.at("x");
    return Batch{
        {"prediction", x.select(1, x.size(1) - 1).unsqueeze(1).expand({x.size(0), horizon_})}};
  }
  torch::Tensor loss(const Batch&, const Batch&) override { return torch::zeros({}); }
  std::map<std::string, double> evaluate(const Batch&) override { return {{"mae", 0}}; }
  MainMetric main_metric() const override { return {"mae", false}; }
  int64_t forward_macs_per_row() const override { return 0; }

 private:
  int64_t horizon_;
};

TEST(NaiveForecasts, AModelsOneStepForecastsInSeriesUnits) {
  Stream stream = ramp_stream(80);
  LastValueModel model(3);
  auto last = last_value_forecasts(stream);
  ForecastTrace trace;
  for (int64_t index = 0; index < stream.size(); ++index) {
    auto part = model_one_step_forecasts(model, stream, index);
    trace.actual.insert(trace.actual.end(), part.actual.begin(), part.actual.end());
    trace.forecast.insert(trace.forecast.end(), part.forecast.begin(), part.forecast.end());
  }
  ASSERT_EQ(trace.actual.size(), last.trace.actual.size());
  for (size_t i = 0; i < trace.actual.size(); ++i) {
    EXPECT_NEAR(trace.actual[i], last.trace.actual[i], 1e-9);
    EXPECT_NEAR(trace.forecast[i], last.trace.forecast[i], 1e-4);
  }
}

}  // namespace
}  // namespace evergreen
