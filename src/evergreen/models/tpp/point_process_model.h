// What every neural point process shares: its outputs ("log_likelihood" [N] in EasyTPP's
// convention and "events" [N], the scored events per sequence) define the loss, the likelihood
// and the main metric, NLL per event; and the mean sequence length its FLOP count uses. Models
// that also score the whole window [0, T] (every event, the first one included, and the time
// after the last one up to T) write "log_likelihood_full" [N] and "events_full" [N], reported as
// nll_per_event_full.
//
// Time scale. Event times come in the data's own unit (seconds, days, a benchmark's arbitrary
// unit), and a network's decays, time embeddings and integral resolution only suit gaps of order
// one. So a point process works in model time, t / s, with s learned from the first
// experience's training data (its mean inter-event gap) or fixed by the `time_scale` option.
// forward() and intensity_function() take and give data units: times are divided by s on the
// way in, and every log intensity is lowered by log s on the way out (lambda_data(t) =
// lambda_model(t / s) / s; the integrals are unit-free), so NLLs are comparable across scales
// and with the true models'. Subclasses implement forward_model_time() and
// model_time_intensity(), which see model time only.
#pragma once

#include "evergreen/models/model.h"
#include "evergreen/models/tpp/intensity_function.h"

namespace evergreen {

class PointProcessModel : public Model {
 public:
  PointProcessModel();

  /// The outputs of forward_model_time() on `batch` in model time, their log-likelihoods
  /// ("log_likelihood", "log_likelihood_full", "prediction" when it is the log-likelihood, and
  /// "event_log_intensity" at the scored positions) in data units.
  Batch forward(const Batch& batch) final;

  /// Negative log-likelihood per scored event.
  torch::Tensor loss(const Batch& batch, const Batch& outputs) override {
    return -outputs.at("log_likelihood").sum() / outputs.at("events").sum().clamp_min(1);
  }
  torch::Tensor negative_log_likelihood(const Batch& batch, const Batch& outputs) override {
    return -outputs.at("log_likelihood").sum();
  }
  /// nll_per_event (main metric, lower is better) and events; nll_per_event_full and
  /// events_full when the model writes the likelihood over [0, T].
  std::map<std::string, double> evaluate(const Batch& batch) override;
  MainMetric main_metric() const override { return {"nll_per_event", false}; }

  /// Learns the stream's mean events per sequence, which scales forward_macs_per_row, and, unless
  /// fixed, the time scale: the mean gap between consecutive events of the first experience's
  /// training sequences.
  void prepare(const Stream& stream) override;

  /// The intensity in data units (nullptr when model_time_intensity() is).
  IntensityFunction* intensity_function() final;

  /// s: data time = s x model time. 1 until prepare() learns it.
  double time_scale() const;
  /// Fixes s (> 0), so that prepare() keeps it; 0 returns to learning it in prepare().
  void fix_time_scale(double scale);
  /// evaluate() also predicts the next event after each of the first `targets` events of a split
  /// by thinning with `samples` chains (0: not at all; models without an intensity never do),
  /// reporting next_event_time_rmse (data units) and next_event_type_accuracy. The draws come
  /// from a generator seeded alike in every evaluation, so the metrics are reproducible.
  void evaluate_next_events(int64_t samples, int64_t targets);

 protected:
  /// forward() in model time: "times" (and "end_time") already divided by the time scale.
  virtual Batch forward_model_time(const Batch& batch) = 0;
  /// The intensity in model time, or nullptr.
  virtual IntensityFunction* model_time_intensity() { return nullptr; }

  double mean_events_per_row_ = 1.0;  // for FLOP accounting

 private:
  // Reads a data-unit batch through model_time_intensity().
  class DataTimeIntensity : public IntensityFunction {
   public:
    explicit DataTimeIntensity(PointProcessModel& model) : model_(model) {}
    int64_t num_event_types() const override;
    HistoryIntensityFunction intensities_after(const Batch& batch) override;

   private:
    PointProcessModel& model_;
  };

  Batch to_model_time(const Batch& batch) const;

  torch::Tensor time_scale_;     // buffer [1], saved with the model
  double fixed_time_scale_ = 0;  // > 0: not learned
  int64_t next_event_samples_ = 0, next_event_targets_ = 256;
  DataTimeIntensity data_time_intensity_{*this};
};

/// `batch` ("times", "types", "mask") cut to its longest sequence (at least one position):
/// padding sits at the end, so the positions after it are padding in every row and the
/// attention models need not compute them.
Batch cut_to_longest(const Batch& batch);

}  // namespace evergreen
