// The neural Hawkes process (NHP; Mei & Eisner, NeurIPS 2017): a continuous-time LSTM whose cell
// decays between events, and intensities lambda_k(t) = softplus(w_k . h(t) + b_k).
#pragma once

#include <torch/torch.h>

#include <string>

#include "evergreen/core/options.h"
#include "evergreen/models/tpp/continuous_time_lstm.h"
#include "evergreen/models/tpp/intensity_function.h"
#include "evergreen/models/tpp/point_process_model.h"

namespace evergreen {

struct NeuralHawkesOptions {
  explicit NeuralHawkesOptions(int64_t num_types) : num_types_(num_types) {}
  TORCH_ARG(int64_t, num_types);
  TORCH_ARG(int64_t, hidden_size) = 32;
  /// Points per inter-event interval for the integral of the total intensity.
  TORCH_ARG(int64_t, integral_points) = 20;
  /// "log_gauss" (Gauss-Legendre nodes on a log scale of the time since the event; see
  /// integral_rule.h), "trapezoid" (points at both ends) or "mean" (midpoints: dt x mean).
  TORCH_ARG(std::string, integral_rule) = "log_gauss";
  /// log_gauss: the shortest time after an event the nodes resolve, in the model's time units.
  TORCH_ARG(double, integral_resolution) = 1e-3;
};

/// Reads "times" [N, L] (event times from the sequence's start, non-decreasing), "types" [N, L]
/// (int64 in [0, K)) and "mask" [N, L] (1 for events, 0 for padding at the end). Writes
/// "log_likelihood" [N] in EasyTPP's convention: sum over events i >= 2 of
/// log lambda_{k_i}(t_i) - integral_{t_{i-1}}^{t_i} sum_k lambda_k(s) ds (the first event and the
/// time after the last one are not scored), "events" [N] (scored events per sequence),
/// "log_likelihood_full" [N] over [0, T] (every event scored, the integral from 0 to T, where T
/// is the batch's optional "end_time" [N] or else the last event; the state before the first
/// event is zero), "events_full" [N], "prediction" (= log_likelihood) and "hint" [N, H] (the
/// state after the last event). The recurrence and the likelihood run in one fused kernel with a
/// hand-written backward pass (continuous_time_lstm.h).
///
/// Example:
///   NeuralHawkes model(NeuralHawkesOptions(/*num_types=*/2).hidden_size(16));
///   Batch out = model->forward(batch);   // out.at("log_likelihood")
class NeuralHawkesImpl : public PointProcessModel, public IntensityFunction {
 public:
  explicit NeuralHawkesImpl(const NeuralHawkesOptions& options);

  int64_t forward_macs_per_row() const override;
  int64_t hint_size() const override { return options_.hidden_size(); }
  static constexpr ModelCapabilities kCapabilities{OutputKind::kSequenceLikelihood,
                                                   /*hint=*/true, /*prompts=*/false,
                                                   /*intensity=*/true};
  ModelCapabilities capabilities() const override { return kCapabilities; }

  /// Intensities [N, G, K] at times `offsets` [N, G] after the events whose decaying states are
  /// given (the continuous-time LSTM read-out between two events).
  torch::Tensor intensities(const torch::Tensor& cell, const torch::Tensor& cell_target,
                            const torch::Tensor& decay, const torch::Tensor& output_gate,
                            const torch::Tensor& offsets);

  /// The state after every event, from the same recurrence as forward() (no likelihood is
  /// computed). Used for next-event prediction (see tpp/thinning.h). Example:
  ///   NeuralHawkesStates states = model->event_states(batch);
  ///   auto at3 = [](const torch::Tensor& state) { return state.select(1, 3); };
  ///   // lambda(t_3 + 0.5) for every sequence: [N, 1, K]
  ///   auto lambdas = model->intensities(at3(states.cell), at3(states.cell_target),
  ///                                     at3(states.decay), at3(states.output_gate),
  ///                                     torch::full({n, 1}, 0.5));
  NeuralHawkesStates event_states(const Batch& batch);

  // IntensityFunction: event_states() once, read by intensities(); positions must be >= 0 (the
  // state before the first event is not kept).
  int64_t num_event_types() const override { return options_.num_types(); }
  HistoryIntensityFunction intensities_after(const Batch& batch) override;

  const NeuralHawkesOptions& options() const { return options_; }

 protected:
  Batch forward_model_time(const Batch& batch) override;
  IntensityFunction* model_time_intensity() override { return this; }

 private:
  ContinuousTimeLstmWeights weights(const Batch& batch);

  NeuralHawkesOptions options_;
  torch::nn::Embedding type_embedding_{nullptr};
  torch::nn::Linear gates_{nullptr};
  torch::nn::Linear intensity_{nullptr};
  IntegralRule rule_;
};
TORCH_MODULE(NeuralHawkes);

/// The registry's factory: event types from the stream, options `hidden_size`, `integral_rule`
/// and `integral_points`.
std::shared_ptr<Model> make_neural_hawkes(Options& options, const Stream& stream);

}  // namespace evergreen
