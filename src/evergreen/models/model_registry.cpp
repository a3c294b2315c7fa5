#include "evergreen/models/model_registry.h"

#include "evergreen/models/forecast/lstm_forecaster.h"
#include "evergreen/models/forecast/mlp_forecaster.h"
#include "evergreen/models/tpp/attentive_neural_hawkes.h"
#include "evergreen/models/tpp/neural_hawkes.h"
#include "evergreen/models/vision/mlp_classifier.h"

namespace evergreen {
namespace {

/// Input length and horizon of a windowed forecasting stream.
std::pair<int64_t, int64_t> window_shape(const Stream& stream, const std::string& model) {
  EVERGREEN_CHECK_INPUT(!stream.experiences.empty() && stream.experiences.front().train.contains("x") &&
                            stream.experiences.front().train.contains("y"),
                        "model '{}' needs a forecasting stream (batches with 'x' and 'y')", model);
  const Batch& train = stream.experiences.front().train;
  return {train.at("x").size(1), train.at("y").size(1)};
}

int64_t read_positive(Options& options, const std::string& key, int64_t fallback,
                      const std::string& help) {
  auto value = options.get<int64_t>(key, fallback, help);
  EVERGREEN_CHECK_INPUT(value >= 1, "{}: must be >= 1, got {}", options.where(key), value);
  return value;
}

std::shared_ptr<Model> make_mlp(Options& options, const Stream& stream) {
  auto [input_length, horizon] = window_shape(stream, "mlp");
  return std::make_shared<MlpForecasterImpl>(
      MlpForecasterOptions(input_length, horizon)
          .hidden_size(read_positive(options, "hidden_size", 64, "units per hidden layer"))
          .layers(read_positive(options, "layers", 2, "hidden layers")));
}

std::shared_ptr<Model> make_lstm(Options& options, const Stream& stream) {
  auto [input_length, horizon] = window_shape(stream, "lstm");
  return std::make_shared<LstmForecasterImpl>(
      LstmForecasterOptions(input_length, horizon)
          .hidden_size(read_positive(options, "hidden_size", 32, "LSTM hidden units"))
          .layers(read_positive(options, "layers", 1, "stacked LSTM layers")));
}

/// The number of event types of an event stream; InputError for any other stream.
int64_t event_types(const Stream& stream, const std::string& model) {
  EVERGREEN_CHECK_INPUT(stream.spec.kind == StreamKind::kEventSequences &&
                            stream.spec.num_event_types >= 1,
                        "model '{}' needs an event stream (batches with times, types, mask)",
                        model);
  return stream.spec.num_event_types;
}

/// The likelihood integral's options, shared by the point-process models.
std::pair<int64_t, std::string> read_integral_options(Options& options) {
  auto rule = options.get<std::string>("integral_rule", "trapezoid",
                                       "trapezoid or mean (midpoints) per interval");
  EVERGREEN_CHECK_INPUT(rule == "trapezoid" || rule == "mean", "{}: expected trapezoid or mean",
                        options.where("integral_rule"));
  auto points = options.get<int64_t>("integral_points", 20, "points per inter-event interval");
  EVERGREEN_CHECK_INPUT(points >= 2, "{}: must be >= 2", options.where("integral_points"));
  return {points, rule};
}

std::shared_ptr<Model> make_neural_hawkes(Options& options, const Stream& stream) {
  auto types = event_types(stream, "nhp");
  auto [points, rule] = read_integral_options(options);
  return std::make_shared<NeuralHawkesImpl>(
      NeuralHawkesOptions(types)
          .hidden_size(read_positive(options, "hidden_size", 32, "continuous-time LSTM units"))
          .integral_points(points)
          .integral_rule(rule));
}

std::shared_ptr<Model> make_attentive_neural_hawkes(Options& options, const Stream& stream) {
  auto types = event_types(stream, "attnhp");
  auto [points, rule] = read_integral_options(options);
  auto time_embedding = read_positive(options, "time_embedding_size", 16,
                                      "sinusoidal time features (even)");
  EVERGREEN_CHECK_INPUT(time_embedding % 2 == 0, "{}: must be even",
                        options.where("time_embedding_size"));
  return std::make_shared<AttentiveNeuralHawkesImpl>(
      AttentiveNeuralHawkesOptions(types)
          .hidden_size(read_positive(options, "hidden_size", 32, "state size"))
          .time_embedding_size(time_embedding)
          .num_layers(read_positive(options, "layers", 2, "attention layers"))
          .num_heads(read_positive(options, "heads", 2, "attention heads"))
          .integral_points(points)
          .integral_rule(rule)
          .block_scores(read_positive(options, "block_scores", int64_t{1} << 16,
                                      "attention scores per block (memory bound; results do "
                                      "not depend on it)")));
}

}  // namespace

const ModelRegistry& model_registry() {
  using Kind = StreamKind;
  static const ModelRegistry registry(
      "model",
      {
          {"mlp", "MLP forecaster (window -> horizon)", make_mlp,
           {Kind::kForecasting, Forecaster::kCapabilities}},
          {"lstm", "LSTM forecaster (one value per step)", make_lstm,
           {Kind::kForecasting, Forecaster::kCapabilities}},
          {"nhp", "neural Hawkes process (continuous-time LSTM; Mei & Eisner 2017)",
           make_neural_hawkes, {Kind::kEventSequences, NeuralHawkesImpl::kCapabilities}},
          {"attnhp", "attentive neural Hawkes process (Yang, Mei & Eisner 2022)",
           make_attentive_neural_hawkes,
           {Kind::kEventSequences, AttentiveNeuralHawkesImpl::kCapabilities}},
          {"mlp_classifier", "MLP image classifier (Mammoth's 784-100-100-10 backbone)",
           make_mlp_classifier, {Kind::kClassification, MlpClassifierImpl::kCapabilities}},
      });
  return registry;
}

}  // namespace evergreen
