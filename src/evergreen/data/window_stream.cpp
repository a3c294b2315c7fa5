#include "evergreen/data/window_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"

namespace evergreen {
namespace {

void validate(const WindowStreamOptions& options) {
  EVERGREEN_CHECK_INPUT(options.periods() >= 1,
                        "window stream option 'periods': expected an integer >= 1, got {}",
                        options.periods());
  EVERGREEN_CHECK_INPUT(options.input_length() >= 1,
                        "window stream option 'input_length': expected an integer >= 1, got {}",
                        options.input_length());
  EVERGREEN_CHECK_INPUT(options.horizon() >= 1,
                        "window stream option 'horizon': expected an integer >= 1, got {}",
                        options.horizon());
  EVERGREEN_CHECK_INPUT(options.test_fraction() > 0 && options.test_fraction() < 1,
                        "window stream option 'test_fraction': expected a number in (0, 1), got {}",
                        options.test_fraction());
  EVERGREEN_CHECK_INPUT(options.stride() >= 1,
                        "window stream option 'stride': expected an integer >= 1, got {}",
                        options.stride());
}

// Training points of a period of `length` points. The tolerance keeps products such as
// 10 * (1 - 0.3) = 6.9999999 from losing a point to rounding.
int64_t train_points(int64_t length, double test_fraction) {
  return static_cast<int64_t>(
      std::floor(static_cast<double>(length) * (1.0 - test_fraction) + 1e-9));
}

// The windows of points [begin, end) of `values` (already standardised).
Batch make_windows(const torch::Tensor& values, int64_t begin, int64_t end,
                   const WindowStreamOptions& options) {
  const int64_t width = options.input_length() + options.horizon();
  EVERGREEN_ASSERT(end - begin >= width, "segment [{}, {}) shorter than a window", begin, end);
  torch::Tensor windows = values.slice(0, begin, end).unfold(0, width, options.stride());
  return Batch{
      {"x", windows.slice(1, 0, options.input_length()).clone(torch::MemoryFormat::Contiguous)},
      {"y", windows.slice(1, options.input_length()).clone(torch::MemoryFormat::Contiguous)}};
}

// Magnitudes whose squares, summed over any series, stay well inside double's normal range.
constexpr double kPlainSmallest = 1e-100;
constexpr double kPlainLargest = 1e100;

// The mean and the (population) standard deviation of values[0, count): the scaling of the
// stream. Series of ordinary magnitude are computed directly (a deviation of 0 gives scale 1);
// beyond 1e-100..1e100 the squares would underflow (1e-298 squared is 0, so the scale became 1
// and every value 0 in float32) or the sums overflow, so they are computed in units of the
// largest magnitude, and a deviation of 0 gives that magnitude as the scale.
struct Standardisation {
  double mean = 0;
  double scale = 1;
  double unit = 1;  // 1, or the largest |value| when computed in its units

