// Every continual-learning strategy by name: one line each in strategy_registry.cpp.
#pragma once

#include <functional>
#include <memory>

#include "evergreen/core/options.h"
#include "evergreen/core/registry.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

using StrategyFactory = std::function<std::unique_ptr<Strategy>(Options& options)>;
using StrategyRegistry = Registry<StrategyFactory, StrategyNeeds>;

const StrategyRegistry& strategy_registry();

}  // namespace evergreen
