#include "evergreen/models/lm/hooks.h"

#include <fmt/format.h>

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"

namespace evergreen::lm {
namespace {

// The part of a name after "blocks.L.", by point.
constexpr const char* kBlockSuffixes[] = {
    nullptr,         "hook_resid_pre", "attn.hook_z",     "hook_attn_out",
    "mlp.hook_post", "hook_mlp_out",   "hook_resid_post", nullptr,
};

int site_index(HookPoint point, int64_t layer, int64_t n_layers) {
  return static_cast<int>(point) * static_cast<int>(n_layers + 1) + static_cast<int>(layer + 1);
}

}  // namespace

std::string HookName::str() const {
  if (point == HookPoint::kEmbed) return "hook_embed";
  if (point == HookPoint::kLnFinal) return "ln_final";
  return fmt::format("blocks.{}.{}", layer, kBlockSuffixes[static_cast<int>(point)]);
}

HookName HookName::parse(const std::string& name, int64_t n_layers) {
  if (name == "hook_embed") return {HookPoint::kEmbed, -1};
  if (name == "ln_final" || name == "ln_final.hook_normalized") return {HookPoint::kLnFinal, -1};
  const std::string prefix = "blocks.";
  if (name.rfind(prefix, 0) == 0) {
    const size_t dot = name.find('.', prefix.size());
    const std::string layer_text = name.substr(prefix.size(), dot - prefix.size());
    const bool digits = !layer_text.empty() && layer_text.size() <= 9 &&
                        layer_text.find_first_not_of("0123456789") == std::string::npos;
    if (digits && dot != std::string::npos) {
      const int64_t layer = std::stoll(layer_text);
      const std::string suffix = name.substr(dot + 1);
      for (int point = 0; point < kHookPointCount; ++point) {
        if (kBlockSuffixes[point] == nullptr || suffix != kBlockSuffixes[point]) continue;
        EVERGREEN_CHECK_INPUT(layer < n_layers,
                              "hook {}: layer {} is outside 0..{} (the model has {} blocks)",
                              quote(name), layer, n_layers - 1, n_layers);
        return {static_cast<HookPoint>(point), layer};
      }
    }
  }
  throw InputError(fmt::format(
      "hook {}: not a hook point; expected hook_embed, ln_final or blocks.L.X with X one of "
      "hook_resid_pre, attn.hook_z, hook_attn_out, mlp.hook_post, hook_mlp_out, hook_resid_post",
      quote(name)));
}

std::vector<std::string> all_hook_names(int64_t n_layers) {
  std::vector<std::string> names{"hook_embed"};
  for (int64_t layer = 0; layer < n_layers; ++layer)
    for (int point = 1; point < kHookPointCount - 1; ++point)
      names.push_back(HookName{static_cast<HookPoint>(point), layer}.str());
  names.push_back("ln_final");
  return names;
}

Hooks& Hooks::cache(const std::string& name, bool keep_graph) {
  cache_requests_[name] = keep_graph;
  resolved_layers_ = -1;
  return *this;
}

Hooks& Hooks::cache_all() {
  cache_everything_ = true;
  resolved_layers_ = -1;
  return *this;
}

Hooks& Hooks::replace(const std::string& name, torch::Tensor value, std::vector<int64_t> positions,
                      int64_t head) {
  Intervention intervention;
  intervention.mode = Intervention::Mode::kReplace;
  intervention.value = std::move(value);
  intervention.positions = std::move(positions);
  intervention.head = head;
  interventions_.emplace_back(name, std::move(intervention));
  resolved_layers_ = -1;
  return *this;
}

Hooks& Hooks::add(const std::string& name, torch::Tensor value, std::vector<int64_t> positions,
                  int64_t head) {
  replace(name, std::move(value), std::move(positions), head);
  interventions_.back().second.mode = Intervention::Mode::kAdd;
  return *this;
}

Hooks& Hooks::apply(const std::string& name,
                    std::function<torch::Tensor(const torch::Tensor&)> function) {
  Intervention intervention;
  intervention.mode = Intervention::Mode::kFunction;
  intervention.function = std::move(function);
  interventions_.emplace_back(name, std::move(intervention));
  resolved_layers_ = -1;
  return *this;
}

const torch::Tensor& Hooks::cached(const std::string& name) const {
  auto found = cache_.find(name);
  EVERGREEN_CHECK_INPUT(found != cache_.end(),
                        "hook {}: nothing was recorded there (cache it before the forward pass)",
                        quote(name));
  return found->second;
}

bool Hooks::has_cached(const std::string& name) const { return cache_.count(name) != 0; }

void Hooks::resolve(int64_t n_layers) {
  site_interventions_.clear();
  site_cache_.clear();
  site_active_.assign(static_cast<size_t>(kHookPointCount * (n_layers + 1)), false);
  auto mark = [&](const HookName& site) {
    site_active_[site_index(site.point, site.layer, n_layers)] = true;
  };
  for (const auto& [name, keep_graph] : cache_requests_) {
    const HookName site = HookName::parse(name, n_layers);
    site_cache_[site] = keep_graph;
    mark(site);
  }
  if (cache_everything_)
    for (const std::string& name : all_hook_names(n_layers)) {
      const HookName site = HookName::parse(name, n_layers);
      site_cache_.emplace(site, false);
      mark(site);
    }
  for (const auto& [name, intervention] : interventions_) {
    const HookName site = HookName::parse(name, n_layers);
    EVERGREEN_CHECK_INPUT(intervention.head < 0 || site.point == HookPoint::kAttnZ,
                          "hook {}: a head is chosen only at blocks.L.attn.hook_z", quote(name));
    site_interventions_[site].push_back(&intervention);
    mark(site);
  }
  resolved_layers_ = n_layers;
}

bool Hooks::active(HookPoint point, int64_t layer) const {
  // Unresolved hooks are active everywhere; run() resolves them on the first site it sees.
  if (resolved_layers_ < 0) return true;
  return site_active_[site_index(point, layer, resolved_layers_)];
}

namespace {

// Column indices of `positions` in a sequence of `length` (negative from the end).
torch::Tensor position_index(const std::vector<int64_t>& positions, int64_t length,
                             const std::string& name) {
  std::vector<int64_t> resolved;
  resolved.reserve(positions.size());
  for (int64_t position : positions) {
    const int64_t column = position < 0 ? position + length : position;
    EVERGREEN_CHECK_INPUT(column >= 0 && column < length,
                          "hook {}: position {} is outside a sequence of {} tokens", quote(name),
                          position, length);
    resolved.push_back(column);
  }
  return torch::tensor(resolved, torch::kInt64);
}

}  // namespace

torch::Tensor Hooks::run(HookPoint point, int64_t layer, torch::Tensor activation,
                         int64_t n_layers) {
  if (resolved_layers_ != n_layers) resolve(n_layers);
  if (!site_active_[site_index(point, layer, n_layers)]) return activation;
  const HookName site{point, layer};
  auto interventions = site_interventions_.find(site);
  if (interventions != site_interventions_.end()) {
    const std::string name = site.str();
    for (const Intervention* intervention : interventions->second) {
      if (intervention->mode == Intervention::Mode::kFunction) {
        torch::Tensor changed = intervention->function(activation);
        EVERGREEN_CHECK_INPUT(changed.sizes() == activation.sizes(),
                              "hook {}: the function returned shape {}, the activation is {}",
                              quote(name), c10::str(changed.sizes()), c10::str(activation.sizes()));
        activation = changed;
        continue;
      }
      // A copy, so that tensors autograd saved from before the site stay as they were.
      activation = activation.clone();
      torch::Tensor target = activation;
      if (intervention->head >= 0) {
        EVERGREEN_CHECK_INPUT(intervention->head < activation.size(2),
                              "hook {}: head {} is outside 0..{}", quote(name), intervention->head,
                              activation.size(2) - 1);
        target = target.select(2, intervention->head);
      }
      torch::Tensor columns;
      if (!intervention->positions.empty()) {
        columns = position_index(intervention->positions, activation.size(1), name)
                      .to(activation.device());
      } else {
        columns = torch::arange(activation.size(1), activation.options().dtype(torch::kInt64));
      }
      torch::Tensor selected = target.index_select(1, columns);
      torch::Tensor value = intervention->value.to(selected.options());
      try {
        value = intervention->mode == Intervention::Mode::kAdd ? selected + value
                                                               : value.expand_as(selected);
      } catch (const c10::Error&) {
        throw InputError(fmt::format("hook {}: a value of shape {} does not fit the selected {}",
                                     quote(name), c10::str(intervention->value.sizes()),
                                     c10::str(selected.sizes())));
      }
      target.index_copy_(1, columns, value);
    }
  }
  auto cached = site_cache_.find(site);
  if (cached != site_cache_.end())
    cache_[site.str()] = cached->second ? activation : activation.detach();
  return activation;
}

}  // namespace evergreen::lm
