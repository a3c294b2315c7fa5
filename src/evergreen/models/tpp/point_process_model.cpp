#include "evergreen/models/tpp/point_process_model.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/models/tpp/thinning.h"

namespace evergreen {

PointProcessModel::PointProcessModel() {
  time_scale_ = register_buffer("time_scale", torch::ones({1}, torch::kDouble));
}

double PointProcessModel::time_scale() const { return time_scale_.item<double>(); }

void PointProcessModel::fix_time_scale(double scale) {
  EVERGREEN_CHECK_INPUT(scale >= 0 && std::isfinite(scale),
                        "time_scale must be > 0 (or 0 to learn it), got {}", scale);
  fixed_time_scale_ = scale;
  if (scale > 0) {
    torch::NoGradGuard no_grad;
    time_scale_.fill_(scale);
  }
}

void PointProcessModel::prepare(const Stream& stream) {
  double events = 0, rows = 0;
  for (const auto& experience : stream.experiences) {
    if (!experience.train.contains("mask")) continue;
    events += experience.train.at("mask").sum().item<double>();
    rows += static_cast<double>(experience.train.size());
  }
  if (rows > 0) mean_events_per_row_ = events / rows;
  if (fixed_time_scale_ > 0 || stream.experiences.empty()) return;
  const Batch& first = stream.experiences.front().train;
  if (!first.contains("times") || !first.contains("mask")) return;
  // Gaps between consecutive events of a sequence (padding repeats the last time: gap 0, and
  // its mask is 0 anyway).
  auto times = first.at("times").to(torch::kDouble);
  auto mask = first.at("mask").to(torch::kDouble);
  if (times.dim() != 2 || times.size(1) < 2) return;
  auto both = mask.slice(1, 1) * mask.slice(1, 0, -1);
  const double pairs = both.sum().item<double>();
  const double span = ((times.slice(1, 1) - times.slice(1, 0, -1)) * both).sum().item<double>();
  // A stream without two events in a row, or only simultaneous ones, keeps its own units.
  if (pairs > 0 && span > 0 && std::isfinite(span)) {
    torch::NoGradGuard no_grad;
    time_scale_.fill_(span / pairs);
  }
}

Batch PointProcessModel::to_model_time(const Batch& batch) const {
  const double scale = time_scale();
  if (scale == 1.0) return batch;
  Batch scaled = batch;
  for (const char* key : {"times", "end_time"})
    if (batch.contains(key)) scaled.set(key, batch.at(key) / scale);
  return scaled;
}

Batch PointProcessModel::forward(const Batch& batch) {
  Batch out = forward_model_time(to_model_time(batch));
  const double scale = time_scale();
  if (scale == 1.0) return out;
  const double log_scale = std::log(scale);
  const bool prediction_is_likelihood =
      out.contains("prediction") && out.at("prediction").is_same(out.at("log_likelihood"));
  out.set("log_likelihood", out.at("log_likelihood") - log_scale * out.at("events"));
  if (prediction_is_likelihood) out.set("prediction", out.at("log_likelihood"));
  if (out.contains("log_likelihood_full") && out.contains("events_full"))
    out.set("log_likelihood_full",
            out.at("log_likelihood_full") - log_scale * out.at("events_full"));
  if (out.contains("event_log_intensity")) {
    // Scored positions: every event but the first (EasyTPP's convention).
    auto values = out.at("event_log_intensity");
    auto scored = torch::zeros_like(values);
    auto mask = batch.at("mask").to(values.dtype());
    scored.slice(1, 1, mask.size(1)).copy_(mask.slice(1, 1, values.size(1)));
    out.set("event_log_intensity", values - log_scale * scored);
  }
  return out;
}

std::map<std::string, double> PointProcessModel::evaluate(const Batch& batch) {
  torch::NoGradGuard no_grad;
  auto outputs = forward(batch);
  double events = outputs.at("events").sum().item<double>();
  // NLL 0 over no event would read as a perfect model.
  EVERGREEN_CHECK_INPUT(events > 0,
                        "nll_per_event: the {} evaluated sequences hold no scored event (each has "
                        "fewer than 2 events; the first only starts the history)",
                        batch.size());
  double log_likelihood = outputs.at("log_likelihood").to(torch::kDouble).sum().item<double>();
  std::map<std::string, double> metrics{{"nll_per_event", -log_likelihood / events},
                                        {"events", events}};
  if (outputs.contains("log_likelihood_full") && outputs.contains("events_full")) {
    double events_full = outputs.at("events_full").sum().item<double>();
    double full = outputs.at("log_likelihood_full").to(torch::kDouble).sum().item<double>();
    metrics["nll_per_event_full"] = -full / std::max(events_full, 1.0);
    metrics["events_full"] = events_full;
  }
  if (next_event_samples_ > 0 && intensity_function() != nullptr) {
    // The first next_event_targets_ targets (events after the first of a sequence, row by row):
    // masking later events leaves the earlier histories as they are.
    auto mask = batch.at("mask") != 0;
    auto targets = torch::zeros_like(mask);
    targets.slice(1, 1).copy_(mask.slice(1, 1));
    auto kept = targets.flatten().cumsum(0).view(mask.sizes()) <= next_event_targets_;
    Batch cut = batch;
    cut.set("mask", (mask & (kept | ~targets)).to(batch.at("mask").dtype()));
    auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
    NextEventOptions next;
    next.thinning(ThinningOptions().samples(next_event_samples_));
    auto predicted = next_event_metrics(*this, cut, generator, next);
    metrics["next_event_time_rmse"] = predicted.at("rmse");
    metrics["next_event_type_accuracy"] = predicted.at("type_accuracy");
  }
  return metrics;
}

void PointProcessModel::evaluate_next_events(int64_t samples, int64_t targets) {
  EVERGREEN_CHECK_INPUT(samples >= 0 && targets >= 1,
                        "next-event evaluation: samples must be >= 0 and targets >= 1");
  next_event_samples_ = samples;
  next_event_targets_ = targets;
}

IntensityFunction* PointProcessModel::intensity_function() {
  return model_time_intensity() != nullptr ? &data_time_intensity_ : nullptr;
}

int64_t PointProcessModel::DataTimeIntensity::num_event_types() const {
  return model_.model_time_intensity()->num_event_types();
}

HistoryIntensityFunction PointProcessModel::DataTimeIntensity::intensities_after(
    const Batch& batch) {
  HistoryIntensityFunction inner =
      model_.model_time_intensity()->intensities_after(model_.to_model_time(batch));
  const double scale = model_.time_scale();
  if (scale == 1.0) return inner;
  return [inner, scale](const torch::Tensor& rows, const torch::Tensor& positions,
                        const torch::Tensor& offsets) {
    return inner(rows, positions, offsets / scale) / scale;
  };
}

Batch cut_to_longest(const Batch& batch) {
  const int64_t length = batch.at("times").size(1);
  const int64_t longest =
      std::max<int64_t>(1, (batch.at("mask") != 0).sum(1).max().item<int64_t>());
  if (longest >= length) return batch;
  Batch cut = batch;
  for (const char* key : {"times", "types", "mask"})
    cut.set(key, batch.at(key).slice(1, 0, longest));
  return cut;
}

}  // namespace evergreen
