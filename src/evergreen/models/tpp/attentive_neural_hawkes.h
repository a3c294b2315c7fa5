// The attentive neural Hawkes process (AttNHP; Yang, Mei & Eisner, ICLR 2022): the state at any
// time t is built by attention, layer by layer, from a continuous-time embedding of t over the
// events before t; intensities lambda_k(t) = softplus(w_k . h_L(t) + b_k).
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/models/prompt_attachment.h"
#include "evergreen/models/tpp/integral_rule.h"
#include "evergreen/models/tpp/intensity_function.h"
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
  /// "log_gauss" (Gauss-Legendre nodes on a log scale of the time since the event; see
  /// integral_rule.h), "trapezoid" (points at both ends) or "mean" (midpoints: dt x mean).
  TORCH_ARG(std::string, integral_rule) = "log_gauss";
  /// log_gauss: the shortest time after an event the nodes resolve, in the model's time units.
  TORCH_ARG(double, integral_resolution) = 1e-3;
  /// Attention scores (sequences x heads x query rows x visible columns) computed in one block.
  /// Query rows run in blocks of whole inter-event intervals (of fewer sequences when one
  /// interval is too large) up to this size, each attending to the columns its rows may see:
  /// memory stays bounded on long sequences and most causally hidden columns are skipped. The
  /// default, 256 KiB of float scores, keeps a block in a core's L2 cache, which measured fastest
  /// for training too. Results do not depend on it beyond rounding.
  TORCH_ARG(int64_t, block_scores) = int64_t{1} << 16;
};

/// Every layer's attention keys and values for a batch's events, computed once (by
/// AttentiveNeuralHawkesImpl::encode_history) and read by any number of queries. Column 0 of a
/// layer is the null slot (key and value 0), then come the layer's P prefix rows, then the L
/// events; a query that may see the first c events reads columns [0, 1 + P + c).
struct AttentiveNeuralHawkesHistory {
  std::vector<torch::Tensor> keys;          ///< per layer [N, heads, 1 + P + L, hidden / heads]
  std::vector<torch::Tensor> values;        ///< per layer, the same shape
  std::vector<int64_t> first_event_column;  ///< per layer, 1 + P
  torch::Tensor times;                      ///< [N, L] the event times
  torch::Tensor lengths;                    ///< [N] int64: valid events per sequence
  torch::Tensor states;  ///< [N, L, H] x^layers of the events (after the encoded layers)
};

