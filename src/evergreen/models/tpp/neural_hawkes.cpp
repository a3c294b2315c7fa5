#include "evergreen/models/tpp/neural_hawkes.h"

#include <memory>

#include "evergreen/core/error.h"
#include "evergreen/green/flops.h"
#include "evergreen/models/model_options.h"
#include "evergreen/models/tpp/point_process_memory.h"
#include "evergreen/models/tpp/point_process_options.h"

namespace evergreen {
namespace {

// The seven gate blocks of the continuous-time LSTM (see continuous_time_lstm.h).
constexpr int64_t kGates = 7;

}  // namespace

NeuralHawkesImpl::NeuralHawkesImpl(const NeuralHawkesOptions& options) : options_(options) {
  EVERGREEN_CHECK_INPUT(options.num_types() >= 1 && options.hidden_size() >= 1,
                        "nhp: num_types and hidden_size must be >= 1");
  // The type embedding and the intensity read-out.
  check_type_tables(fmt::format("nhp: {} event types", options.num_types()), options.num_types(),
                    options.hidden_size(), 2);
  rule_ = IntegralRule::make(options.integral_rule(), options.integral_points(),
                             options.integral_resolution());
  const int64_t hidden = options.hidden_size();
  // One extra embedding row for padding.
  type_embedding_ =
      register_module("type_embedding", torch::nn::Embedding(options.num_types() + 1, hidden));
  gates_ = register_module("gates", torch::nn::Linear(2 * hidden, kGates * hidden));
  intensity_ = register_module("intensity", torch::nn::Linear(hidden, options.num_types()));
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

ContinuousTimeLstmWeights NeuralHawkesImpl::weights(const Batch& batch) {
  const auto& mask = batch.at("mask");
  // Padding reads the extra embedding row, so padded positions need no special indexing.
  auto types = batch.at("types").masked_fill(mask == 0, options_.num_types());
  return {type_embedding_->forward(types), gates_->weight, gates_->bias, intensity_->weight,
          intensity_->bias};
}

namespace {
EventBatchView view_of(const Batch& batch) {
  return {batch.at("times"), batch.at("types"), batch.at("mask"),
          batch.contains("end_time") ? batch.at("end_time") : torch::Tensor()};
}
}  // namespace

NeuralHawkesStates NeuralHawkesImpl::event_states(const Batch& batch) {
  return continuous_time_lstm_states(weights(batch), view_of(batch));
}

HistoryIntensityFunction NeuralHawkesImpl::intensities_after(const Batch& batch) {
  // The continuous-time LSTM's state after every event decays in closed form to any later time.
  // Shared, so that copies of the function (thinning copies it per block) keep one pass.
  auto states = std::make_shared<NeuralHawkesStates>(event_states(batch));
  return [this, states](const torch::Tensor& rows, const torch::Tensor& positions,
                        const torch::Tensor& offsets) {
    EVERGREEN_CHECK_INPUT((positions >= 0).all().item<bool>(),
                          "next-event prediction: NHP positions must be >= 0");
    auto pick = [&](const torch::Tensor& state) { return state.index({rows, positions}); };
    auto cell = pick(states->cell);
    return intensities(cell, pick(states->cell_target), pick(states->decay),
                       pick(states->output_gate), offsets.to(cell.dtype()));
  };
}

Batch NeuralHawkesImpl::forward_model_time(const Batch& batch) {
  // The backward pass keeps one read-out gradient per sequence (threads then add them up).
  const auto& times = batch.at("times");
  if (torch::GradMode::is_enabled() && times.dim() == 2)
    check_per_type_grid("nhp", "read-out gradients", times.size(0), 1, options_.hidden_size() + 1,
                        options_.num_types(), intensity_->weight.element_size());
  auto likelihood = continuous_time_lstm_likelihood(weights(batch), view_of(batch), rule_);
  const auto& mask = batch.at("mask").to(likelihood.log_likelihood.dtype());
  auto events = mask.sum(1);
  return Batch{{"log_likelihood", likelihood.log_likelihood},
               {"events", (events - 1).clamp_min(0)},
               {"log_likelihood_full", likelihood.log_likelihood_full},
               {"events_full", events},
               {"prediction", likelihood.log_likelihood},
               {"hint", likelihood.hidden_last}};
}

int64_t NeuralHawkesImpl::forward_macs_per_row() const {
  const int64_t hidden = options_.hidden_size();
  // Per event: the fused gates, and the intensity read-out at every integral point.
  int64_t per_event = linear_macs(2 * hidden, kGates * hidden) +
                      linear_macs(hidden, options_.num_types(), options_.integral_points());
  return static_cast<int64_t>(static_cast<double>(per_event) * mean_events_per_row_);
}

std::shared_ptr<Model> make_neural_hawkes(Options& options, const Stream& stream) {
  auto types = event_types(stream, "nhp");
  auto rule = read_integral_options(options);
  auto hidden = read_positive(options, "hidden_size", 32, "continuous-time LSTM units");
  check_type_tables(event_type_source(stream, "nhp"), types, hidden, 2);
  auto model = std::make_shared<NeuralHawkesImpl>(NeuralHawkesOptions(types)
                                                      .hidden_size(hidden)
                                                      .integral_points(rule.points())
                                                      .integral_rule(rule.name())
                                                      .integral_resolution(rule.resolution()));
  configure_point_process(options, *model);
  return model;
}

}  // namespace evergreen
