// Which components fit together, decided from their declared traits before anything is built:
// the stream's typed spec, what a model reads and offers, what a strategy needs.
#pragma once

#include <string>

#include "evergreen/models/model_registry.h"
#include "evergreen/strategies/strategy_registry.h"

namespace evergreen {

/// Why model `model` cannot read `stream`, or "" when it can.
std::string model_fit_problem(const StreamSpec& stream, const ModelRegistry::Entry& model);

/// Why `strategy` cannot train `model` on `stream`, or "" when it can.
std::string strategy_fit_problem(const StreamSpec& stream, const ModelRegistry::Entry& model,
                                 const StrategyRegistry::Entry& strategy);

/// The smallest stream of `kind` (two rows, one experience), enough to build a model that reads
/// it: `--list` and the registry tests build every model this way.
Stream minimal_stream(StreamKind kind);

/// Whether `strategy` can train `model` on some stream `model` reads (for `--list`).
bool strategy_fits_model(const ModelRegistry::Entry& model,
                         const StrategyRegistry::Entry& strategy);

}  // namespace evergreen
