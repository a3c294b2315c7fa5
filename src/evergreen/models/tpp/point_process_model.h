// What every neural point process shares: its outputs ("log_likelihood" [N] in EasyTPP's
// convention and "events" [N], the scored events per sequence) define the loss, the likelihood
// and the main metric, NLL per event; and the mean sequence length its FLOP count uses. Models
// that also score the whole window [0, T] (every event, the first one included, and the time
// after the last one up to T) write "log_likelihood_full" [N] and "events_full" [N], reported as
// nll_per_event_full.
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
  /// nll_per_event (main metric, lower is better) and events; nll_per_event_full and
  /// events_full when the model writes the likelihood over [0, T].
  std::map<std::string, double> evaluate(const Batch& batch) override {
    torch::NoGradGuard no_grad;
    auto outputs = forward(batch);
    double events = outputs.at("events").sum().item<double>();
    double log_likelihood = outputs.at("log_likelihood").to(torch::kDouble).sum().item<double>();
    std::map<std::string, double> metrics{
        {"nll_per_event", -log_likelihood / std::max(events, 1.0)}, {"events", events}};
    if (outputs.contains("log_likelihood_full") && outputs.contains("events_full")) {
      double events_full = outputs.at("events_full").sum().item<double>();
      double full = outputs.at("log_likelihood_full").to(torch::kDouble).sum().item<double>();
      metrics["nll_per_event_full"] = -full / std::max(events_full, 1.0);
      metrics["events_full"] = events_full;
    }
    return metrics;
  }
  MainMetric main_metric() const override { return {"nll_per_event", false}; }

  /// Learns the stream's mean events per sequence, which scales forward_macs_per_row.
  void prepare(const Stream& stream) override {
    double events = 0, rows = 0;
    for (const auto& experience : stream.experiences) {
      if (!experience.train.contains("mask")) continue;
      events += experience.train.at("mask").sum().item<double>();
      rows += static_cast<double>(experience.train.size());
    }
    if (rows > 0) mean_events_per_row_ = events / rows;
  }

 protected:
  double mean_events_per_row_ = 1.0;  // for FLOP accounting
};

}  // namespace evergreen
