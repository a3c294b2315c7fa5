#include "evergreen/eval/point_process_nll.h"

#include <algorithm>
#include <limits>

#include "evergreen/core/error.h"
#include "evergreen/models/model.h"

namespace evergreen {

NllPerEvent model_nll_per_event(Model& model, const Batch& batch, int64_t block) {
  EVERGREEN_CHECK_INPUT(block >= 1, "evaluation block of {} sequences: expected >= 1", block);
  torch::NoGradGuard no_grad;
  double nll = 0, nll_full = 0, events = 0, events_full = 0;
  for (int64_t begin = 0; begin < batch.size(); begin += block) {
    auto out = model.forward(batch.slice(begin, std::min(batch.size(), begin + block)));
    nll -= out.at("log_likelihood").to(torch::kDouble).sum().item<double>();
    events += out.at("events").sum().item<double>();
    if (out.contains("log_likelihood_full")) {
      nll_full -= out.at("log_likelihood_full").to(torch::kDouble).sum().item<double>();
      events_full += out.at("events_full").sum().item<double>();
    }
  }
  // NLL 0 over no event would read as a perfect model.
  EVERGREEN_CHECK_INPUT(events > 0,
                        "NLL per event: the {} sequences hold no scored event (each has fewer "
                        "than 2 events; the first only starts the history)",
                        batch.size());
  return {nll / events,
          events_full > 0 ? nll_full / events_full : std::numeric_limits<double>::quiet_NaN()};
}

NllPerEvent model_nll_per_event_with_points(
    Model& trained, const std::function<std::shared_ptr<Model>(int64_t points)>& make,
    int64_t points, const Batch& batch, int64_t block) {
  auto evaluator = make(points);
  {
    torch::NoGradGuard no_grad;
    auto source = trained.parameters();
    auto target = evaluator->parameters();
    EVERGREEN_ASSERT(source.size() == target.size(),
                     "the evaluation model has {} parameter tensors, the trained one {}",
                     target.size(), source.size());
    for (size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
    // Buffers too: a point process keeps its learned time scale in one.
    auto source_buffers = trained.buffers();
    auto target_buffers = evaluator->buffers();
    EVERGREEN_ASSERT(source_buffers.size() == target_buffers.size(),
                     "the evaluation model has {} buffers, the trained one {}",
                     target_buffers.size(), source_buffers.size());
    for (size_t i = 0; i < source_buffers.size(); ++i) target_buffers[i].copy_(source_buffers[i]);
  }
  return model_nll_per_event(*evaluator, batch, block);
}

}  // namespace evergreen
