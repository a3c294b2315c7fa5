// The logit lens (nostalgebraist 2020; the analysis CREME starts from, after Li et al. 2024):
// every residual state read through the unembedding, with or without the final norm, giving the
// rank and probability of a chosen token at every layer and position.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "evergreen/models/lm/transformer.h"

namespace evergreen::lm {

/// Rows are the residual stream after the embedding ("hook_embed") and after each block
/// ("blocks.L.hook_resid_post"); columns the prompt's positions.
struct LogitLens {
  std::vector<std::string> rows;
  torch::Tensor rank;             // [rows, T] int64: tokens with a larger logit (0 = the top)
  torch::Tensor probability;      // [rows, T] float64: softmax probability of the target
  torch::Tensor top_token;        // [rows, T] int64
  torch::Tensor top_probability;  // [rows, T] float64
};

/// The lens of `tokens` ([T] or [1, T]) for `target` (a token id). With `final_norm` the states
/// pass the model's final norm first, so the last row is the model's own prediction.
///
/// Example:
///   LogitLens lens = logit_lens(*model, prompt_ids, bridge_token);
///   lens.rank[2][-1]  // the bridge entity's rank after block 1, at the last position
LogitLens logit_lens(TransformerImpl& model, const torch::Tensor& tokens, int64_t target,
                     bool final_norm = true);

}  // namespace evergreen::lm
