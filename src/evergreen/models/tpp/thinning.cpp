#include "evergreen/models/tpp/thinning.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

// The total intensity [N, G] at `offsets` [N, G], after checking what the callable returned: a
// wrong shape would otherwise surface as a broadcasting error far from its cause.
torch::Tensor total_intensity(const OffsetIntensityFunction& intensity_at,
                              const torch::Tensor& offsets) {
  auto lambdas = intensity_at(offsets);
  EVERGREEN_CHECK_INPUT(
      lambdas.dim() == 3 && lambdas.size(0) == offsets.size(0) &&
          lambdas.size(1) == offsets.size(1),
      "thinning: the intensity function must map offsets [{}, {}] to [{}, {}, K], "
      "got a tensor of {} dimensions",
      offsets.size(0), offsets.size(1), offsets.size(0), offsets.size(1), lambdas.dim());
  return lambdas.to(torch::kDouble).sum(2);
}

}  // namespace

NextEventPrediction thinning_predict(const OffsetIntensityFunction& intensity_at, int64_t histories,
                                     torch::Generator& generator, const ThinningOptions& options) {
  EVERGREEN_CHECK_INPUT(histories >= 1, "thinning: histories must be >= 1, got {}", histories);
  EVERGREEN_CHECK_INPUT(options.draws() >= 1 && options.samples() >= 1 && options.chunk() >= 1,
                        "thinning: draws, samples and chunk must be >= 1");
  EVERGREEN_CHECK_INPUT(options.safety_factor() >= 1.0,
                        "thinning: safety_factor must be >= 1, got {}", options.safety_factor());
  EVERGREEN_CHECK_INPUT(options.look_ahead() > 0 && std::isfinite(options.look_ahead()),
                        "thinning: look_ahead must be finite and > 0, got {}",
                        options.look_ahead());
  EVERGREEN_CHECK_INPUT(options.grid_points() >= 2, "thinning: grid_points must be >= 2, got {}",
                        options.grid_points());
  EVERGREEN_CHECK_INPUT(options.estimate() == "mean" || options.estimate() == "median",
                        "thinning: estimate must be 'mean' or 'median', got '{}'",
                        options.estimate());
  torch::NoGradGuard no_grad;
  const auto f64 = torch::TensorOptions().dtype(torch::kDouble);
  const int64_t rows = histories, chains = options.samples();
  const double window = options.look_ahead();

  auto grid =
      torch::linspace(0, window, options.grid_points(), f64).unsqueeze(0).expand({rows, -1});
  auto grid_max = std::get<0>(total_intensity(intensity_at, grid.contiguous()).max(1));  // [N]
  // An intensity that vanishes on the whole grid still needs a positive rate: its proposals then
  // land far past the window and the chain is censored instead of dividing by zero.
  auto bound = (options.safety_factor() * grid_max).clamp_min(std::numeric_limits<double>::min());
  auto rate = bound.view({rows, 1, 1});

  auto position = torch::zeros({rows, chains}, f64);  // the chain's last proposal so far
  auto sample = torch::full({rows, chains}, window, f64);
  auto censored = torch::zeros({rows, chains}, torch::kBool);
  auto done = torch::zeros({rows, chains}, torch::kBool);
  auto violations = torch::zeros({rows}, torch::kLong);
  int64_t used = 0;
  while (used < options.draws() && !done.all().item<bool>()) {
    const int64_t chunk = std::min(options.chunk(), options.draws() - used);
    // The exponential gaps first, then the uniforms: a fixed order keeps a seed's result fixed.
    auto gaps = torch::empty({rows, chains, chunk}, f64).exponential_(1.0, generator);
    auto uniforms = torch::empty({rows, chains, chunk}, f64).uniform_(0.0, 1.0, generator);
    auto proposals = position.unsqueeze(2) + gaps.cumsum(2) / rate;  // [N, S, C]
    auto inside = proposals <= window;
    // Proposals past the window are read at its end only to keep the callable's input in range;
    // their values are never used, since such a chain stops there.
    auto lambdas =
        total_intensity(intensity_at, proposals.clamp_max(window).reshape({rows, chains * chunk}))
            .view({rows, chains, chunk});
    auto accept = inside & (uniforms * rate < lambdas);
    auto stop = accept | ~inside;
    // Only proposals up to a chain's first stop count: the rest of the chunk is discarded.
    auto live = (stop.to(torch::kLong).cumsum(2) - stop.to(torch::kLong)) == 0;
    live = live & ~done.unsqueeze(2);
    violations += ((lambdas > rate) & inside & live).sum({1, 2});
    auto index = torch::arange(chunk, torch::kLong).view({1, 1, chunk}).expand_as(proposals);
    auto first = std::get<0>(torch::where(stop, index, torch::full_like(index, chunk - 1))
                                 .min(2, /*keepdim=*/true));  // first stop, or the last proposal
    auto stopped = stop.any(2) & ~done;
    auto accepted = accept.gather(2, first).squeeze(2) & stopped;
    auto value = torch::where(accepted, proposals.gather(2, first).squeeze(2),
                              torch::full_like(sample, window));
    sample = torch::where(stopped, value, sample);
    censored = censored | (stopped & ~accepted);
    done = done | stopped;
    position = proposals.select(2, chunk - 1).contiguous();
    used += chunk;
  }
  // Chains out of draws: all we know is that their next event lies after the last proposal.
  auto exhausted = ~done;
  sample = torch::where(exhausted, position.clamp_max(window), sample);
  censored = censored | exhausted;

  NextEventPrediction prediction;
  prediction.offset = options.estimate() == "mean" ? sample.mean(1) : std::get<0>(sample.median(1));
  auto at_prediction = intensity_at(prediction.offset.unsqueeze(1));  // [N, 1, K]
  prediction.type = at_prediction.select(1, 0).argmax(1);
  prediction.samples = sample;
  prediction.censored = censored;
  prediction.bound = bound;
  prediction.violations = violations;
  return prediction;
}

