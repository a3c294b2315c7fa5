#include "evergreen/models/model_registry.h"

#include "evergreen/models/forecast/lstm_forecaster.h"
#include "evergreen/models/forecast/mlp_forecaster.h"
#include "evergreen/models/tpp/neural_hawkes.h"

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

std::shared_ptr<Model> make_neural_hawkes(Options& options, const Stream& stream) {
  auto types = stream.metadata.find("num_types");
  EVERGREEN_CHECK_INPUT(types != stream.metadata.end(),
                        "model 'nhp' needs an event stream (batches with times, types, mask)");
  auto rule = options.get<std::string>("integral_rule", "trapezoid",
                                       "trapezoid or mean (midpoints) per interval");
  EVERGREEN_CHECK_INPUT(rule == "trapezoid" || rule == "mean", "{}: expected trapezoid or mean",
                        options.where("integral_rule"));
  auto points = options.get<int64_t>("integral_points", 20, "points per inter-event interval");
  EVERGREEN_CHECK_INPUT(points >= 2, "{}: must be >= 2", options.where("integral_points"));
  return std::make_shared<NeuralHawkesImpl>(
      NeuralHawkesOptions(std::stoll(types->second))
          .hidden_size(read_positive(options, "hidden_size", 32, "continuous-time LSTM units"))
          .integral_points(points)
          .integral_rule(rule));
}

}  // namespace

const Registry<ModelFactory>& model_registry() {
  static const Registry<ModelFactory> registry(
      "model", {
                   {"mlp", "MLP forecaster (window -> horizon)", make_mlp},
                   {"lstm", "LSTM forecaster (one value per step)", make_lstm},
                   {"nhp", "neural Hawkes process (continuous-time LSTM; Mei & Eisner 2017)",
                    make_neural_hawkes},
               });
  return registry;
}

}  // namespace evergreen
