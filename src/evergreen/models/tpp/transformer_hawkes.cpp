#include "evergreen/models/tpp/transformer_hawkes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "evergreen/core/error.h"
#include "evergreen/green/flops.h"
#include "evergreen/models/model_options.h"
#include "evergreen/models/tpp/integral_rule.h"
#include "evergreen/models/tpp/point_process_memory.h"
#include "evergreen/models/tpp/point_process_options.h"

namespace evergreen {
namespace {

torch::Tensor maybe_dropout(const torch::Tensor& x, double probability, bool training) {
  return probability > 0 && training ? torch::dropout(x, probability, /*train=*/true) : x;
}

// The smallest intensity whose logarithm is taken: keeps log and its gradient finite where a
// softplus underflows (far below any intensity a data set can support).
constexpr double kSmallestIntensity = 1e-30;

}  // namespace

TransformerHawkesLayerImpl::TransformerHawkesLayerImpl(int64_t hidden_size,
                                                       int64_t feed_forward_size, int64_t num_heads,
                                                       double dropout)
    : num_heads_(num_heads), dropout_(dropout) {
  query = register_module("query", torch::nn::Linear(hidden_size, hidden_size));
  key = register_module("key", torch::nn::Linear(hidden_size, hidden_size));
  value = register_module("value", torch::nn::Linear(hidden_size, hidden_size));
  output = register_module("output", torch::nn::Linear(hidden_size, hidden_size));
  attention_norm = register_module(
      "attention_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden_size})));
  feed_forward_in =
      register_module("feed_forward_in", torch::nn::Linear(hidden_size, feed_forward_size));
  feed_forward_out =
      register_module("feed_forward_out", torch::nn::Linear(feed_forward_size, hidden_size));
  feed_forward_norm = register_module(
      "feed_forward_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden_size})));
}

torch::Tensor TransformerHawkesLayerImpl::forward(const torch::Tensor& x,
                                                  const torch::Tensor& bias) {
  const int64_t rows = x.size(0), length = x.size(1), hidden = x.size(2);
  const int64_t head_size = hidden / num_heads_;
  // [N, L, H] -> [N, heads, L, H / heads]
  auto split = [&](const torch::Tensor& y) {
    return y.view({rows, length, num_heads_, head_size}).transpose(1, 2);
  };
  auto queries = split(query->forward(x)), keys = split(key->forward(x));
  auto values = split(value->forward(x));
  auto scores =
      torch::matmul(queries, keys.transpose(2, 3)) / std::sqrt(static_cast<double>(head_size)) +
      bias;
  auto weights = maybe_dropout(torch::softmax(scores, -1), dropout_, is_training());
  auto attended = torch::matmul(weights, values).transpose(1, 2).reshape({rows, length, hidden});
  auto y = attention_norm->forward(
      x + maybe_dropout(output->forward(attended), dropout_, is_training()));
  auto inner = torch::relu(feed_forward_in->forward(y));
  return feed_forward_norm->forward(
      y + maybe_dropout(feed_forward_out->forward(inner), dropout_, is_training()));
}

TransformerHawkesImpl::TransformerHawkesImpl(const TransformerHawkesOptions& options)
    : options_(options) {
  EVERGREEN_CHECK_INPUT(options.num_types() >= 1, "thp: num_types must be >= 1, got {}",
                        options.num_types());
  EVERGREEN_CHECK_INPUT(options.hidden_size() >= 2 && options.hidden_size() % 2 == 0,
                        "thp: hidden_size must be even and >= 2 (the temporal encoding pairs a "
                        "sine and a cosine), got {}",
                        options.hidden_size());
  EVERGREEN_CHECK_INPUT(
      options.num_heads() >= 1 && options.hidden_size() % options.num_heads() == 0,
      "thp: hidden_size ({}) must be a multiple of num_heads ({})", options.hidden_size(),
      options.num_heads());
  EVERGREEN_CHECK_INPUT(options.num_layers() >= 1 && options.feed_forward_size() >= 1,
                        "thp: num_layers and feed_forward_size must be >= 1, got {} and {}",
                        options.num_layers(), options.feed_forward_size());
  EVERGREEN_CHECK_INPUT(options.dropout() >= 0 && options.dropout() < 1,
                        "thp: dropout must lie in [0, 1), got {}", options.dropout());
  // The type embedding and the read-out (the per-type slopes and softness are one row each).
  check_type_tables(fmt::format("thp: {} event types", options.num_types()), options.num_types(),
                    options.hidden_size(), 2);
  rule_ = IntegralRule::make(options.integral_rule(), options.integral_points(),
                             options.integral_resolution());
  const int64_t hidden = options.hidden_size(), num_types = options.num_types();
  // Row K is padding: padded positions need no special indexing.
  type_embedding_ = register_module("type_embedding", torch::nn::Embedding(num_types + 1, hidden));
  for (int64_t layer = 0; layer < options.num_layers(); ++layer) {
    layers_.push_back(
        register_module("layer" + std::to_string(layer),
                        TransformerHawkesLayer(hidden, options.feed_forward_size(),
                                               options.num_heads(), options.dropout())));
  }
  read_out_ = register_module("read_out", torch::nn::Linear(hidden, num_types));
  // alpha = 0 and beta = 1 at the start: intensities constant between events, plain softplus.
  time_slope_ = register_parameter("time_slope", torch::zeros({num_types}));
  log_softness_ = register_parameter("log_softness", torch::zeros({num_types}));
}

torch::Tensor TransformerHawkesImpl::temporal_encoding(const torch::Tensor& times) const {
  // Geometric frequencies 1 ... 1/10^4 as in the Transformer's position encoding (the paper's
  // z(t)): fast ones resolve short gaps, slow ones tell apart times far into a sequence. Made in
  // the times' dtype at each call (H / 2 values), so a double model encodes in double.
  const int64_t hidden = options_.hidden_size();
  auto frequencies = torch::pow(
      10000.0, torch::arange(hidden / 2, times.options()) * (-2.0 / static_cast<double>(hidden)));
  auto phases = times.unsqueeze(-1) * frequencies;
  return torch::cat({torch::sin(phases), torch::cos(phases)}, -1);
}

torch::Tensor TransformerHawkesImpl::encode(const Batch& batch) {
  const auto& mask = batch.at("mask");
  const auto& types = batch.at("types");
  const int64_t num_types = options_.num_types();
  EVERGREEN_CHECK_INPUT(
      batch.at("times").dim() == 2 && types.sizes() == batch.at("times").sizes() &&
          mask.sizes() == types.sizes(),
      "thp: times, types and mask must all be [N, L], got {}, {} and {}",
      c10::str(batch.at("times").sizes()), c10::str(types.sizes()), c10::str(mask.sizes()));
  EVERGREEN_CHECK_INPUT(((mask == 0) | ((types >= 0) & (types < num_types))).all().item<bool>(),
                        "thp: event types must lie in [0, {})", num_types);
  auto times = batch.at("times").to(read_out_->weight.scalar_type());
  const int64_t length = times.size(1);
  auto x =
      type_embedding_->forward(types.masked_fill(mask == 0, num_types)) + temporal_encoding(times);
  // Event j sees events 0..j: -inf above the diagonal.
  auto causal =
      torch::full({length, length}, -std::numeric_limits<double>::infinity(), times.options())
          .triu(1);
  for (auto& layer : layers_) x = layer->forward(x, causal);
  return x;
}

torch::Tensor TransformerHawkesImpl::intensity_at(const torch::Tensor& base,
                                                  const torch::Tensor& offsets) const {
  auto softness = log_softness_.exp();
  auto pre_activation = base.unsqueeze(-2) + time_slope_ * offsets.unsqueeze(-1);  // [..., G, K]
  return softness * torch::softplus(pre_activation / softness);
}

torch::Tensor TransformerHawkesImpl::intensities(const torch::Tensor& states,
                                                 const torch::Tensor& offsets) {
  auto base = states.defined() ? read_out_->forward(states) : read_out_->bias;
  return intensity_at(base, offsets.to(read_out_->weight.dtype()));
}

HistoryIntensityFunction TransformerHawkesImpl::intensities_after(const Batch& full_batch) {
  const Batch batch = cut_to_longest(full_batch);
  // Shared, so that copies of the function (thinning copies it per block) keep one pass.
  auto states = std::make_shared<torch::Tensor>(encode(batch));
  auto lengths = (batch.at("mask") != 0).sum(1);
  return [this, states, lengths](const torch::Tensor& rows, const torch::Tensor& positions,
                                 const torch::Tensor& offsets) {
    EVERGREEN_CHECK_INPUT(rows.dim() == 1 && positions.dim() == 1 && offsets.dim() == 2 &&
                              rows.size(0) == positions.size(0) && rows.size(0) == offsets.size(0),
                          "thp: intensities: rows and positions must be [M] and offsets [M, G], "
                          "got {}, {} and {}",
                          c10::str(rows.sizes()), c10::str(positions.sizes()),
                          c10::str(offsets.sizes()));
    auto row_index = rows.to(torch::kLong), position = positions.to(torch::kLong);
    EVERGREEN_CHECK_INPUT(
        (row_index >= 0).all().item<bool>() && (row_index < states->size(0)).all().item<bool>(),
        "thp: intensities: rows must lie in [0, {})", states->size(0));
    EVERGREEN_CHECK_INPUT((position >= -1).all().item<bool>() &&
                              (position < lengths.index_select(0, row_index)).all().item<bool>(),
                          "thp: intensities: positions must lie in [-1, the sequence's length)");
    auto base = read_out_->forward(states->index({row_index, position.clamp_min(0)}));  // [M, K]
    base = torch::where((position >= 0).unsqueeze(1), base, read_out_->bias.expand_as(base));
    return intensity_at(base, offsets.to(base.dtype()));
  };
}

Batch TransformerHawkesImpl::forward_model_time(const Batch& full_batch) {
  EVERGREEN_CHECK_INPUT(full_batch.at("times").dim() == 2 && full_batch.at("times").size(1) >= 1,
                        "thp: sequences must hold at least one position");
  const int64_t full_length = full_batch.at("times").size(1);
  const Batch batch = cut_to_longest(full_batch);
  auto states = encode(batch);  // [N, L, H]
  auto times = batch.at("times").to(states.dtype());
  const int64_t rows = times.size(0), length = times.size(1), hidden = options_.hidden_size();
  const int64_t num_types = options_.num_types();
  auto lengths = (batch.at("mask") != 0).sum(1);
  check_per_type_grid("thp", "intensities", rows, length, rule_.points(), num_types,
                      times.element_size());

  // Interval i runs from event i - 1 (time 0 and the empty history, state zero, for i = 0) to
  // event i, and reads h(t_{i-1}) through base = w . h + b.
  auto base = read_out_->forward(states);  // [N, L, K]
  auto empty_base = read_out_->bias.view({1, 1, num_types}).expand({rows, 1, num_types});
  auto previous_base = torch::cat({empty_base, base.slice(1, 0, length - 1)}, 1);
  auto starts = torch::cat({torch::zeros({rows, 1}, times.options()), times.slice(1, 0, -1)}, 1);
  auto gaps = (times - starts).clamp_min(0);    // [N, L]
  auto [offsets, weights] = rule_.nodes(gaps);  // [N, L, G]
  auto integral = (intensity_at(previous_base, offsets).sum(-1) * weights).sum(-1);
  auto at_event = intensity_at(previous_base, gaps.unsqueeze(-1)).squeeze(-2);  // [N, L, K]
  auto types = batch.at("types").clamp(0, num_types - 1).unsqueeze(2);
  auto log_intensity =
      torch::log(at_event.gather(2, types).squeeze(2).clamp_min(kSmallestIntensity));

  // where, not a product with the mask: padded positions may hold anything.
  auto valid = torch::arange(length, torch::kLong).unsqueeze(0) < lengths.unsqueeze(1);
  auto zeros = torch::zeros({rows, length}, times.options());
  log_intensity = torch::where(valid, log_intensity, zeros);
  integral = torch::where(valid, integral, zeros);
  auto log_likelihood_full = (log_intensity - integral).sum(1);

  // The tail (t_N, T] reads h(t_N) (the empty history for a sequence without events).
  auto last_index = (lengths - 1).clamp_min(0).unsqueeze(1);  // [N, 1]
  auto has_events = (lengths > 0).unsqueeze(1);
  if (full_batch.contains("end_time")) {
    auto end_time = full_batch.at("end_time").to(times.dtype());
    EVERGREEN_CHECK_INPUT(end_time.dim() == 1 && end_time.size(0) == rows,
                          "thp: end_time must be [N] = [{}], got {}", rows,
                          c10::str(end_time.sizes()));
    auto last = torch::where(has_events, times.gather(1, last_index),
                             torch::zeros({rows, 1}, times.options()))
                    .squeeze(1);
    EVERGREEN_CHECK_INPUT((end_time >= last).all().item<bool>(),
                          "thp: end_time must not precede a sequence's last event");
    auto last_base = torch::where(
        has_events, base.gather(1, last_index.unsqueeze(2).expand({rows, 1, num_types})).squeeze(1),
        empty_base.squeeze(1));
    auto [tail_offsets, tail_weights] = rule_.nodes(end_time - last);  // [N, G]
    auto tail = (intensity_at(last_base, tail_offsets).sum(-1) * tail_weights).sum(-1);
    log_likelihood_full = log_likelihood_full - tail;
  }

  // EasyTPP's convention leaves out the first event's terms.
  auto first_position = torch::zeros({rows, 1}, times.options());
  auto event_log_intensity = torch::cat({first_position, log_intensity.slice(1, 1)}, 1);
  auto event_integral = torch::cat({first_position, integral.slice(1, 1)}, 1);
  auto log_likelihood = (event_log_intensity - event_integral).sum(1);
  if (length < full_length) {
    auto padding = torch::zeros({rows, full_length - length}, times.options());
    event_log_intensity = torch::cat({event_log_intensity, padding}, 1);
    event_integral = torch::cat({event_integral, padding}, 1);
  }
  auto hint = states.gather(1, last_index.view({rows, 1, 1}).expand({rows, 1, hidden})).squeeze(1);
  auto events_full = lengths.to(times.dtype());
  auto events = (events_full - 1).clamp_min(0);
  return Batch{{"log_likelihood", log_likelihood},
               {"events", events},
               {"log_likelihood_full", log_likelihood_full},
               {"events_full", events_full},
               {"prediction", log_likelihood},
               {"hint", hint},
               {"event_log_intensity", event_log_intensity},
               {"event_integral", event_integral}};
}

int64_t TransformerHawkesImpl::forward_macs_per_row() const {
  const int64_t hidden = options_.hidden_size(), inner = options_.feed_forward_size();
  const int64_t num_types = options_.num_types(), points = options_.integral_points();
  const double length = mean_events_per_row_;
  // Per event and layer: four projections, the feed-forward block, and scores and the weighted
  // sum over the events it sees (half of them on average).
  const double per_layer =
      static_cast<double>(4 * linear_macs(hidden, hidden) + linear_macs(hidden, inner) +
                          linear_macs(inner, hidden)) +
      2.0 * 0.5 * (length + 1) * static_cast<double>(hidden);
  // The read-out once per event, then one multiply-add per type at each node and the event.
  const double read_out =
      static_cast<double>(linear_macs(hidden, num_types) + (points + 1) * num_types);
  return static_cast<int64_t>(length *
                              (per_layer * static_cast<double>(options_.num_layers()) + read_out));
}

std::shared_ptr<Model> make_transformer_hawkes(Options& options, const Stream& stream) {
  auto types = event_types(stream, "thp");
  auto rule = read_integral_options(options);
  auto hidden = read_positive(options, "hidden_size", 32,
                              "d_model: type embedding, temporal encoding and state (even)");
  EVERGREEN_CHECK_INPUT(hidden % 2 == 0, "{}: must be even", options.where("hidden_size"));
  check_type_tables(event_type_source(stream, "thp"), types, hidden, 2);
  auto heads = read_positive(options, "heads", 2, "attention heads (dividing hidden_size)");
  EVERGREEN_CHECK_INPUT(hidden % heads == 0, "{}: must divide hidden_size ({})",
                        options.where("heads"), hidden);
  auto dropout = options.get<double>(
      "dropout", 0.0, "dropout of the attention weights and sublayer outputs, in training");
  EVERGREEN_CHECK_INPUT(dropout >= 0 && dropout < 1, "{}: must lie in [0, 1), got {}",
                        options.where("dropout"), dropout);
  auto model = std::make_shared<TransformerHawkesImpl>(
      TransformerHawkesOptions(types)
          .hidden_size(hidden)
          .feed_forward_size(
              read_positive(options, "feed_forward_size", 64, "feed-forward inner width"))
          .num_layers(read_positive(options, "layers", 2, "encoder layers"))
          .num_heads(heads)
          .dropout(dropout)
          .integral_points(rule.points())
          .integral_rule(rule.name())
          .integral_resolution(rule.resolution()));
  configure_point_process(options, *model);
  return model;
}

}  // namespace evergreen
