// The continuous-time LSTM of the neural Hawkes process (Mei & Eisner 2017) as one fused kernel:
// the recurrence over events and the log-likelihood with its integral points run in plain loops
// with a hand-written backward pass, so a training step costs a few passes over the events
// instead of dozens of small tensor operations per event, and keeps O(events x hidden) memory
// instead of O(events x integral points x hidden).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "evergreen/models/tpp/integral_rule.h"

namespace evergreen {

/// The parameters of a continuous-time LSTM with the read-out lambda_k(t) = softplus(w_k . h(t)
/// + b_k). The seven gate blocks of `gate_weight` are, in order: input, forget, candidate,
/// output, target input, target forget, decay.
struct ContinuousTimeLstmWeights {
  torch::Tensor embedded;          ///< [N, L, H] the type embedding of every event
  torch::Tensor gate_weight;       ///< [7H, 2H] reading [embedding; h(t_i)]
  torch::Tensor gate_bias;         ///< [7H]
  torch::Tensor intensity_weight;  ///< [K, H]
  torch::Tensor intensity_bias;    ///< [K]
};

/// An event batch as the kernel reads it: "times" [N, L] from the sequence's start, non-
/// decreasing; "types" [N, L] int64 in [0, K); "mask" [N, L] (1 for events, 0 for padding at the
/// end); "end_time" [N] or undefined (then each sequence ends at its last event).
struct EventBatchView {
  torch::Tensor times, types, mask, end_time;
};

/// The continuous-time LSTM state right after each event i (its update applied, no decay yet):
/// enough to read the intensities at any time t > t_i, the offsets being t - t_i. All four are
/// [N, L, H]; padded positions repeat the state of the last event.
struct NeuralHawkesStates {
  torch::Tensor cell;         ///< c_{i+1}: the cell the decay starts from
  torch::Tensor cell_target;  ///< c_bar_{i+1}: the cell's limit as t - t_i grows
  torch::Tensor decay;        ///< delta_{i+1} > 0
  torch::Tensor output_gate;  ///< o_{i+1}
};

struct ContinuousTimeLstmLikelihood {
  /// [N] EasyTPP's convention: sum over events i >= 2 of log lambda_{k_i}(t_i) minus the
  /// integral of the total intensity from t_{i-1} to t_i.
  torch::Tensor log_likelihood;
  /// [N] over [0, T]: every event scored and the integral from 0 to T (T = end_time, or the
  /// last event). Before the first event the state is zero, so lambda_k = softplus(b_k).
  torch::Tensor log_likelihood_full;
  /// [N, H] h right after the last event (no gradient flows back through it).
  torch::Tensor hidden_last;
};

/// The log-likelihoods of a batch, differentiable with respect to every tensor in `weights`.
///
/// Example:
///   auto out = continuous_time_lstm_likelihood(
///       {embedding->forward(types), gates->weight, gates->bias, read_out->weight,
///        read_out->bias},
///       {times, types, mask, {}}, IntegralRule::make("log_gauss", 20));
///   (-out.log_likelihood.sum()).backward();
ContinuousTimeLstmLikelihood continuous_time_lstm_likelihood(
    const ContinuousTimeLstmWeights& weights, const EventBatchView& events,
    const IntegralRule& rule);

/// The state after every event, from the same recurrence (no gradients; the read-out weights in
/// `weights` are not used).
NeuralHawkesStates continuous_time_lstm_states(const ContinuousTimeLstmWeights& weights,
                                               const EventBatchView& events);

}  // namespace evergreen