/// Same batch keys and outputs as NeuralHawkes. Reads "times" [N, L] (event times from the
/// sequence's start, non-decreasing), "types" [N, L] (int64 in [0, K)), "mask" [N, L] (1 for
/// events, 0 for padding at the end) and, optionally, "end_time" [N] (the end T of each
/// sequence's observation window, >= its last event). Writes
///   "log_likelihood" [N] in EasyTPP's convention (sum over events i >= 2 of
///     log lambda_{k_i}(t_i) - integral_{t_{i-1}}^{t_i} sum_k lambda_k(s) ds), "events" [N]
///     (scored events);
///   "log_likelihood_full" [N] over [0, T]: every event scored (the first one with an empty
///     history), minus the integral of the total intensity from 0 to T, where T = "end_time" or,
///     without it, the last event (no tail); "events_full" [N] (valid events);
///   "prediction" (= log_likelihood), "hint" [N, H] (the top-layer state of the last event),
///   and per position [N, L] (0 at the first event and at padding) "event_log_intensity"
///     (log lambda_{k_i}(t_i)) and "event_integral" (the integral over (t_{i-1}, t_i]).
/// Every integral (the first event's over [0, t_1] and the tail's over (t_N, T] included) uses
/// `integral_points` points per interval with `integral_rule`.
///
/// Layer l (1-based) maps a state x^{l-1} to x^l = x^{l-1} + tanh(attention), where the query is
/// built from [time_embedding(t); x^{l-1}(t)] and the keys and values from
/// [time_embedding(t_j); x_j^{l-1}] of the visible events. Event j sees events 1..j (its own
/// state is known at t_j); a query at a time t in (t_{i-1}, t_i] sees events 1..i-1 only, by
/// index, so ties in time cannot leak. x^0 is the type embedding for events and a learned "query"
/// embedding for times between events. As in the paper, every attention has a null slot (logit
/// 0, value 0), so an empty history is well defined (the "1 +" in its normaliser).
///
/// Prefix-tuning (the model's PromptAttachment, what PromptTPP uses): set_prefix(layer, keys,
/// values) prepends P rows to that layer's attention keys and values, after the projections and
/// before the split into heads. Prefix rows are not events: every query sees all of them, and the
/// causal mask is applied to the event columns after them (the public PromptTPP code shifted the
/// mask instead, defect 1 in RESEARCH.md). Prefixes are not parameters and are not saved.
///
/// Cost: the events' keys and values are computed once per layer; then every query row (G
/// integral points and the event time per interval) attends to the 1 + P + c columns it may see.
/// Batches are cut to their longest sequence and query rows run in blocks of at most
/// `block_scores` scores, leaving out sequences that have ended, so time grows as L^2 G / 2 and,
/// under NoGradGuard, memory stays bounded (batch 8, L = 1,024, G = 200: about 40 MB above the
/// process's baseline, against over 10 GB for one block). With gradients every block's
/// activations are kept for the backward pass.
///
/// Next-event prediction (tpp/thinning.h) reads intensities at arbitrary times through the
/// model's IntensityFunction: intensities_after() is encode_history() read by intensities().
///
/// Example:
///   AttentiveNeuralHawkes model(AttentiveNeuralHawkesOptions(/*num_types=*/2));
///   Batch out = model->forward(batch);   // out.at("log_likelihood")
///   auto query = model->layer_input_mean(batch, /*layer=*/0);       // [N, T + H]
///   model->set_prefix(0, prompt_keys, prompt_values);               // [1 or N, P, H] each
///   Batch prompted = model->forward(batch);
///   model->clear_prefix();
///   // lambda(t_3 + 0.5) of sequence 0, seeing events 0..3: [1, 1, K]
///   auto history = model->encode_history(batch);
///   auto lambdas = model->intensities(history, torch::tensor({0L}), torch::tensor({3L}),
///                                     torch::full({1, 1}, 0.5));
class AttentiveNeuralHawkesImpl : public PointProcessModel,
                                  public PromptAttachment,
                                  public IntensityFunction {
 public:
  explicit AttentiveNeuralHawkesImpl(const AttentiveNeuralHawkesOptions& options);

  int64_t forward_macs_per_row() const override;
  int64_t hint_size() const override { return options_.hidden_size(); }
  static constexpr ModelCapabilities kCapabilities{OutputKind::kSequenceLikelihood,
                                                   /*hint=*/true, /*prompts=*/true,
                                                   /*intensity=*/true};
  ModelCapabilities capabilities() const override { return kCapabilities; }
  PromptAttachment* prompt_attachment() override { return this; }

  // PromptAttachment: every attention layer takes prefixes; a prompt row is a layer's input,
  // [time_embedding(t); x] (time_embedding_size + hidden_size).
  int64_t prompt_layers() const override { return options_.num_layers(); }
  int64_t prompt_row_size() const override {
    return options_.time_embedding_size() + options_.hidden_size();
  }

  /// Prepends `keys` and `values` ([N or 1, P, hidden_size], same shape) to the attention keys
  /// and values of `layer` (0-based) until clear_prefix(). Gradients flow into them.
  void set_prefix(int64_t layer, torch::Tensor keys, torch::Tensor values) override;
  /// Removes the prefixes of every layer.
  void clear_prefix() override;
  bool has_prefix(int64_t layer) const;

  /// The mean over valid events of the input of `layer` (0-based), [time_embedding(t_j); x_j]
  /// [N, time_embedding_size + hidden_size]: a retrieval query for a prompt pool. It uses the
  /// prefixes currently set on the layers below, so a strategy retrieves layer by layer. It
  /// averages over the whole sequence (as PromptTPP does), so a prompt chosen from it depends on
  /// the sequence's later events too.
  torch::Tensor layer_input_mean(const Batch& batch, int64_t layer) override;

  /// The key and value projections of `layer` applied to `inputs` [..., T + H]: lets a strategy
  /// hold prompts in the layer's input space and turn them into prefix rows.
  std::pair<torch::Tensor, torch::Tensor> project_key_value(int64_t layer,
                                                            const torch::Tensor& inputs) override;

  /// A callback run at the start of every forward pass with the batch, before anything else:
  /// where a prompt strategy sets the prefixes a batch needs (PromptTPP retrieves per sequence),
  /// so that training and evaluation see the same prompts. Empty to remove.
  void set_prompt_provider(PromptProvider provider) override {
    prompt_provider_ = std::move(provider);
  }

  /// Sinusoidal embedding [..., T] of absolute times [...].
  torch::Tensor time_embedding(const torch::Tensor& times) const override;

  /// Runs the prompt provider (so the prefixes are those forward() would use on `batch`), then
  /// every layer's keys and values for the batch's events.
  AttentiveNeuralHawkesHistory encode_history(const Batch& batch);

  /// Intensities lambda_k [M, G, K] at times t_{positions[m]} + offsets[m, g] of sequence
  /// rows[m], given events 0..positions[m] of that sequence only (later events are not seen).
  /// rows, positions: [M] int64, positions[m] < the sequence's length; positions[m] = -1 is the
  /// empty history, the offsets then counting from time 0. offsets: [M, G] >= 0. Runs in blocks
  /// of at most `block_scores` scores. The same computation as forward()'s: at position i - 1
  /// and offset t_i - t_{i-1} it gives the intensities forward() scores event i with.
  torch::Tensor intensities(const AttentiveNeuralHawkesHistory& history, const torch::Tensor& rows,
                            const torch::Tensor& positions, const torch::Tensor& offsets);

  // IntensityFunction: encode_history() once (the prompt provider included, so predictions see
  // the prompts forward() would), read by intensities(); positions may be -1.
  int64_t num_event_types() const override { return options_.num_types(); }
  HistoryIntensityFunction intensities_after(const Batch& batch) override;

  const AttentiveNeuralHawkesOptions& options() const { return options_; }

 protected:
  Batch forward_model_time(const Batch& batch) override;
  IntensityFunction* model_time_intensity() override { return this; }

 private:
  // The events' keys, values and states for the first `layers` layers (no prompt provider).
  AttentiveNeuralHawkesHistory encode(const Batch& batch, int64_t layers);
  // Top-layer states [M, Q, H] of query rows at `times` [M, Q] starting from the query token;
  // row m reads sequence rows[m] of `history` (all sequences in order when `rows` is
  // undefined) and sees its first limits[m, q] events (`limits` [M or 1, Q or 1]).
  torch::Tensor query_states(const AttentiveNeuralHawkesHistory& history, const torch::Tensor& rows,
                             const torch::Tensor& times, const torch::Tensor& limits);
  // One layer's attention [M, Q, H] of queries [M, heads, Q, D] over the columns they may see
  // (`limits` as in query_states; `rows` picks the sequences, all when undefined).
  torch::Tensor attend(const AttentiveNeuralHawkesHistory& history, int64_t layer,
                       const torch::Tensor& rows, const torch::Tensor& queries,
                       const torch::Tensor& limits) const;
  torch::Tensor event_states(const Batch& batch);  // x^0 of the events [N, L, H]
  // 1 / sqrt(head size), the scale of the attention logits.
  double attention_scale() const {
    return 1.0 / std::sqrt(static_cast<double>(options_.hidden_size() / options_.num_heads()));
  }

  AttentiveNeuralHawkesOptions options_;
  torch::nn::Embedding type_embedding_{nullptr};  // K types, padding, the query token
  std::vector<torch::nn::Linear> query_, key_, value_;
  torch::nn::Linear intensity_{nullptr};
  torch::Tensor frequencies_;                               // buffer [T / 2]
  std::vector<torch::Tensor> prefix_keys_, prefix_values_;  // per layer; undefined when unset
  PromptProvider prompt_provider_;
  IntegralRule rule_;
};
TORCH_MODULE(AttentiveNeuralHawkes);

/// The registry's factory: event types from the stream, options `hidden_size`,
/// `time_embedding_size`, `layers`, `heads`, `integral_rule`, `integral_points` and
/// `block_scores`.
std::shared_ptr<Model> make_attentive_neural_hawkes(Options& options, const Stream& stream);

}  // namespace evergreen
