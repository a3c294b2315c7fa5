#include "evergreen/strategies/naive.h"

namespace evergreen {

std::unique_ptr<Strategy> make_naive(Options&) { return std::make_unique<NaiveStrategy>(); }

}  // namespace evergreen
