// Hook points of the transformer, named as TransformerLens names them so that its users recognise
// them: read any activation of a forward pass (a cache), or replace / add to it at chosen
// positions and heads. A forward pass given no Hooks pays nothing (one null-pointer test per site).
//
//   hook_embed                  [B, T, D]   token (+ position) embedding, the first residual
//   blocks.L.hook_resid_pre     [B, T, D]   residual stream entering block L
//   blocks.L.attn.hook_z        [B, T, H, d] per-head attention result before the output projection
//   blocks.L.hook_attn_out      [B, T, D]   the attention output added to the residual
//   blocks.L.mlp.hook_post      [B, T, F]   the MLP's hidden activation (input of its down
//   projection) blocks.L.hook_mlp_out       [B, T, D]   the MLP output added to the residual
//   blocks.L.hook_resid_post    [B, T, D]   residual stream leaving block L
//   ln_final                    [B, T, D]   the final norm's output (what the unembedding reads)
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace evergreen::lm {

enum class HookPoint {
  kEmbed,
  kResidPre,
  kAttnZ,
  kAttnOut,
  kMlpPost,
  kMlpOut,
  kResidPost,
  kLnFinal,
};
inline constexpr int kHookPointCount = 8;

/// A hook point at a layer (layer -1 for hook_embed and ln_final).
struct HookName {
  HookPoint point = HookPoint::kResidPost;
  int64_t layer = -1;

  /// "blocks.3.attn.hook_z", ...
  std::string str() const;
  /// Parses a TransformerLens name; InputError naming the name and the valid forms, or a layer
  /// outside 0..n_layers-1.
  static HookName parse(const std::string& name, int64_t n_layers);
  bool operator<(const HookName& other) const {
    return point != other.point ? point < other.point : layer < other.layer;
  }
  bool operator==(const HookName& other) const {
    return point == other.point && layer == other.layer;
  }
};

/// Every hook name of a model with `n_layers` blocks, in forward order.
std::vector<std::string> all_hook_names(int64_t n_layers);

/// What one forward pass records and changes.
///
/// Example (read the residual stream of every layer, then patch one state into another run):
///   Hooks record;
///   for (int64_t l = 0; l < layers; ++l) record.cache(fmt::format("blocks.{}.hook_resid_post",
///   l)); model->forward(tokens, {.hooks = &record}); torch::Tensor state =
///   record.cached("blocks.2.hook_resid_post");       // [B, T, D] Hooks patch;
///   patch.replace("blocks.2.hook_resid_post", state.select(1, 4), {4});    // position 4 only
///   model->forward(other_tokens, {.hooks = &patch});
class Hooks {
 public:
  /// A change applied to an activation: replace or add `value` at `positions` (all when empty;
  /// negative counts from the end) and, for hook_z, at `head` (all heads when -1). `value`
  /// broadcasts against the selected part: [B, P, D] (or [B, P, d] for one head, [B, P, H, d]
  /// for all). `function`, when set instead, maps the whole activation to its replacement.
  struct Intervention {
    enum class Mode { kReplace, kAdd, kFunction } mode = Mode::kReplace;
    torch::Tensor value;
    std::vector<int64_t> positions;
    int64_t head = -1;
    std::function<torch::Tensor(const torch::Tensor&)> function;
  };

  /// Records `name` (the activation after any intervention at it); `keep_graph` keeps it attached
  /// to autograd (for losses on activations), else it is detached.
  Hooks& cache(const std::string& name, bool keep_graph = false);
  /// Records every hook point.
  Hooks& cache_all();
  Hooks& replace(const std::string& name, torch::Tensor value, std::vector<int64_t> positions = {},
                 int64_t head = -1);
  Hooks& add(const std::string& name, torch::Tensor value, std::vector<int64_t> positions = {},
             int64_t head = -1);
  Hooks& apply(const std::string& name,
               std::function<torch::Tensor(const torch::Tensor&)> function);

  /// The recorded activation; InputError when `name` was not cached or not reached.
  const torch::Tensor& cached(const std::string& name) const;
  bool has_cached(const std::string& name) const;
  /// Every recorded activation by name.
  const std::map<std::string, torch::Tensor>& cache_contents() const { return cache_; }
  void clear_cache() { cache_.clear(); }

  /// Called by the model at each site: whether anything is to be done at (point, layer) ...
  bool active(HookPoint point, int64_t layer) const;
  /// ... and doing it: returns the activation, changed by the interventions at the site, after
  /// recording it when cached. Names are resolved against `n_layers` on first use.
  torch::Tensor run(HookPoint point, int64_t layer, torch::Tensor activation, int64_t n_layers);

 private:
  void resolve(int64_t n_layers);

  std::map<std::string, bool> cache_requests_;  // name -> keep_graph
  bool cache_everything_ = false;
  std::vector<std::pair<std::string, Intervention>> interventions_;
  std::map<std::string, torch::Tensor> cache_;
  // Resolved on first use: per site, what to do there.
  int64_t resolved_layers_ = -1;
  std::map<HookName, std::vector<const Intervention*>> site_interventions_;
  std::map<HookName, bool> site_cache_;  // site -> keep_graph
  std::vector<bool> site_active_;        // (point, layer + 1) flattened
};

}  // namespace evergreen::lm
