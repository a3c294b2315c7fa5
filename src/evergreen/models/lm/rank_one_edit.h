// CREME's edit (after Li et al. 2024): a closed-form rank-one update of an output projection that
// makes it map the key a failing prompt produces to the value a guide prompt produces. At the
// attention output projection (o_proj / c_proj) it is CREME's edit; at the MLP's down projection
// it is the site ROME edits, CREME's comparison.
//
//   k  = the projection's input at the last position of the prompt (hook_z flattened over heads,
//        or the MLP's hidden activation mlp.hook_post)
//   v* = the projection's output at the last position of the guide prompt (hook_attn_out or
//        hook_mlp_out), the prompt that spells out the bridge entity
//   W += ((v* - W k - b) / (k . k)) k^T
//
// so that afterwards W k + b = v* exactly, and W changes by a matrix of rank one.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/models/lm/transformer.h"

namespace evergreen::lm {

enum class EditSite {
  kAttentionOutput,  ///< o_proj (Llama) / attn.c_proj (GPT-2): CREME
  kMlpOutput,        ///< down_proj (Llama) / mlp.c_proj (GPT-2): ROME's site
};

/// "attention" or "mlp"; and back (InputError naming the valid names).
std::string edit_site_name(EditSite site);
EditSite parse_edit_site(const std::string& name);

/// One computed update of one layer's projection.
struct RankOneEdit {
  int64_t layer = 0;
  EditSite site = EditSite::kAttentionOutput;
  torch::Tensor key;     ///< k [in]
  torch::Tensor target;  ///< v* [out]
  torch::Tensor delta;   ///< [out, in], rank one: added to the projection's weight (y = W x)
};

/// The update of `layer`'s projection at `site` for `prompt` and `guide` (token ids), computed on
/// the model as it is. InputError for a layer outside the model or a key of zero norm.
RankOneEdit compute_rank_one_edit(TransformerImpl& model, const std::vector<int64_t>& prompt,
                                  const std::vector<int64_t>& guide, int64_t layer, EditSite site);

/// Adds the edit's delta to the model's projection weight, in place.
void apply_rank_one_edit(TransformerImpl& model, const RankOneEdit& edit);

/// CREME's edit over several layers: layer by layer in the order given, each computed on the
/// model as the previous ones left it, and applied. Returns the edits applied.
///
/// Example (the failing two-hop prompt, corrected by the prompt that names the bridge entity):
///   edit_layers(*model, tokenizer.encode("The capital of the country of the Eiffel Tower is",
///   true),
///               tokenizer.encode("The capital of France is", true), {2, 3},
///               EditSite::kAttentionOutput);
std::vector<RankOneEdit> edit_layers(TransformerImpl& model, const std::vector<int64_t>& prompt,
                                     const std::vector<int64_t>& guide,
                                     const std::vector<int64_t>& layers, EditSite site);

}  // namespace evergreen::lm
