#include "evergreen/models/tpp/neural_hawkes.h"

#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/green/flops.h"

namespace evergreen {
namespace {

// The seven gate blocks of the continuous-time LSTM, in the order of the fused linear layer.
enum Gate : int64_t { kInput, kForget, kCandidate, kOutput, kTargetInput, kTargetForget, kDecay };
constexpr int64_t kGates = 7;

}  // namespace

NeuralHawkesImpl::NeuralHawkesImpl(const NeuralHawkesOptions& options) : options_(options) {
  EVERGREEN_CHECK_INPUT(options.num_types() >= 1 && options.hidden_size() >= 1,
                        "nhp: num_types and hidden_size must be >= 1");
  EVERGREEN_CHECK_INPUT(options.integral_points() >= 2, "nhp: integral_points must be >= 2");
  EVERGREEN_CHECK_INPUT(options.integral_rule() == "trapezoid" || options.integral_rule() == "mean",
                        "nhp: integral_rule must be 'trapezoid' or 'mean', got '{}'",
                        options.integral_rule());
  const int64_t hidden = options.hidden_size();
  // One extra embedding row for padding, so padded positions need no special indexing.
  type_embedding_ =
      register_module("type_embedding", torch::nn::Embedding(options.num_types() + 1, hidden));
  gates_ = register_module("gates", torch::nn::Linear(2 * hidden, kGates * hidden));
  intensity_ = register_module("intensity", torch::nn::Linear(hidden, options.num_types()));
}

void NeuralHawkesImpl::prepare(const Stream& stream) {
  double events = 0, rows = 0;
  for (const auto& experience : stream.experiences) {
    if (!experience.train.contains("mask")) continue;
    events += experience.train.at("mask").sum().item<double>();
    rows += static_cast<double>(experience.train.size());
  }
  if (rows > 0) mean_events_per_row_ = events / rows;
}

torch::Tensor NeuralHawkesImpl::intensities(const torch::Tensor& cell,
                                            const torch::Tensor& cell_target,
                                            const torch::Tensor& decay,
                                            const torch::Tensor& output_gate,
                                            const torch::Tensor& offsets) {
  // c(t) = c_bar + (c - c_bar) exp(-delta (t - t_i)); h(t) = o * tanh(c(t))  [N, G, H]
  auto decayed =
      cell_target.unsqueeze(1) +
      (cell - cell_target).unsqueeze(1) * torch::exp(-decay.unsqueeze(1) * offsets.unsqueeze(2));
  auto hidden = output_gate.unsqueeze(1) * torch::tanh(decayed);
  return torch::softplus(intensity_->forward(hidden));
}

NeuralHawkesStates NeuralHawkesImpl::event_states(const Batch& batch) {
  NeuralHawkesStates states;
  run(batch, /*log_likelihood=*/nullptr, &states);
  return states;
}

Batch NeuralHawkesImpl::forward(const Batch& batch) {
  torch::Tensor log_likelihood;
  auto hidden_last = run(batch, &log_likelihood, /*states=*/nullptr);
  const auto& mask = batch.at("mask").to(batch.at("times").dtype());
  auto events = (mask.sum(1) - 1).clamp_min(0);
  return Batch{{"log_likelihood", log_likelihood},
               {"events", events},
               {"prediction", log_likelihood},
               {"hint", hidden_last}};
}

torch::Tensor NeuralHawkesImpl::run(const Batch& batch, torch::Tensor* log_likelihood_out,
                                    NeuralHawkesStates* states) {
  const auto& times = batch.at("times");
  const auto& mask = batch.at("mask").to(times.dtype());
  auto types = batch.at("types").masked_fill(mask == 0, options_.num_types());
  const int64_t rows = times.size(0), length = times.size(1), hidden = options_.hidden_size();
  const int64_t points = options_.integral_points();
  auto embedded = type_embedding_->forward(types);  // [N, L, H]

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

  auto zeros = torch::zeros({rows, hidden}, times.options());
  torch::Tensor cell = zeros, cell_target = zeros, decay = zeros, output_gate = zeros;
  torch::Tensor hidden_now = zeros;
  auto log_likelihood = torch::zeros({rows}, times.options());
  std::vector<torch::Tensor> cells, cell_targets, decays, output_gates;
  for (int64_t i = 0; i < length; ++i) {
    if (i > 0) {
      auto gap = (times.select(1, i) - times.select(1, i - 1)).clamp_min(0);  // [N]
      if (log_likelihood_out != nullptr) {
        auto offsets = gap.unsqueeze(1) * fractions.unsqueeze(0);  // [N, G]
        // The last point is the event time itself: its read-out is also the event's intensity.
        auto lambdas = intensities(cell, cell_target, decay, output_gate, offsets);  // [N, G, K]
        auto total = lambdas.sum(2);                                                 // [N, G]
        auto integral = gap * (total * weights).sum(1);
        auto at_event =
            options_.integral_rule() == "trapezoid"
                ? lambdas.select(1, points - 1)
                : intensities(cell, cell_target, decay, output_gate, gap.unsqueeze(1)).select(1, 0);
        auto event_type = batch.at("types").select(1, i).clamp(0, options_.num_types() - 1);
        auto log_intensity = torch::log(at_event.gather(1, event_type.unsqueeze(1)).squeeze(1));
        log_likelihood = log_likelihood + mask.select(1, i) * (log_intensity - integral);
      }
      // h(t_i): the state the event's update reads.
      auto decayed = cell_target + (cell - cell_target) * torch::exp(-decay * gap.unsqueeze(1));
      hidden_now = output_gate * torch::tanh(decayed);
      cell = decayed;
    }
    auto gate_values = gates_->forward(torch::cat({embedded.select(1, i), hidden_now}, 1))
                           .view({rows, kGates, hidden});
    auto input_gate = torch::sigmoid(gate_values.select(1, kInput));
    auto forget_gate = torch::sigmoid(gate_values.select(1, kForget));
    auto candidate = torch::tanh(gate_values.select(1, kCandidate));
    auto target_input = torch::sigmoid(gate_values.select(1, kTargetInput));
    auto target_forget = torch::sigmoid(gate_values.select(1, kTargetForget));
    auto new_cell = forget_gate * cell + input_gate * candidate;
    auto new_target = target_forget * cell_target + target_input * candidate;
    auto new_decay = torch::softplus(gate_values.select(1, kDecay));
    auto new_output = torch::sigmoid(gate_values.select(1, kOutput));
    // Padded positions keep the state of the last event.
    auto valid = mask.select(1, i).unsqueeze(1);
    cell = valid * new_cell + (1 - valid) * cell;
    cell_target = valid * new_target + (1 - valid) * cell_target;
    decay = valid * new_decay + (1 - valid) * decay;
    output_gate = valid * new_output + (1 - valid) * output_gate;
    hidden_now = output_gate * torch::tanh(cell);
    if (states != nullptr) {
      cells.push_back(cell);
      cell_targets.push_back(cell_target);
      decays.push_back(decay);
      output_gates.push_back(output_gate);
    }
  }
  if (log_likelihood_out != nullptr) *log_likelihood_out = log_likelihood;
  if (states != nullptr) {
    *states = {torch::stack(cells, 1), torch::stack(cell_targets, 1), torch::stack(decays, 1),
               torch::stack(output_gates, 1)};
  }
  return hidden_now;
}

int64_t NeuralHawkesImpl::forward_macs_per_row() const {
  const int64_t hidden = options_.hidden_size();
  // Per event: the fused gates, and the intensity read-out at every integral point.
  int64_t per_event = linear_macs(2 * hidden, kGates * hidden) +
                      linear_macs(hidden, options_.num_types(), options_.integral_points());
  return static_cast<int64_t>(static_cast<double>(per_event) * mean_events_per_row_);
}

}  // namespace evergreen
