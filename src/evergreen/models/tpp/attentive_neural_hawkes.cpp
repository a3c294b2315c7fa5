#include "evergreen/models/tpp/attentive_neural_hawkes.h"

#include <cmath>
#include <limits>

#include "evergreen/core/error.h"
#include "evergreen/green/flops.h"

namespace evergreen {
namespace {

// [N, C, H] -> [N, heads, C, H / heads]
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

// [N, heads, C, D] -> [N, C, heads * D]
torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

}  // namespace

AttentiveNeuralHawkesImpl::AttentiveNeuralHawkesImpl(const AttentiveNeuralHawkesOptions& options)
    : options_(options) {
  EVERGREEN_CHECK_INPUT(options.num_types() >= 1 && options.hidden_size() >= 1,
                        "attnhp: num_types and hidden_size must be >= 1");
  EVERGREEN_CHECK_INPUT(options.num_layers() >= 1, "attnhp: num_layers must be >= 1, got {}",
                        options.num_layers());
  EVERGREEN_CHECK_INPUT(
      options.num_heads() >= 1 && options.hidden_size() % options.num_heads() == 0,
      "attnhp: hidden_size ({}) must be a multiple of num_heads ({})", options.hidden_size(),
      options.num_heads());
  EVERGREEN_CHECK_INPUT(
      options.time_embedding_size() >= 2 && options.time_embedding_size() % 2 == 0,
      "attnhp: time_embedding_size must be even and >= 2, got {}", options.time_embedding_size());
  EVERGREEN_CHECK_INPUT(options.integral_points() >= 2, "attnhp: integral_points must be >= 2");
  EVERGREEN_CHECK_INPUT(options.integral_rule() == "trapezoid" || options.integral_rule() == "mean",
                        "attnhp: integral_rule must be 'trapezoid' or 'mean', got '{}'",
                        options.integral_rule());
  const int64_t hidden = options.hidden_size(), time_size = options.time_embedding_size();
  // Row K is padding, row K + 1 the "query" token that starts the state of a time between events.
  type_embedding_ =
      register_module("type_embedding", torch::nn::Embedding(options.num_types() + 2, hidden));
  for (int64_t layer = 0; layer < options.num_layers(); ++layer) {
    auto suffix = std::to_string(layer);
    query_.push_back(
        register_module("query" + suffix, torch::nn::Linear(time_size + hidden, hidden)));
    key_.push_back(register_module("key" + suffix, torch::nn::Linear(time_size + hidden, hidden)));
    value_.push_back(
        register_module("value" + suffix, torch::nn::Linear(time_size + hidden, hidden)));
  }
  intensity_ = register_module("intensity", torch::nn::Linear(hidden, options.num_types()));
  // Geometric frequencies 1 ... 1/10^4, as in the transformer's position encoding: the fast ones
  // resolve short gaps, the slow ones tell apart times far into a window.
  frequencies_ = register_buffer(
      "frequencies", torch::pow(10000.0, -torch::arange(time_size / 2, torch::kFloat) * 2.0 /
                                             static_cast<double>(time_size)));
  prefix_keys_.resize(options.num_layers());
  prefix_values_.resize(options.num_layers());
}

void AttentiveNeuralHawkesImpl::prepare(const Stream& stream) {
  double events = 0, rows = 0;
  for (const auto& experience : stream.experiences) {
    if (!experience.train.contains("mask")) continue;
    events += experience.train.at("mask").sum().item<double>();
    rows += static_cast<double>(experience.train.size());
  }
  if (rows > 0) mean_events_per_row_ = events / rows;
}

torch::Tensor AttentiveNeuralHawkesImpl::time_embedding(const torch::Tensor& times) const {
  auto phases = times.unsqueeze(-1) * frequencies_.to(times.dtype());
  return torch::cat({torch::sin(phases), torch::cos(phases)}, -1);
}

void AttentiveNeuralHawkesImpl::set_prefix(int64_t layer, torch::Tensor keys,
                                           torch::Tensor values) {
  EVERGREEN_CHECK_INPUT(layer >= 0 && layer < options_.num_layers(),
                        "attnhp: set_prefix: layer {} out of [0, {})", layer,
                        options_.num_layers());
  EVERGREEN_CHECK_INPUT(
      keys.dim() == 3 && keys.size(2) == options_.hidden_size() && keys.sizes() == values.sizes(),
      "attnhp: set_prefix: keys and values must both be [N or 1, P, {}], got "
      "{} and {}",
      options_.hidden_size(), c10::str(keys.sizes()), c10::str(values.sizes()));
  prefix_keys_[layer] = std::move(keys);
  prefix_values_[layer] = std::move(values);
}

void AttentiveNeuralHawkesImpl::clear_prefix() {
  for (auto& tensor : prefix_keys_) tensor = torch::Tensor();
  for (auto& tensor : prefix_values_) tensor = torch::Tensor();
}

bool AttentiveNeuralHawkesImpl::has_prefix(int64_t layer) const {
  return layer >= 0 && layer < options_.num_layers() && prefix_keys_[layer].defined();
}

std::pair<torch::Tensor, torch::Tensor> AttentiveNeuralHawkesImpl::project_key_value(
    int64_t layer, const torch::Tensor& inputs) {
  EVERGREEN_CHECK_INPUT(layer >= 0 && layer < options_.num_layers(),
                        "attnhp: project_key_value: layer {} out of [0, {})", layer,
                        options_.num_layers());
  return {key_[layer]->forward(inputs), value_[layer]->forward(inputs)};
}

torch::Tensor AttentiveNeuralHawkesImpl::event_states(const Batch& batch) {
  const auto& mask = batch.at("mask");
  return type_embedding_->forward(batch.at("types").masked_fill(mask == 0, options_.num_types()))
      .to(batch.at("times").dtype());
}

torch::Tensor AttentiveNeuralHawkesImpl::attend(int64_t layers,
                                                const torch::Tensor& event_embedding,
                                                const torch::Tensor& states,
                                                const torch::Tensor& row_embedding,
                                                const torch::Tensor& limits) {
  const int64_t rows = states.size(0), length = event_embedding.size(1);
  const int64_t heads = options_.num_heads();
  const double scale = 1.0 / std::sqrt(static_cast<double>(options_.hidden_size() / heads));
  // Row r may see event m iff m < limits[r]. Padding sits at the end, so a valid row's limit
  // never reaches a padded event.
  auto hidden_events = torch::arange(length, limits.options()).unsqueeze(0) >= limits.unsqueeze(1);
  auto result = states;
  for (int64_t layer = 0; layer < layers; ++layer) {
    auto event_inputs = torch::cat({event_embedding, result.slice(1, 0, length)}, 2);
    auto keys = split_heads(key_[layer]->forward(event_inputs), heads);
    auto values = split_heads(value_[layer]->forward(event_inputs), heads);
    auto queries =
        split_heads(query_[layer]->forward(torch::cat({row_embedding, result}, 2)), heads);
    auto event_scores = torch::matmul(queries, keys.transpose(2, 3)) * scale;  // [N, h, R, L]
    event_scores =
        event_scores.masked_fill(hidden_events, -std::numeric_limits<double>::infinity());
    // The null slot (logit 0, value 0) comes first, then the prefix, then the events: the causal
    // mask above covers the event columns only, whatever the prefix length.
    std::vector<torch::Tensor> scores{
        torch::zeros({rows, heads, queries.size(2), 1}, queries.options())};
    std::vector<torch::Tensor> mixed_values;
    if (prefix_keys_[layer].defined()) {
      const auto& prefix_keys = prefix_keys_[layer];
      EVERGREEN_CHECK_INPUT(prefix_keys.size(0) == 1 || prefix_keys.size(0) == rows,
                            "attnhp: prefix of layer {} has {} rows, the batch {}", layer,
                            prefix_keys.size(0), rows);
      auto expand = [&](const torch::Tensor& x) {
        return split_heads(x.to(queries.dtype()).expand({rows, x.size(1), x.size(2)}), heads);
      };
      scores.push_back(torch::matmul(queries, expand(prefix_keys).transpose(2, 3)) * scale);
      mixed_values.push_back(expand(prefix_values_[layer]));
    }
    scores.push_back(event_scores);
    mixed_values.push_back(values);
    auto weights = torch::softmax(torch::cat(scores, 3), 3).slice(3, 1);  // drop the null slot
    auto attended = torch::matmul(weights, torch::cat(mixed_values, 2));
    result = result + torch::tanh(merge_heads(attended));
  }
  return result;
}

torch::Tensor AttentiveNeuralHawkesImpl::layer_input_mean(const Batch& batch, int64_t layer) {
  EVERGREEN_CHECK_INPUT(layer >= 0 && layer < options_.num_layers(),
                        "attnhp: layer_input_mean: layer {} out of [0, {})", layer,
                        options_.num_layers());
  const auto& times = batch.at("times");
  auto mask = batch.at("mask").to(times.dtype()).unsqueeze(2);
  auto embedding = time_embedding(times);
  auto limits = torch::arange(1, times.size(1) + 1, torch::kLong);
  auto states = attend(layer, embedding, event_states(batch), embedding, limits);
  auto inputs = torch::cat({embedding, states}, 2);
  return (inputs * mask).sum(1) / mask.sum(1).clamp_min(1);
}

Batch AttentiveNeuralHawkesImpl::forward(const Batch& batch) {
  if (prompt_provider_) prompt_provider_(*this, batch);
  const auto& times = batch.at("times");
  const auto mask = batch.at("mask").to(times.dtype());
  const int64_t rows = times.size(0), length = times.size(1), hidden = options_.hidden_size();
  const int64_t num_types = options_.num_types(), points = options_.integral_points();
  EVERGREEN_CHECK_INPUT(length >= 1, "attnhp: sequences must hold at least one position");

  // Fractions of an interval at which the integral is evaluated, and their weights.
  torch::Tensor fractions, weights;
  if (options_.integral_rule() == "trapezoid") {
    fractions = torch::linspace(0, 1, points, times.options());
    weights = torch::full({points}, 1.0 / static_cast<double>(points - 1), times.options());
    weights[0] = weights[points - 1] = 0.5 / static_cast<double>(points - 1);
  } else {
    fractions = (torch::arange(points, times.options()) + 0.5) / static_cast<double>(points);
    weights = torch::full({points}, 1.0 / static_cast<double>(points), times.options());
  }

  // Interval i (between events i-1 and i, i = 1..L-1) gets G integral points and, last, the event
  // time t_i itself; all of them see events 0..i-1. Every interval is one block of G + 1 query
  // rows, so the whole sequence is one attention per layer.
  const int64_t intervals = length - 1;
  auto previous = times.slice(1, 0, intervals), next = times.slice(1, 1);
  auto gap = (next - previous).clamp_min(0);  // [N, L-1]
  auto query_times =
      torch::cat({previous.unsqueeze(2) + gap.unsqueeze(2) * fractions, next.unsqueeze(2)}, 2)
          .view({rows, intervals * (points + 1)});
  auto query_token = torch::full({1, 1}, num_types + 1, torch::kLong);
  auto query_states =
      type_embedding_->forward(query_token).expand({rows, intervals * (points + 1), hidden});
  auto event_embedding = time_embedding(times);
  auto limits = torch::cat({torch::arange(1, length + 1, torch::kLong),
                            torch::arange(1, length, torch::kLong).repeat_interleave(points + 1)});
  auto states = attend(options_.num_layers(), event_embedding,
                       torch::cat({event_states(batch), query_states}, 1),
                       torch::cat({event_embedding, time_embedding(query_times)}, 1), limits);

  auto lambdas = torch::softplus(intensity_->forward(
      states.slice(1, length).view({rows, intervals, points + 1, hidden})));  // [N, L-1, G+1, K]
  auto total = lambdas.slice(2, 0, points).sum(3);                            // [N, L-1, G]
  auto integral = gap * (total * weights).sum(2);
  auto event_types = batch.at("types").slice(1, 1).clamp(0, num_types - 1);
  auto log_intensity =
      torch::log(lambdas.select(2, points).gather(2, event_types.unsqueeze(2)).squeeze(2));
  // where, not a product with the mask: padded positions may hold -inf or NaN.
  auto scored = mask.slice(1, 1) > 0;
  auto zeros = torch::zeros_like(integral);
  // Per-position terms [N, L] (0 at the first event and at padding), for diagnostics and tests.
  auto first = torch::zeros({rows, 1}, integral.options());
  auto event_log_intensity = torch::cat({first, torch::where(scored, log_intensity, zeros)}, 1);
  auto event_integral = torch::cat({first, torch::where(scored, integral, zeros)}, 1);
  auto log_likelihood = (event_log_intensity - event_integral).sum(1);

  auto last = (mask.sum(1) - 1).clamp_min(0).to(torch::kLong);
  auto hint = states.slice(1, 0, length)
                  .gather(1, last.view({rows, 1, 1}).expand({rows, 1, hidden}))
                  .squeeze(1);
  auto events = (mask.sum(1) - 1).clamp_min(0);
  return Batch{{"log_likelihood", log_likelihood},
               {"events", events},
               {"prediction", log_likelihood},
               {"hint", hint},
               {"event_log_intensity", event_log_intensity},
               {"event_integral", event_integral}};
}

int64_t AttentiveNeuralHawkesImpl::forward_macs_per_row() const {
  const int64_t hidden = options_.hidden_size(), inputs = options_.time_embedding_size() + hidden;
  const double length = mean_events_per_row_;
  const double query_rows =
      std::max(length - 1, 0.0) * static_cast<double>(options_.integral_points() + 1);
  const double all_rows = length + query_rows;
  // Per layer: queries for every row, keys and values for the events, then scores and the
  // weighted sum over (on average) all events; prefixes are the strategy's to count.
  double per_layer = static_cast<double>(linear_macs(inputs, hidden)) * (all_rows + 2 * length) +
                     2.0 * all_rows * length * static_cast<double>(hidden);
  double read_out = static_cast<double>(linear_macs(hidden, options_.num_types())) * query_rows;
  return static_cast<int64_t>(per_layer * static_cast<double>(options_.num_layers()) + read_out);
}

}  // namespace evergreen
