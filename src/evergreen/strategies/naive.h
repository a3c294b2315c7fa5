// Naive fine-tuning: train on each experience in turn, nothing more (the lower bound).
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

class NaiveStrategy : public Strategy {};

/// Reads no options.
std::unique_ptr<Strategy> make_naive(Options& options);

}  // namespace evergreen
