#include "evergreen/models/lm/rank_one_edit.h"

#include <fmt/format.h>

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"

namespace evergreen::lm {
namespace {

// The projection's input and output hooks at `layer`.
std::pair<std::string, std::string> site_hooks(EditSite site, int64_t layer) {
  const std::string block = "blocks." + std::to_string(layer) + ".";
  if (site == EditSite::kAttentionOutput) return {block + "attn.hook_z", block + "hook_attn_out"};
  return {block + "mlp.hook_post", block + "hook_mlp_out"};
}

// The input and output of the projection at the last position of `tokens`, as float64 vectors.
std::pair<torch::Tensor, torch::Tensor> last_position_input_output(
    TransformerImpl& model, const std::vector<int64_t>& tokens, EditSite site, int64_t layer) {
  EVERGREEN_CHECK_INPUT(!tokens.empty(), "rank-one edit: a prompt has no token");
  const auto [input_hook, output_hook] = site_hooks(site, layer);
  Hooks hooks;
  hooks.cache(input_hook).cache(output_hook);
  ForwardContext context;
  context.hooks = &hooks;
  model.forward(torch::tensor(tokens, torch::kInt64).unsqueeze(0), context);
  // hook_z is [1, T, H, d]: the projection reads its heads concatenated.
  torch::Tensor input = hooks.cached(input_hook)[0][-1].reshape({-1});
  torch::Tensor output = hooks.cached(output_hook)[0][-1];
  return {input.to(torch::kFloat64), output.to(torch::kFloat64)};
}

torch::Tensor projection_weight(TransformerImpl& model, EditSite site, int64_t layer) {
  return site == EditSite::kAttentionOutput ? model.attention_output_weight(layer)
                                            : model.mlp_output_weight(layer);
}

}  // namespace

std::string edit_site_name(EditSite site) {
  return site == EditSite::kAttentionOutput ? "attention" : "mlp";
}

EditSite parse_edit_site(const std::string& name) {
  if (name == "attention") return EditSite::kAttentionOutput;
  if (name == "mlp") return EditSite::kMlpOutput;
  throw InputError(fmt::format(
      "edit site {}: expected attention (o_proj, CREME) or mlp (down_proj, ROME)", quote(name)));
}

RankOneEdit compute_rank_one_edit(TransformerImpl& model, const std::vector<int64_t>& prompt,
                                  const std::vector<int64_t>& guide, int64_t layer, EditSite site) {
  const int64_t layers = model.options().n_layers();
  EVERGREEN_CHECK_INPUT(layer >= 0 && layer < layers,
                        "rank-one edit: layer {} is outside the model's layers 0..{}", layer,
                        layers - 1);
  torch::NoGradGuard no_grad;
  auto [key, output] = last_position_input_output(model, prompt, site, layer);
  torch::Tensor target = last_position_input_output(model, guide, site, layer).second;
  const double key_norm = key.dot(key).item<double>();
  EVERGREEN_CHECK_INPUT(key_norm > 0.0,
                        "rank-one edit: the {} projection of layer {} reads a zero key at the "
                        "prompt's last position; nothing to edit",
                        edit_site_name(site), layer);
  RankOneEdit edit;
  edit.layer = layer;
  edit.site = site;
  edit.key = key;
  edit.target = target;
  // The output holds the bias too, so v* - output is what W k must gain.
  edit.delta = torch::outer(target - output, key) / key_norm;
  return edit;
}

void apply_rank_one_edit(TransformerImpl& model, const RankOneEdit& edit) {
  torch::NoGradGuard no_grad;
  torch::Tensor weight = projection_weight(model, edit.site, edit.layer);
  EVERGREEN_CHECK_INPUT(weight.sizes() == edit.delta.sizes(),
                        "rank-one edit: an update of shape {} for a projection of shape {}",
                        c10::str(edit.delta.sizes()), c10::str(weight.sizes()));
  // The weight is a view of the parameter (transposed for GPT-2's Conv1D): this edits the model.
  weight.add_(edit.delta.to(weight.dtype()));
}

std::vector<RankOneEdit> edit_layers(TransformerImpl& model, const std::vector<int64_t>& prompt,
                                     const std::vector<int64_t>& guide,
                                     const std::vector<int64_t>& layers, EditSite site) {
  EVERGREEN_CHECK_INPUT(!layers.empty(), "rank-one edit: no layer to edit");
  std::vector<RankOneEdit> edits;
  for (int64_t layer : layers) {
    edits.push_back(compute_rank_one_edit(model, prompt, guide, layer, site));
    apply_rank_one_edit(model, edits.back());
  }
  return edits;
}

}  // namespace evergreen::lm