  // (value - mean) / scale, in double.
  double standardise(double value) const {
    if (unit == 1) return (value - mean) / scale;
    return (value / unit - mean / unit) / (scale / unit);
  }
};

Standardisation first_period_scaling(const std::vector<double>& values, int64_t count) {
  double largest = 0;
  for (int64_t i = 0; i < count; ++i) largest = std::max(largest, std::abs(values[i]));
  const bool plain = largest == 0 || (largest >= kPlainSmallest && largest <= kPlainLargest);
  const double unit = plain ? 1.0 : largest;
  double sum = 0;
  for (int64_t i = 0; i < count; ++i) sum += values[i] / unit;
  const double mean = sum / static_cast<double>(count);
  double squares = 0;
  for (int64_t i = 0; i < count; ++i) {
    const double centred = values[i] / unit - mean;
    squares += centred * centred;
  }
  const double deviation = std::sqrt(squares / static_cast<double>(count));
  Standardisation result;
  result.unit = unit;
  result.mean = mean * unit;
  result.scale = deviation > 0 ? deviation * unit : unit;
  return result;
}

}  // namespace

int64_t window_stream_min_points(const WindowStreamOptions& options) {
  validate(options);
  const int64_t width = options.input_length() + options.horizon();
  const double fraction = options.test_fraction();
  // Both parts grow by at most one point per added point, so the first length that fits is
  // found by counting up. Since train <= length * (1 - fraction) and
  // test < length * fraction + 1, no length below either bound fits: start just under them.
  auto fits = [&](int64_t length) {
    int64_t train = train_points(length, fraction);
    return train >= width && length - train >= width;
  };
  const double bound = std::max(static_cast<double>(width) / (1.0 - fraction),
                                static_cast<double>(width - 1) / fraction);
  int64_t length = std::max<int64_t>(2 * width, static_cast<int64_t>(std::floor(bound)) - 2);
  while (!fits(length)) ++length;
  return options.periods() * length;
}

Stream make_window_stream(const Series& series, const WindowStreamOptions& options) {
  validate(options);
  const int64_t size = series.size();
  const int64_t needed = window_stream_min_points(options);
  EVERGREEN_CHECK_INPUT(size >= needed,
                        "series '{}' has {} points: {} periods with input length {} + horizon {} "
                        "and test fraction {} need at least {}",
                        series.name, size, options.periods(), options.input_length(),
                        options.horizon(), options.test_fraction(), needed);
  EVERGREEN_CHECK_INPUT(
      series.anomaly_labels.empty() || static_cast<int64_t>(series.anomaly_labels.size()) == size,
      "series '{}' has {} values but {} anomaly labels", series.name, size,
      series.anomaly_labels.size());
  for (int64_t i = 0; i < size; ++i) {
    EVERGREEN_CHECK_INPUT(std::isfinite(series.values[i]),
                          "series '{}': point {} is not a finite number ({})", series.name, i,
                          series.values[i]);
  }

  const int64_t period_length = size / options.periods();
  const int64_t train_length = train_points(period_length, options.test_fraction());

  // Statistics of the first period's training points only: later data must not leak into
  // the scaling the model is trained with.
  const Standardisation scaling = first_period_scaling(series.values, train_length);
  // Windows overlap, each a copy of input_length + horizon points.
  const double windows = static_cast<double>(size) / static_cast<double>(options.stride());
  check_allocation(
      windows * static_cast<double>(options.input_length() + options.horizon()) * sizeof(float),
      fmt::format("series '{}': {:.3g} windows of input_length {} + horizon {} points", series.name,
                  windows, options.input_length(), options.horizon()));

  // Standardised in double, so the float32 the model sees holds values of order 1 whatever the
  // series' own magnitude (1e-298 or 1e300); a point that float32 cannot hold even then (far
  // outside the first period's spread) is refused rather than made infinite.
  std::vector<float> standardised(size);
  for (int64_t i = 0; i < size; ++i) {
    const double z = scaling.standardise(series.values[i]);
    EVERGREEN_CHECK_INPUT(std::abs(z) <= std::numeric_limits<float>::max(),
                          "series '{}': point {} ({}) lies {:.3g} spreads from the first period's "
                          "training mean ({} +- {}): float32, which the models compute in, cannot "
                          "hold it; rescale the series or leave such points out",
                          series.name, i, series.values[i], z, scaling.mean, scaling.scale);
    standardised[i] = static_cast<float>(z);
  }
  torch::Tensor values = torch::from_blob(standardised.data(), {size}, torch::kFloat32);

  Stream stream;
  stream.name = series.name;
  stream.spec.target.offset = scaling.mean;
  stream.spec.target.scale = scaling.scale;
  stream.metadata = {{"series", series.name},
                     {"points", std::to_string(size)},
                     {"step_seconds", fmt::format("{}", series.step_seconds)},
                     {"periods", std::to_string(options.periods())},
                     {"period_length", std::to_string(period_length)},
                     {"input_length", std::to_string(options.input_length())},
                     {"horizon", std::to_string(options.horizon())},
                     {"test_fraction", fmt::format("{}", options.test_fraction())},
                     {"stride", std::to_string(options.stride())},
                     {"unused_points", std::to_string(size - period_length * options.periods())}};
  stream.dropped_points = series.dropped_points;
  for (int64_t period = 0; period < options.periods(); ++period) {
    const int64_t start = period * period_length;
    const int64_t train_end = start + train_length;
    const int64_t end = start + period_length;
    Experience experience;
    experience.id = period;
    experience.name = fmt::format("period {}", period + 1);
    experience.train = make_windows(values, start, train_end, options);
    experience.test = make_windows(values, train_end, end, options);
    experience.metadata = {{"start", std::to_string(start)},
                           {"end", std::to_string(end)},
                           {"train_end", std::to_string(train_end)},
                           {"train_windows", std::to_string(experience.train.size())},
                           {"test_windows", std::to_string(experience.test.size())}};
    if (!series.anomaly_labels.empty()) {
      int64_t anomalous = 0;
      for (int64_t i = start; i < end; ++i) anomalous += series.anomaly_labels[i] != 0;
      experience.metadata["anomaly_fraction"] =
          fmt::format("{}", static_cast<double>(anomalous) / static_cast<double>(period_length));
    }
    stream.experiences.push_back(std::move(experience));
  }
  return stream;
}

}  // namespace evergreen
