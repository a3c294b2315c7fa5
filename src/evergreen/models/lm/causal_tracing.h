// Causal tracing (after Meng et al. 2022, ROME; the locating step of CREME, after Li et al. 2024):
// which states carry a prompt's answer. The subject's token embeddings are corrupted with
// Gaussian noise; one state of the clean run — the residual stream, the attention output or the
// MLP output, at one position, over a window of layers — is restored into the corrupted run, and
// the probability of the target token at the last position is recorded. States whose restoration
// recovers the clean probability are where the answer is computed.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/models/lm/transformer.h"

namespace evergreen::lm {

enum class TracedState {
  kResidual,   ///< blocks.L.hook_resid_post
  kAttention,  ///< blocks.L.hook_attn_out
  kMlp,        ///< blocks.L.hook_mlp_out
};

/// "residual", "attention", "mlp"; and back (InputError naming the valid names).
std::string traced_state_name(TracedState state);
TracedState parse_traced_state(const std::string& name);

struct CausalTracingOptions {
  TracedState state = TracedState::kResidual;
  /// Layers restored at once: row - window/2 up to row + ceil(window/2), clipped at the model's
  /// ends, as ROME's code takes them (ROME: 1 for the residual, 10 of 48
  /// layers for attention and MLP); -1 picks that default, scaled to the model's depth.
  int64_t window = -1;
  /// The noise's standard deviation, in standard deviations of the subject's embedding values.
  double noise_multiplier = 3.0;
  /// Noise draws averaged per cell.
  int64_t samples = 10;
  uint64_t seed = 0;
};

/// The window a default (-1) gives for `state` in a model of `n_layers` layers.
int64_t default_tracing_window(TracedState state, int64_t n_layers);

struct CausalTrace {
  /// [n_layers, T] float64: the target's probability at the last position when the state of
  /// (layer window around row, position) is restored.
  torch::Tensor probability;
  double clean = 0.0;      ///< no corruption
  double corrupted = 0.0;  ///< corrupted, nothing restored
  double noise_std = 0.0;  ///< the noise's standard deviation
  int64_t window = 1;
  /// The indirect effect of a cell: probability - corrupted.
  torch::Tensor indirect_effect() const { return probability - corrupted; }
};

/// Traces `tokens` ([T], one prompt) with the subject at positions [subject_begin, subject_end)
/// for `target`. InputError for an empty or out-of-range subject, a bad target or option.
///
/// Example:
///   CausalTrace trace = causal_trace(*model, ids, 1, 3, paris_id,
///                                    {.state = TracedState::kAttention});
///   trace.probability[layer][position]
CausalTrace causal_trace(TransformerImpl& model, const std::vector<int64_t>& tokens,
                         int64_t subject_begin, int64_t subject_end, int64_t target,
                         const CausalTracingOptions& options = {});

}  // namespace evergreen::lm
