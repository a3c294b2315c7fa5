// The attentive neural Hawkes process (AttNHP; Yang, Mei & Eisner, ICLR 2022): the state at any
// time t is built by attention, layer by layer, from a continuous-time embedding of t over the
// events before t; intensities lambda_k(t) = softplus(w_k . h_L(t) + b_k).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "evergreen/models/tpp/point_process_model.h"

namespace evergreen {

struct AttentiveNeuralHawkesOptions {
  explicit AttentiveNeuralHawkesOptions(int64_t num_types) : num_types_(num_types) {}
  TORCH_ARG(int64_t, num_types);
  /// Size of the event-type embedding and of every layer's state (split evenly across heads).
  TORCH_ARG(int64_t, hidden_size) = 32;
  /// Sinusoidal features of the absolute time (even: one sine and one cosine per frequency).
  TORCH_ARG(int64_t, time_embedding_size) = 16;
  TORCH_ARG(int64_t, num_layers) = 2;
  TORCH_ARG(int64_t, num_heads) = 2;
  /// Points per inter-event interval for the integral of the total intensity.
  TORCH_ARG(int64_t, integral_points) = 20;
  /// "trapezoid" (points at both ends of the interval) or "mean" (midpoints: dt x mean).
  TORCH_ARG(std::string, integral_rule) = "trapezoid";
};

/// Same batch keys and outputs as NeuralHawkes. Reads "times" [N, L] (event times from the
/// sequence's start, non-decreasing), "types" [N, L] (int64 in [0, K)) and "mask" [N, L] (1 for
/// events, 0 for padding at the end). Writes "log_likelihood" [N] in EasyTPP's convention (sum
/// over events i >= 2 of log lambda_{k_i}(t_i) - integral_{t_{i-1}}^{t_i} sum_k lambda_k(s) ds),
/// "events" [N] (scored events), "prediction" (= log_likelihood) and "hint" [N, H] (the top-layer
/// state of the last event), and per position [N, L] (0 at the first event and at padding)
/// "event_log_intensity" (log lambda_{k_i}(t_i)) and "event_integral" (the integral over
/// (t_{i-1}, t_i]).
///
/// Layer l (1-based) maps a state x^{l-1} to x^l = x^{l-1} + tanh(attention), where the query is
/// built from [time_embedding(t); x^{l-1}(t)] and the keys and values from
/// [time_embedding(t_j); x_j^{l-1}] of the visible events. Event j sees events 1..j (its own
/// state is known at t_j); a query at a time t in (t_{i-1}, t_i] sees events 1..i-1 only, by
/// index, so ties in time cannot leak. x^0 is the type embedding for events and a learned "query"
/// embedding for times between events. As in the paper, every attention has a null slot (logit
/// 0, value 0), so an empty history is well defined (the "1 +" in its normaliser).
///
/// Prefix-tuning (the attachment point of PromptTPP): set_prefix(layer, keys, values) prepends P
/// rows to that layer's attention keys and values, after the projections and before the split
/// into heads. Prefix rows are not events: every query sees all of them, and the causal mask is
/// applied to the event columns after them (the public PromptTPP code shifted the mask instead,
/// defect 1 in RESEARCH.md). Prefixes are not parameters and are not saved.
///
/// Cost: every layer attends from L + (L-1)(G+1) rows (events, G integral points and each event
/// time) to 1 + P + L columns, so memory grows as L^2 G; split long sequences before calling.
///
/// Example:
///   AttentiveNeuralHawkes model(AttentiveNeuralHawkesOptions(/*num_types=*/2));
///   Batch out = model->forward(batch);   // out.at("log_likelihood")
///   auto query = model->layer_input_mean(batch, /*layer=*/0);       // [N, T + H]
///   model->set_prefix(0, prompt_keys, prompt_values);               // [1 or N, P, H] each
///   Batch prompted = model->forward(batch);
///   model->clear_prefix();
class AttentiveNeuralHawkesImpl : public PointProcessModel {
 public:
  explicit AttentiveNeuralHawkesImpl(const AttentiveNeuralHawkesOptions& options);

  void prepare(const Stream& stream) override;
  Batch forward(const Batch& batch) override;
  int64_t forward_macs_per_row() const override;
  int64_t hint_size() const override { return options_.hidden_size(); }

  /// Prepends `keys` and `values` ([N or 1, P, hidden_size], same shape) to the attention keys
  /// and values of `layer` (0-based) until clear_prefix(). Gradients flow into them.
  void set_prefix(int64_t layer, torch::Tensor keys, torch::Tensor values);
  /// Removes the prefixes of every layer.
  void clear_prefix();
  bool has_prefix(int64_t layer) const;

  /// The mean over valid events of the input of `layer` (0-based), [time_embedding(t_j); x_j]
  /// [N, time_embedding_size + hidden_size]: a retrieval query for a prompt pool. It uses the
  /// prefixes currently set on the layers below, so a strategy retrieves layer by layer. It
  /// averages over the whole sequence (as PromptTPP does), so a prompt chosen from it depends on
  /// the sequence's later events too.
  torch::Tensor layer_input_mean(const Batch& batch, int64_t layer);

  /// The key and value projections of `layer` applied to `inputs` [..., T + H]: lets a strategy
  /// hold prompts in the layer's input space and turn them into prefix rows.
  std::pair<torch::Tensor, torch::Tensor> project_key_value(int64_t layer,
                                                            const torch::Tensor& inputs);

  /// A callback run at the start of every forward pass with the batch, before anything else:
  /// where a prompt strategy sets the prefixes a batch needs (PromptTPP retrieves per sequence),
  /// so that training and evaluation see the same prompts. Empty to remove.
  using PromptProvider = std::function<void(AttentiveNeuralHawkesImpl&, const Batch&)>;
  void set_prompt_provider(PromptProvider provider) { prompt_provider_ = std::move(provider); }

  /// Sinusoidal embedding [..., T] of absolute times [...].
  torch::Tensor time_embedding(const torch::Tensor& times) const;

  const AttentiveNeuralHawkesOptions& options() const { return options_; }

 private:
  // Runs the first `layers` layers on rows = events then time queries; `limits` [R] gives each
  // row the number of leading events it may see. Returns the states [N, R, H].
  torch::Tensor attend(int64_t layers, const torch::Tensor& event_embedding,
                       const torch::Tensor& states, const torch::Tensor& row_embedding,
                       const torch::Tensor& limits);
  torch::Tensor event_states(const Batch& batch);  // x^0 of the events [N, L, H]

  AttentiveNeuralHawkesOptions options_;
  torch::nn::Embedding type_embedding_{nullptr};  // K types, padding, the query token
  std::vector<torch::nn::Linear> query_, key_, value_;
  torch::nn::Linear intensity_{nullptr};
  torch::Tensor frequencies_;                               // buffer [T / 2]
  std::vector<torch::Tensor> prefix_keys_, prefix_values_;  // per layer; undefined when unset
  double mean_events_per_row_ = 1.0;                        // for FLOP accounting
  PromptProvider prompt_provider_;
};
TORCH_MODULE(AttentiveNeuralHawkes);

}  // namespace evergreen
