#include "evergreen/models/tpp/attentive_neural_hawkes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "evergreen/core/error.h"
#include "evergreen/green/flops.h"
#include "evergreen/models/model_options.h"
#include "evergreen/models/tpp/point_process_memory.h"
#include "evergreen/models/tpp/point_process_options.h"

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

// The sequences that still have an event at `position`, or undefined when all do (then no
// gathering is needed).
torch::Tensor active_rows(const torch::Tensor& lengths, int64_t position) {
  auto active = lengths > position;
  if (active.all().item<bool>()) return {};
  return active.nonzero().squeeze(1);
}

// Rows `rows` of x (all of them when undefined).
torch::Tensor pick_rows(const torch::Tensor& x, const torch::Tensor& rows) {
  return rows.defined() ? x.index_select(0, rows) : x;
}

// The inverse for results: block rows placed at `rows` of a [total, ...] tensor of zeros.
torch::Tensor spread_rows(const torch::Tensor& x, const torch::Tensor& rows, int64_t total) {
  if (!rows.defined()) return x;
  auto sizes = x.sizes().vec();
  sizes[0] = total;
  return torch::zeros(sizes, x.options()).index_copy(0, rows, x);
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
  EVERGREEN_CHECK_INPUT(options.block_scores() >= 1, "attnhp: block_scores must be >= 1, got {}",
                        options.block_scores());
  // The type embedding and the intensity read-out.
  check_type_tables(fmt::format("attnhp: {} event types", options.num_types()), options.num_types(),
                    options.hidden_size(), 2);
  rule_ = IntegralRule::make(options.integral_rule(), options.integral_points(),
                             options.integral_resolution());
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

AttentiveNeuralHawkesHistory AttentiveNeuralHawkesImpl::encode(const Batch& full_batch,
                                                               int64_t layers) {
  const Batch batch = cut_to_longest(full_batch);
  const auto& times = batch.at("times");
  const int64_t rows = times.size(0), length = times.size(1), hidden = options_.hidden_size();
  const int64_t heads = options_.num_heads();
  AttentiveNeuralHawkesHistory history;
  history.times = times;
  history.lengths = (batch.at("mask") != 0).sum(1);
  auto embedding = time_embedding(times);  // [N, L, T]
  auto states = event_states(batch);       // x^0 [N, L, H]
  auto null_slot = torch::zeros({rows, 1, hidden}, embedding.options());
  for (int64_t layer = 0; layer < layers; ++layer) {
    auto inputs = torch::cat({embedding, states}, 2);
    std::vector<torch::Tensor> keys{null_slot}, values{null_slot};
    if (prefix_keys_[layer].defined()) {
      const auto& prefix_keys = prefix_keys_[layer];
      EVERGREEN_CHECK_INPUT(prefix_keys.size(0) == 1 || prefix_keys.size(0) == rows,
                            "attnhp: prefix of layer {} has {} rows, the batch {}", layer,
                            prefix_keys.size(0), rows);
      auto expand = [&](const torch::Tensor& x) {
        return x.to(embedding.dtype()).expand({rows, x.size(1), x.size(2)});
      };
      keys.push_back(expand(prefix_keys));
      values.push_back(expand(prefix_values_[layer]));
    }
    history.first_event_column.push_back(keys.size() == 1 ? 1 : 1 + keys[1].size(1));
    keys.push_back(key_[layer]->forward(inputs));
    values.push_back(value_[layer]->forward(inputs));
    history.keys.push_back(split_heads(torch::cat(keys, 1), heads).contiguous());
    history.values.push_back(split_heads(torch::cat(values, 1), heads).contiguous());

    // Event j sees events 0..j. Blocks of events, each seeing the columns up to its last event.
    auto queries = split_heads(query_[layer]->forward(inputs), heads);
    std::vector<torch::Tensor> updates;
    for (int64_t begin = 0, end = 0; begin < length; begin = end) {
      auto active = active_rows(history.lengths, begin);
      const int64_t active_count = active.defined() ? active.size(0) : rows;
      end = begin + 1;
      while (end < length && active_count * heads * (end + 1 - begin) *
                                     (history.first_event_column[layer] + end + 1) <=
                                 options_.block_scores()) {
        ++end;
      }
      if (active_count == 0) {
        updates.push_back(torch::zeros({rows, end - begin, hidden}, embedding.options()));
        continue;
      }
      auto limits = torch::arange(begin + 1, end + 1, torch::kLong).unsqueeze(0);
      auto attended =
          attend(history, layer, active, pick_rows(queries.slice(2, begin, end), active), limits);
      updates.push_back(spread_rows(torch::tanh(attended), active, rows));
    }
    states = states + torch::cat(updates, 1);
  }
  history.states = states;
  return history;
}

AttentiveNeuralHawkesHistory AttentiveNeuralHawkesImpl::encode_history(const Batch& batch) {
  if (prompt_provider_) prompt_provider_(*this, batch);
  return encode(batch, options_.num_layers());
}

torch::Tensor AttentiveNeuralHawkesImpl::attend(const AttentiveNeuralHawkesHistory& history,
                                                int64_t layer, const torch::Tensor& rows,
                                                const torch::Tensor& queries,
                                                const torch::Tensor& limits) const {
  // Only the columns the furthest-seeing row may read: the null slot, the prefix and the first
  // `most` events.
  const int64_t first = history.first_event_column[layer];
  const int64_t most = limits.max().item<int64_t>();
  const int64_t columns = first + most;
  const int64_t count = queries.size(0), heads = queries.size(1), length = queries.size(2);
  auto keys = pick_rows(history.keys[layer].slice(2, 0, columns), rows);
  auto values = pick_rows(history.values[layer].slice(2, 0, columns), rows);
  // scale q.k + bias in one product, the bias being -inf on the hidden columns: row r may see
  // event m iff m < limits[r]; the null slot and the prefix (negative event indices) are always
  // visible. The bias is [M or 1, Q or 1, columns], never a mask per score.
  torch::Tensor bias;
  if (limits.min().item<int64_t>() < most) {
    auto event_index = torch::arange(-first, most, limits.options()).view({1, 1, columns});
    auto hidden = event_index >= limits.unsqueeze(2);
    bias = torch::zeros(hidden.sizes(), queries.options())
               .masked_fill_(hidden, -std::numeric_limits<double>::infinity());
    if (bias.size(0) > 1) {
      bias = bias.unsqueeze(1)
                 .expand({count, heads, bias.size(1), columns})
                 .reshape({count * heads, -1, columns});
    }
  } else {
    bias = torch::zeros({1, 1, 1}, queries.options());
  }
  auto scores = torch::baddbmm(bias, queries.reshape({count * heads, length, -1}),
                               keys.reshape({count * heads, columns, -1}).transpose(1, 2),
                               /*beta=*/1, /*alpha=*/attention_scale());
  auto weights = torch::softmax(scores, 2).view({count, heads, length, columns});
  // The null slot's value is 0: its weight only enlarges the normaliser.
  return merge_heads(torch::matmul(weights, values));
}

torch::Tensor AttentiveNeuralHawkesImpl::query_states(const AttentiveNeuralHawkesHistory& history,
                                                      const torch::Tensor& rows,
                                                      const torch::Tensor& times,
                                                      const torch::Tensor& limits) {
  const int64_t heads = options_.num_heads();
  auto embedding = time_embedding(times);  // [M, Q, T]
  auto query_token = torch::full({1, 1}, options_.num_types() + 1, torch::kLong);
  auto states = type_embedding_->forward(query_token)
                    .to(embedding.dtype())
                    .expand({times.size(0), times.size(1), options_.hidden_size()});
  for (size_t layer = 0; layer < history.keys.size(); ++layer) {
    auto queries = split_heads(query_[layer]->forward(torch::cat({embedding, states}, 2)), heads);
    states =
        states + torch::tanh(attend(history, static_cast<int64_t>(layer), rows, queries, limits));
  }
  return states;
}

torch::Tensor AttentiveNeuralHawkesImpl::intensities(const AttentiveNeuralHawkesHistory& history,
                                                     const torch::Tensor& rows,
                                                     const torch::Tensor& positions,
                                                     const torch::Tensor& offsets) {
  EVERGREEN_CHECK_INPUT(
      static_cast<int64_t>(history.keys.size()) == options_.num_layers(),
      "attnhp: intensities: the history holds {} layers, the model {} (use encode_history)",
      history.keys.size(), options_.num_layers());
  EVERGREEN_CHECK_INPUT(rows.dim() == 1 && positions.dim() == 1 && offsets.dim() == 2 &&
                            rows.size(0) == positions.size(0) && rows.size(0) == offsets.size(0),
                        "attnhp: intensities: rows and positions must be [M] and offsets [M, G], "
                        "got {}, {} and {}",
                        c10::str(rows.sizes()), c10::str(positions.sizes()),
                        c10::str(offsets.sizes()));
  const int64_t queries = rows.size(0), points = offsets.size(1);
  const int64_t heads = options_.num_heads(), num_types = options_.num_types();
  if (queries == 0 || points == 0) {
    return torch::zeros({queries, points, num_types}, history.times.options());
  }
  auto row_index = rows.to(torch::kLong), position = positions.to(torch::kLong);
  EVERGREEN_CHECK_INPUT(
      (row_index >= 0).all().item<bool>() && (row_index < history.times.size(0)).all().item<bool>(),
      "attnhp: intensities: rows must lie in [0, {})", history.times.size(0));
  EVERGREEN_CHECK_INPUT(
      (position >= -1).all().item<bool>() &&
          (position < history.lengths.index_select(0, row_index)).all().item<bool>(),
      "attnhp: intensities: positions must lie in [-1, the sequence's length)");
  // Absolute query times: the history's last event (time 0 for the empty history) + offset.
  auto last = history.times.index({row_index, position.clamp_min(0)});
  last = torch::where(position >= 0, last, torch::zeros_like(last));
  auto times = last.unsqueeze(1) + offsets.to(history.times.dtype());  // [M, G]
  auto limits = (position + 1).unsqueeze(1);                           // [M, 1]

  int64_t first = 0;
  for (int64_t column : history.first_event_column) first = std::max(first, column);
  const int64_t columns = first + position.max().item<int64_t>() + 1;
  const int64_t budget = options_.block_scores();
  const int64_t point_block = std::clamp<int64_t>(budget / (heads * columns), 1, points);
  const int64_t query_block = std::max<int64_t>(1, budget / (heads * columns * point_block));
  std::vector<torch::Tensor> blocks;
  for (int64_t begin = 0; begin < queries; begin += query_block) {
    const int64_t end = std::min(queries, begin + query_block);
    auto block_rows = row_index.slice(0, begin, end);
    auto block_limits = limits.slice(0, begin, end);
    std::vector<torch::Tensor> pieces;
    for (int64_t from = 0; from < points; from += point_block) {
      auto block_times = times.slice(0, begin, end).slice(1, from, from + point_block);
      auto states = query_states(history, block_rows, block_times, block_limits);
      pieces.push_back(torch::softplus(intensity_->forward(states)));
    }
    blocks.push_back(torch::cat(pieces, 1));
  }
  return torch::cat(blocks, 0);
}

HistoryIntensityFunction AttentiveNeuralHawkesImpl::intensities_after(const Batch& batch) {
  // Shared, so that copies of the function (thinning copies it per block) keep one pass.
  auto history = std::make_shared<AttentiveNeuralHawkesHistory>(encode_history(batch));
  return [this, history](const torch::Tensor& rows, const torch::Tensor& positions,
                         const torch::Tensor& offsets) {
    return intensities(*history, rows, positions, offsets);
  };
}

torch::Tensor AttentiveNeuralHawkesImpl::layer_input_mean(const Batch& batch, int64_t layer) {
  EVERGREEN_CHECK_INPUT(layer >= 0 && layer < options_.num_layers(),
                        "attnhp: layer_input_mean: layer {} out of [0, {})", layer,
                        options_.num_layers());
  auto history = encode(batch, layer);
  auto inputs = torch::cat({time_embedding(history.times), history.states}, 2);
  auto mask = (torch::arange(history.times.size(1), torch::kLong).unsqueeze(0) <
               history.lengths.unsqueeze(1))
                  .to(inputs.dtype())
                  .unsqueeze(2);
  return (inputs * mask).sum(1) / mask.sum(1).clamp_min(1);
}

Batch AttentiveNeuralHawkesImpl::forward_model_time(const Batch& full_batch) {
  if (prompt_provider_) prompt_provider_(*this, full_batch);
  EVERGREEN_CHECK_INPUT(full_batch.at("times").dim() == 2 && full_batch.at("times").size(1) >= 1,
                        "attnhp: sequences must hold at least one position");
  const int64_t full_length = full_batch.at("times").size(1);
  const Batch batch = cut_to_longest(full_batch);
  auto history = encode(batch, options_.num_layers());
  const auto& times = history.times;
  const auto& lengths = history.lengths;
  const int64_t rows = times.size(0), length = times.size(1), hidden = options_.hidden_size();
  const int64_t num_types = options_.num_types(), points = options_.integral_points();
  const int64_t heads = options_.num_heads(), budget = options_.block_scores();
  int64_t first = 0;
  for (int64_t column : history.first_event_column) first = std::max(first, column);

  // Interval i ends at event i and starts at event i - 1 (at time 0 for i = 0, the first event's
  // interval); its G integral points and, last, the event time itself see events 0..i-1.
  auto starts = torch::cat({torch::zeros({rows, 1}, times.options()), times.slice(1, 0, -1)}, 1);
  auto gaps = (times - starts).clamp_min(0);         // [N, L]
  auto [offsets, node_weights] = rule_.nodes(gaps);  // [N, L, G]
  auto query_times = torch::cat({starts.unsqueeze(2) + offsets, times.unsqueeze(2)}, 2);
  auto types = batch.at("types").clamp(0, num_types - 1);
  std::vector<torch::Tensor> integrals, log_intensities;
  for (int64_t begin = 0, end = 0; begin < length; begin = end) {
    // Blocks of whole intervals, each attending to the columns its last interval may see;
    // sequences that have ended by the block's first interval are left out.
    auto active = active_rows(lengths, begin);
    const int64_t active_count = active.defined() ? active.size(0) : rows;
    end = begin + 1;
    while (end < length &&
           active_count * heads * (end + 1 - begin) * (points + 1) * (first + end) <= budget) {
      ++end;
    }
    const int64_t intervals = end - begin;
    if (active_count == 0) {
      integrals.push_back(torch::zeros({rows, intervals}, times.options()));
      log_intensities.push_back(torch::zeros({rows, intervals}, times.options()));
      continue;
    }
    // A single interval over too many sequences (long sequences, many points): split them.
    const int64_t row_chunk =
        std::max<int64_t>(1, budget / (heads * intervals * (points + 1) * (first + end - 1)));
    if (row_chunk < active_count && !active.defined()) active = torch::arange(rows);
    auto limits =
        torch::arange(begin, end, torch::kLong).repeat_interleave(points + 1).unsqueeze(0);
    std::vector<torch::Tensor> chunk_integrals, chunk_log_intensities;
    for (int64_t chunk = 0; chunk < active_count; chunk += row_chunk) {
      auto chunk_rows =
          row_chunk < active_count ? active.slice(0, chunk, chunk + row_chunk) : active;
      const int64_t count = chunk_rows.defined() ? chunk_rows.size(0) : rows;
      auto block_times =
          pick_rows(query_times.slice(1, begin, end), chunk_rows).reshape({count, -1});
      check_per_type_grid("attnhp", "intensities", count, intervals, points + 1, num_types,
                          times.element_size());
      auto states = query_states(history, chunk_rows, block_times, limits);
      auto lambdas = torch::softplus(intensity_->forward(states))
                         .view({count, intervals, points + 1, num_types});
      auto total = lambdas.slice(2, 0, points).sum(3);  // [N', I, G]
      chunk_integrals.push_back(
          (total * pick_rows(node_weights.slice(1, begin, end), chunk_rows)).sum(2));
      auto block_types = pick_rows(types.slice(1, begin, end), chunk_rows).unsqueeze(2);
      chunk_log_intensities.push_back(
          torch::log(lambdas.select(2, points).gather(2, block_types).squeeze(2)));
    }
    integrals.push_back(spread_rows(torch::cat(chunk_integrals), active, rows));
    log_intensities.push_back(spread_rows(torch::cat(chunk_log_intensities), active, rows));
  }
  // where, not a product with the mask: padded positions may hold -inf or NaN.
  auto valid = torch::arange(length, torch::kLong).unsqueeze(0) < lengths.unsqueeze(1);
  auto zeros = torch::zeros({rows, length}, times.options());
  auto log_intensity = torch::where(valid, torch::cat(log_intensities, 1), zeros);
  auto integral = torch::where(valid, torch::cat(integrals, 1), zeros);
  auto log_likelihood_full = (log_intensity - integral).sum(1);

  // The tail (t_last, T] sees every event of its sequence.
  auto last_index = (lengths - 1).clamp_min(0).unsqueeze(1);
  if (full_batch.contains("end_time")) {
    auto end_time = full_batch.at("end_time").to(times.dtype());
    EVERGREEN_CHECK_INPUT(end_time.dim() == 1 && end_time.size(0) == rows,
                          "attnhp: end_time must be [N] = [{}], got {}", rows,
                          c10::str(end_time.sizes()));
    auto last = torch::where(lengths > 0, times.gather(1, last_index).squeeze(1),
                             torch::zeros({rows}, times.options()));
    EVERGREEN_CHECK_INPUT((end_time >= last).all().item<bool>(),
                          "attnhp: end_time must not precede a sequence's last event");
    auto tail_gap = end_time - last;
    auto tailed = (tail_gap > 0).nonzero().squeeze(1);
    const int64_t tail_rows = tailed.size(0);
    const int64_t row_block = std::max<int64_t>(1, budget / (heads * points * (first + length)));
    std::vector<torch::Tensor> tails;
    for (int64_t begin = 0; begin < tail_rows; begin += row_block) {
      auto block = tailed.slice(0, begin, begin + row_block);
      auto block_gap = tail_gap.index_select(0, block);
      auto [tail_offsets, tail_weights] = rule_.nodes(block_gap);  // [B, G]
      auto tail_times = last.index_select(0, block).unsqueeze(1) + tail_offsets;
      auto states =
          query_states(history, block, tail_times, lengths.index_select(0, block).unsqueeze(1));
      auto total = torch::softplus(intensity_->forward(states)).sum(2);  // [B, G]
      tails.push_back((total * tail_weights).sum(1));
    }
    if (tail_rows > 0) {
      auto tail = torch::zeros({rows}, times.options()).index_copy(0, tailed, torch::cat(tails));
      log_likelihood_full = log_likelihood_full - tail;
    }
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
  auto hint =
      history.states.gather(1, last_index.view({rows, 1, 1}).expand({rows, 1, hidden})).squeeze(1);
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

int64_t AttentiveNeuralHawkesImpl::forward_macs_per_row() const {
  const int64_t hidden = options_.hidden_size(), inputs = options_.time_embedding_size() + hidden;
  const double length = mean_events_per_row_;
  // Every event has an interval (the first one's from time 0) of G points and the event time.
  const double query_rows = length * static_cast<double>(options_.integral_points() + 1);
  const double all_rows = length + query_rows;
  // Per layer: queries for every row, keys and values for the events, then scores and the
  // weighted sum over the events a row sees, about half of them on average (blocks skip most
  // hidden columns); prefixes are the strategy's to count.
  double per_layer = static_cast<double>(linear_macs(inputs, hidden)) * (all_rows + 2 * length) +
                     2.0 * all_rows * 0.5 * (length + 1) * static_cast<double>(hidden);
  double read_out = static_cast<double>(linear_macs(hidden, options_.num_types())) * query_rows;
  return static_cast<int64_t>(per_layer * static_cast<double>(options_.num_layers()) + read_out);
}

std::shared_ptr<Model> make_attentive_neural_hawkes(Options& options, const Stream& stream) {
  auto types = event_types(stream, "attnhp");
  auto rule = read_integral_options(options);
  auto time_embedding =
      read_positive(options, "time_embedding_size", 16, "sinusoidal time features (even)");
  EVERGREEN_CHECK_INPUT(time_embedding % 2 == 0, "{}: must be even",
                        options.where("time_embedding_size"));
  auto hidden = read_positive(options, "hidden_size", 32, "state size");
  check_type_tables(event_type_source(stream, "attnhp"), types, hidden, 2);
  auto model = std::make_shared<AttentiveNeuralHawkesImpl>(
      AttentiveNeuralHawkesOptions(types)
          .hidden_size(hidden)
          .time_embedding_size(time_embedding)
          .num_layers(read_positive(options, "layers", 2, "attention layers"))
          .num_heads(read_positive(options, "heads", 2, "attention heads"))
          .integral_points(rule.points())
          .integral_rule(rule.name())
          .integral_resolution(rule.resolution())
          .block_scores(read_positive(options, "block_scores", int64_t{1} << 16,
                                      "attention scores per block (memory bound; results do "
                                      "not depend on it)")));
  configure_point_process(options, *model);
  return model;
}

}  // namespace evergreen
