// The Transformer Hawkes process (THP; after Zuo, Jiang, Li, Zhao & Zha, ICML 2020): a causally
// masked Transformer encoder reads the type embeddings plus a sinusoidal encoding of the event
// times, and between events j and j + 1 the intensities are
//   lambda_k(t) = softplus_{beta_k}(alpha_k (t - t_j) + w_k . h(t_j) + b_k),
// softplus_beta(x) = beta log(1 + exp(x / beta)). The paper writes alpha_k (t - t_j) / t_j, which
// is undefined at t_j = 0 and changes with the unit of time; like EasyTPP we drop the division.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/models/tpp/integral_rule.h"
#include "evergreen/models/tpp/intensity_function.h"
#include "evergreen/models/tpp/point_process_model.h"

namespace evergreen {

struct TransformerHawkesOptions {
  explicit TransformerHawkesOptions(int64_t num_types) : num_types_(num_types) {}
  TORCH_ARG(int64_t, num_types);
  /// d_model: the type embedding, the temporal encoding (even: a sine and a cosine per
  /// frequency) and every layer's state; split evenly across heads.
  TORCH_ARG(int64_t, hidden_size) = 32;
  /// Inner width of each layer's feed-forward block (ReLU).
  TORCH_ARG(int64_t, feed_forward_size) = 64;
  TORCH_ARG(int64_t, num_layers) = 2;
  TORCH_ARG(int64_t, num_heads) = 2;
  /// Dropout on the attention weights and on both sublayers' outputs, in training mode only.
  TORCH_ARG(double, dropout) = 0.0;
  /// The compensator's rule (integral_rule.h): "log_gauss", "trapezoid" or "mean", with
  /// `integral_points` nodes per interval and, for log_gauss, the resolution in time units.
  TORCH_ARG(std::string, integral_rule) = "log_gauss";
  TORCH_ARG(int64_t, integral_points) = 20;
  TORCH_ARG(double, integral_resolution) = 1e-3;
};

/// One post-norm Transformer encoder layer, as in Vaswani et al. and THP:
///   x <- LayerNorm(x + Dropout(MultiHeadAttention(x))),  x <- LayerNorm(x + Dropout(FFN(x))),
/// FFN(x) = W_2 ReLU(W_1 x + b_1) + b_2. The attention's additive `bias` [L, L] (0 or -inf) is
/// the causal mask.
class TransformerHawkesLayerImpl : public torch::nn::Module {
 public:
  TransformerHawkesLayerImpl(int64_t hidden_size, int64_t feed_forward_size, int64_t num_heads,
                             double dropout);
  /// x [N, L, H], bias [L, L] -> [N, L, H].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias);

  int64_t num_heads() const { return num_heads_; }
  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, output{nullptr};
  torch::nn::LayerNorm attention_norm{nullptr}, feed_forward_norm{nullptr};
  torch::nn::Linear feed_forward_in{nullptr}, feed_forward_out{nullptr};

 private:
  int64_t num_heads_;
  double dropout_;
};
TORCH_MODULE(TransformerHawkesLayer);

/// Same batch keys and outputs as NeuralHawkes and AttentiveNeuralHawkes. Reads "times" [N, L]
/// (event times from the sequence's start, non-decreasing), "types" [N, L] (int64 in [0, K)),
/// "mask" [N, L] (1 for events, 0 for padding at the end) and, optionally, "end_time" [N] (>= the
/// last event). Writes
///   "log_likelihood" [N] in EasyTPP's convention (sum over events i >= 2 of
///     log lambda_{k_i}(t_i) - integral_{t_{i-1}}^{t_i} sum_k lambda_k(s) ds), "events" [N];
///   "log_likelihood_full" [N] over [0, T] (T = "end_time", else the last event), every event
///     scored, "events_full" [N]. Before the first event the history is empty and the state is
///     taken as zero (as NHP's), so lambda_k(t) = softplus_{beta_k}(alpha_k t + b_k) on [0, t_1];
///     the tail (t_N, T] reads h(t_N);
///   "prediction" (= log_likelihood), "hint" [N, H] (the encoder state of the last event), and
///   per position [N, L] (0 at the first event and at padding) "event_log_intensity" and
///   "event_integral" (the integral over (t_{i-1}, t_i]).
/// Every integral uses the shared IntegralRule (integral_rule.h) with the options' rule.
/// forward() and intensity_function() work in data units through PointProcessModel's time
/// scale; encode() and intensities() see model time (times already divided by the scale).
///
/// The encoder: x_j = U e_{k_j} + z(t_j), z the sinusoidal encoding of the absolute time
/// ([sin(w_m t), cos(w_m t)], w_m = 10^{-8 m / H}, m < H / 2), then `num_layers` layers in which
/// event j attends to events 0..j (its own state is known at t_j; later ones are hidden by index,
/// so ties in time cannot leak). h(t_j) is the top layer's row j; the intensity on (t_j, t_{j+1}]
/// reads it only.
///
/// Cost: the encoder is O(L^2 H) per sequence once; the compensator evaluates the read-out
/// w_k . h(t_j) + b_k once per event and adds alpha_k s at each of the G nodes, so the integral
/// costs O(L G K) whatever H.
///
/// Example:
///   TransformerHawkes model(TransformerHawkesOptions(/*num_types=*/2));
///   Batch out = model->forward(batch);                    // out.at("log_likelihood")
///   auto states = model->encode(batch);                   // [N, L, H]
///   // lambda(t_3 + 0.5) of sequence 0, seeing events 0..3: [1, K]
///   auto lambdas = model->intensities(states.select(0, 0).select(0, 3),
///                                     torch::full({1}, 0.5));
class TransformerHawkesImpl : public PointProcessModel, public IntensityFunction {
 public:
  explicit TransformerHawkesImpl(const TransformerHawkesOptions& options);

