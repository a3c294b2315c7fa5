// `evergreen gen hawkes` and `gen self-correcting` refuse, before simulating, a horizon that is
// not a finite positive number and an expected output beyond the memory budget.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "test_support.h"

namespace evergreen {
namespace {

using testing::run_cli;

TEST(GenEventsCommand, AnUnboundedHorizonIsRefusedBeforeSimulating) {
  testing::TemporaryDirectory directory;
  const std::string out = directory.file("events.csv");
  setenv("EVERGREEN_MEMORY_BUDGET_GB", "1", 1);  // the same refusal on any machine
  for (const char* command : {"hawkes", "self-correcting"}) {
    SCOPED_TRACE(command);
    auto huge = run_cli(std::string("gen ") + command + " --out " + out + " --horizon 1e300");
    EXPECT_EQ(huge.exit_code, 2) << huge.output;
    EXPECT_NE(huge.output.find("gen: --sequences 1 --horizon 1e+300: about"), std::string::npos)
        << huge.output;
    EXPECT_NE(huge.output.find("expected events"), std::string::npos) << huge.output;
    EXPECT_NE(huge.output.find("more than the memory budget of 1 GiB"), std::string::npos)
        << huge.output;
    for (const char* horizon : {"inf", "nan", "0", "-5"}) {
      auto bad = run_cli(std::string("gen ") + command + " --out " + out + " --horizon " + horizon);
      EXPECT_EQ(bad.exit_code, 2) << horizon << ": " << bad.output;
      EXPECT_NE(bad.output.find("--horizon"), std::string::npos) << bad.output;
      EXPECT_NE(bad.output.find("expected a finite number > 0"), std::string::npos) << bad.output;
    }
  }
  // Many sequences multiply the size as well.
  auto many = run_cli("gen hawkes --out " + out + " --sequences 100000000 --horizon 1000");
  EXPECT_EQ(many.exit_code, 2) << many.output;
  EXPECT_NE(many.output.find("more than the memory budget"), std::string::npos) << many.output;
  unsetenv("EVERGREEN_MEMORY_BUDGET_GB");
  EXPECT_FALSE(std::filesystem::exists(out));
  // An ordinary size still runs.
  auto small = run_cli("gen hawkes --out " + out + " --horizon 50 --seed 1");
  EXPECT_EQ(small.exit_code, 0) << small.output;
}

}  // namespace
}  // namespace evergreen
