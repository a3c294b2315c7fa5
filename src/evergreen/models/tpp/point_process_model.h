// What every neural point process shares: its outputs ("log_likelihood" [N] in EasyTPP's
// convention and "events" [N], the scored events per sequence) define the loss, the likelihood
// and the main metric, NLL per event.
#pragma once

#include "evergreen/models/model.h"

namespace evergreen {

class PointProcessModel : public Model {
 public:
  /// Negative log-likelihood per scored event.
  torch::Tensor loss(const Batch& batch, const Batch& outputs) override {
    return -outputs.at("log_likelihood").sum() / outputs.at("events").sum().clamp_min(1);
  }
  torch::Tensor negative_log_likelihood(const Batch& batch, const Batch& outputs) override {
    return -outputs.at("log_likelihood").sum();
  }
  /// nll_per_event (main metric, lower is better) and events.
  std::map<std::string, double> evaluate(const Batch& batch) override {
    torch::NoGradGuard no_grad;
    auto outputs = forward(batch);
    double events = outputs.at("events").sum().item<double>();
    double log_likelihood = outputs.at("log_likelihood").to(torch::kDouble).sum().item<double>();
    return {{"nll_per_event", -log_likelihood / std::max(events, 1.0)}, {"events", events}};
  }
  MainMetric main_metric() const override { return {"nll_per_event", false}; }
};

}  // namespace evergreen