HistoryIntensityFunction history_intensities(Model& model, const Batch& batch) {
  IntensityFunction* intensity = model.intensity_function();
  EVERGREEN_CHECK_INPUT(intensity != nullptr,
                        "next-event prediction: the model offers no intensity function "
                        "(capabilities().intensity), so its intensities after a history cannot "
                        "be read");
  // A model of another family implements the seam on its own: check its answers' shape here,
  // where a mistake is still near its cause.
  HistoryIntensityFunction after = intensity->intensities_after(batch);
  const int64_t types = intensity->num_event_types();
  return [after, types](const torch::Tensor& rows, const torch::Tensor& positions,
                        const torch::Tensor& offsets) {
    auto lambdas = after(rows, positions, offsets);
    EVERGREEN_CHECK_INPUT(
        offsets.dim() == 2 && lambdas.dim() == 3 &&
            lambdas.sizes().slice(0, 2) == offsets.sizes() && lambdas.size(2) == types,
        "next-event prediction: the intensity function must map offsets [M, G] to [M, G, {}], "
        "got offsets {} and intensities {}",
        types, c10::str(offsets.sizes()), c10::str(lambdas.sizes()));
    return lambdas;
  };
}

std::map<std::string, double> next_event_metrics(Model& model, const Batch& batch,
                                                 torch::Generator& generator,
                                                 const NextEventOptions& options) {
  for (const char* key : {"times", "types", "mask"}) {
    EVERGREEN_CHECK_INPUT(batch.contains(key), "next_event_metrics: the batch has no '{}'", key);
  }
  EVERGREEN_CHECK_INPUT(options.block_size() >= 1, "next_event_metrics: block_size must be >= 1");
  torch::NoGradGuard no_grad;
  const auto& times = batch.at("times");
  auto mask = batch.at("mask") != 0;
  const int64_t length = times.size(1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (length < 2) {
    return {{"rmse", nan},
            {"type_accuracy", nan},
            {"events", 0.0},
            {"censored_fraction", nan},
            {"look_ahead", options.thinning().look_ahead()}};
  }
  // Every event i >= 1 is a target; its history ends at i - 1.
  auto pairs = mask.slice(1, 1).nonzero();  // [M, 2]: row and i - 1
  const int64_t targets = pairs.size(0);
  ThinningOptions thinning = options.thinning();
  if (targets == 0) {
    return {{"rmse", nan},
            {"type_accuracy", nan},
            {"events", 0.0},
            {"censored_fraction", nan},
            {"look_ahead", thinning.look_ahead()}};
  }
  auto rows = pairs.select(1, 0), previous = pairs.select(1, 1), next = previous + 1;
  auto true_gaps = (times.index({rows, next}) - times.index({rows, previous})).to(torch::kDouble);
  auto true_types = batch.at("types").index({rows, next});
  if (options.look_ahead_gaps() > 0) {
    double mean_gap = true_gaps.mean().item<double>();
    if (mean_gap > 0) thinning.look_ahead(options.look_ahead_gaps() * mean_gap);
  }

  HistoryIntensityFunction intensities_after = history_intensities(model, batch);  // one pass
  std::vector<torch::Tensor> offsets, types;
  double censored = 0;
  for (int64_t begin = 0; begin < targets; begin += options.block_size()) {
    const int64_t end = std::min(targets, begin + options.block_size());
    auto block_rows = rows.slice(0, begin, end), block_positions = previous.slice(0, begin, end);
    OffsetIntensityFunction intensity_at = [&](const torch::Tensor& offsets_after_last) {
      return intensities_after(block_rows, block_positions, offsets_after_last);
    };
    auto prediction = thinning_predict(intensity_at, end - begin, generator, thinning);
    offsets.push_back(prediction.offset);
    types.push_back(prediction.type);
    censored += prediction.censored.sum().item<double>();
  }
  auto predicted_gaps = torch::cat(offsets);
  auto predicted_types = torch::cat(types);
  double rmse = (predicted_gaps - true_gaps).pow(2).mean().sqrt().item<double>();
  double accuracy = (predicted_types == true_types).to(torch::kDouble).mean().item<double>();
  return {{"rmse", rmse},
          {"type_accuracy", accuracy},
          {"events", static_cast<double>(targets)},
          {"censored_fraction", censored / static_cast<double>(targets * thinning.samples())},
          {"look_ahead", thinning.look_ahead()}};
}

}  // namespace evergreen