  int64_t forward_macs_per_row() const override;
  int64_t hint_size() const override { return options_.hidden_size(); }
  static constexpr ModelCapabilities kCapabilities{OutputKind::kSequenceLikelihood,
                                                   /*hint=*/true, /*prompts=*/false,
                                                   /*intensity=*/true};
  ModelCapabilities capabilities() const override { return kCapabilities; }

  /// The sinusoidal temporal encoding [..., H] of absolute times [...].
  torch::Tensor temporal_encoding(const torch::Tensor& times) const;
  /// The encoder's top-layer state after every event, [N, L, H] (in the parameters' dtype): row
  /// j has seen events 0..j. Padded rows hold values nothing reads.
  torch::Tensor encode(const Batch& batch);
  /// Intensities [..., G, K] at offsets [..., G] (>= 0) after the events whose encoder states
  /// are `states` [..., H]; an undefined `states` is the empty history (state zero).
  torch::Tensor intensities(const torch::Tensor& states, const torch::Tensor& offsets);

  // IntensityFunction: encode() once, read by intensities(); positions may be -1 (the empty
  // history, offsets counting from time 0).
  int64_t num_event_types() const override { return options_.num_types(); }
  HistoryIntensityFunction intensities_after(const Batch& batch) override;

  const TransformerHawkesOptions& options() const { return options_; }
  /// The sub-modules, for tests and strategies that read them.
  const torch::nn::Embedding& type_embedding() const { return type_embedding_; }
  const std::vector<TransformerHawkesLayer>& layers() const { return layers_; }
  const torch::nn::Linear& read_out() const { return read_out_; }
  /// alpha_k [K], the slope of the pre-activation in the time since the last event.
  const torch::Tensor& time_slope() const { return time_slope_; }
  /// beta_k = exp(log_softness) [K] > 0, the softplus's softness.
  torch::Tensor softness() const { return log_softness_.exp(); }

 protected:
  Batch forward_model_time(const Batch& batch) override;
  IntensityFunction* model_time_intensity() override { return this; }

 private:
  // softplus_{beta_k}(alpha_k offset + base_k): base [..., K], offsets [..., G] -> [..., G, K].
  torch::Tensor intensity_at(const torch::Tensor& base, const torch::Tensor& offsets) const;

  TransformerHawkesOptions options_;
  torch::nn::Embedding type_embedding_{nullptr};  // K types and a padding row
  std::vector<TransformerHawkesLayer> layers_;
  torch::nn::Linear read_out_{nullptr};
  torch::Tensor time_slope_, log_softness_;  // parameters [K]
  IntegralRule rule_;
};
TORCH_MODULE(TransformerHawkes);

/// The registry's factory: event types from the stream, options `hidden_size`,
/// `feed_forward_size`, `layers`, `heads`, `dropout`, the integral's (`integral_rule`,
/// `integral_points`, `integral_resolution`) and every point process's (`time_scale`,
/// `next_event_samples`, `next_event_targets`; point_process_options.h).
std::shared_ptr<Model> make_transformer_hawkes(Options& options, const Stream& stream);

}  // namespace evergreen
