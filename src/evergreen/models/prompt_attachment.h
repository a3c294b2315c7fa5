// The extension point through which a prompt strategy (PromptTPP) reaches a model's attention
// layers, so that the strategy depends on this seam and not on a concrete model class.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <utility>

#include "evergreen/core/batch.h"

namespace evergreen {

/// Prefix-tuning attachment points: a model with `prompt_layers()` attention layers whose keys
/// and values can be extended, per batch, by prompt rows a strategy computes. A prompt row lives
/// in a layer's input space, `prompt_row_size()` wide, laid out as [time part; state part] where
/// the time part is the width of `time_embedding()`'s output; the layer's own key and value maps
/// (`project_key_value`) turn rows into prefix keys and values.
///
/// A model offers it through Model::prompt_attachment() (nullptr when it has none) and declares
/// `prompts` in its capabilities, so a plan can refuse a prompt strategy before anything trains.
///
/// Example (one prompt row per sequence on layer 0, set before every forward pass):
///   PromptAttachment* attachment = model.prompt_attachment();
///   attachment->set_prompt_provider([&](PromptAttachment& target, const Batch& batch) {
///     target.clear_prefix();
///     auto query = target.layer_input_mean(batch, 0);               // [N, row size]
///     auto [keys, values] = target.project_key_value(0, query.unsqueeze(1));
///     target.set_prefix(0, keys, values);                           // [N, 1, hidden] each
///   });
class PromptAttachment {
 public:
  /// Run at the start of every forward pass (and every intensity pass) with its batch, before
  /// anything else, so that training, evaluation and prediction see the same prompts.
  using PromptProvider = std::function<void(PromptAttachment&, const Batch&)>;

  virtual ~PromptAttachment() = default;

  /// Layers that take prefixes, numbered 0 .. prompt_layers() - 1.
  virtual int64_t prompt_layers() const = 0;
  /// Width of a prompt row: the size of a layer's input.
  virtual int64_t prompt_row_size() const = 0;
  /// The model's embedding [..., T] of absolute times [...], T being the time part of a row.
  virtual torch::Tensor time_embedding(const torch::Tensor& times) const = 0;
  /// A retrieval query per sequence [N, prompt_row_size()]: the mean input of `layer` over the
  /// batch's valid events, with the prefixes currently set on the layers below.
  virtual torch::Tensor layer_input_mean(const Batch& batch, int64_t layer) = 0;
  /// The key and value maps of `layer` applied to rows [..., prompt_row_size()].
  virtual std::pair<torch::Tensor, torch::Tensor> project_key_value(
      int64_t layer, const torch::Tensor& inputs) = 0;
  /// Prepends `keys` and `values` (same shape, [N or 1, P, width of a key]) to the attention keys
  /// and values of `layer` until clear_prefix(). Gradients flow into them.
  virtual void set_prefix(int64_t layer, torch::Tensor keys, torch::Tensor values) = 0;
  /// Removes the prefixes of every layer.
  virtual void clear_prefix() = 0;
  /// Installs the callback that sets a batch's prefixes; an empty one removes it.
  virtual void set_prompt_provider(PromptProvider provider) = 0;
};

}  // namespace evergreen
