// Naive fine-tuning: train on each experience in turn, nothing more (the lower bound).
#pragma once

#include "evergreen/strategies/strategy.h"

namespace evergreen {

class NaiveStrategy : public Strategy {};

}  // namespace evergreen
