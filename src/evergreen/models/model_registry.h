// Every model by name: one line each in model_registry.cpp. A factory reads its options and the
// stream (for input and output sizes).
#pragma once

#include <functional>
#include <memory>

#include "evergreen/core/options.h"
#include "evergreen/core/registry.h"
#include "evergreen/models/model.h"

namespace evergreen {

using ModelFactory = std::function<std::shared_ptr<Model>(Options& options, const Stream& stream)>;

/// What a registry row declares about its model: the stream kind it reads and what it offers
/// (the model class's own kCapabilities, so the two cannot disagree).
struct ModelTraits {
  StreamKind reads = StreamKind::kForecasting;
  ModelCapabilities offers;
};

using ModelRegistry = Registry<ModelFactory, ModelTraits>;

const ModelRegistry& model_registry();

}  // namespace evergreen
