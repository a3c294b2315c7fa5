#include "evergreen/run/compatibility.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace evergreen {
namespace {

/// Why `needs` are not met by `offers` (model facts only), or "".
std::string unmet_model_needs(const ModelCapabilities& offers, const StrategyNeeds& needs) {
  if (needs.prompts && !offers.prompts) return "prompt attachment points";
  if (needs.hint && !offers.hint) return "a hint representation";
  if (needs.logits && offers.output != OutputKind::kLogits) return "class logits";
  if (needs.regression && offers.output != OutputKind::kRegression) return "regression outputs";
  return "";
}

}  // namespace

std::string model_fit_problem(const StreamSpec& stream, const ModelRegistry::Entry& model) {
  if (model.traits.reads == stream.kind) return "";
  return fmt::format("model '{}' reads {}, but the stream holds {}", model.name,
                     stream_kind_name(model.traits.reads), stream_kind_name(stream.kind));
}

std::string strategy_fit_problem(const StreamSpec& stream, const ModelRegistry::Entry& model,
                                 const StrategyRegistry::Entry& strategy) {
  const StrategyNeeds& needs = strategy.traits;
  std::string missing = unmet_model_needs(model.traits.offers, needs);
  if (!missing.empty())
    return fmt::format("strategy '{}' needs {}, which model '{}' does not offer", strategy.name,
                       missing, model.name);
  if (needs.classification && stream.kind != StreamKind::kClassification)
    return fmt::format("strategy '{}' needs a classification stream, but the stream holds {}",
                       strategy.name, stream_kind_name(stream.kind));
  if (needs.class_split && stream.classes_per_task <= 0)
    return fmt::format(
        "strategy '{}' needs a class-incremental split (classes_per_task > 0), but every task "
        "of this stream holds every class",
        strategy.name);
  return "";
}

Stream minimal_stream(StreamKind kind) {
  Stream stream;
  stream.name = std::string("minimal ") + stream_kind_name(kind);
  stream.spec.kind = kind;
  Experience experience;
  experience.name = "experience 1";
  switch (kind) {
    case StreamKind::kForecasting:
      experience.train = Batch{{"x", torch::zeros({2, 8})}, {"y", torch::zeros({2, 2})}};
      break;
    case StreamKind::kEventSequences:
      stream.spec.num_event_types = 1;
      experience.train = Batch{{"times", torch::ones({2, 2}).cumsum(1)},
                               {"types", torch::zeros({2, 2}, torch::kLong)},
                               {"mask", torch::ones({2, 2})}};
      break;
    case StreamKind::kClassification:
      stream.spec.num_classes = 2;
      stream.spec.classes_per_task = 2;
      stream.spec.input_shape = {1, 2, 2};
      experience.train = Batch{{"x", torch::zeros({2, 1, 2, 2}, torch::kByte)},
                               {"y", torch::tensor({0, 1}, torch::kLong)},
                               {"task", torch::zeros({2}, torch::kLong)}};
      break;
    case StreamKind::kTokenSequences:
      stream.spec.vocab_size = 4;
      stream.spec.input_shape = {3};
      experience.train = Batch{{"tokens", torch::tensor({{1, 2, 3}, {1, 3, 0}}, torch::kLong)},
                               {"mask", torch::tensor({{1, 1, 1}, {1, 1, 0}}, torch::kFloat32)}};
      break;
  }
  experience.test = experience.train;
  stream.experiences.push_back(experience);
  return stream;
}

bool strategy_fits_model(const ModelRegistry::Entry& model,
                         const StrategyRegistry::Entry& strategy) {
  if (!unmet_model_needs(model.traits.offers, strategy.traits).empty()) return false;
  return !(strategy.traits.classification && model.traits.reads != StreamKind::kClassification);
}

}  // namespace evergreen
