#include "evergreen/core/resource_bounds.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "test_support.h"

namespace evergreen {
namespace {

using testing::input_error_of;

TEST(ResourceBounds, ThreadsAreBoundedByAFactorOfTheHardwareThreads) {
  const int64_t hardware = std::max<int64_t>(1, std::thread::hardware_concurrency());
  EXPECT_EQ(max_threads(), kThreadsPerHardwareThread * hardware);
  EXPECT_EQ(input_error_of([&] { check_thread_count(max_threads(), false, "threads"); }),
            "no error");
  EXPECT_NE(input_error_of([&] {
              check_thread_count(max_threads() + 1, false, "cfg.yaml:2:10");
            }).find("cfg.yaml:2:10: " + std::to_string(max_threads() + 1) + " threads is more"),
            std::string::npos);
  EXPECT_EQ(input_error_of([&] { check_thread_count(max_threads() + 1, true, "threads"); }),
            "no error");
  EXPECT_NE(input_error_of([&] { check_thread_count(100000, true, "t"); }).find("4096"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] { check_thread_count(0, false, "t"); }).find(">= 1"),
            std::string::npos);
}

TEST(ResourceBounds, AllocationsAboveTheBudgetAreRefusedWithTheEstimate) {
  set_memory_budget_bytes(1 << 30);
  EXPECT_EQ(input_error_of([] { check_allocation(1 << 29, "x"); }), "no error");
  std::string message =
      input_error_of([] { check_allocation(3.0 * (1ull << 30), "events.json: dim_process"); });
  EXPECT_NE(message.find("events.json: dim_process: would allocate about 3 GiB, more than the "
                         "memory budget of 1 GiB"),
            std::string::npos)
      << message;
  EXPECT_NE(input_error_of([] { check_allocation(1.0 / 0.0, "x"); }).find("inf"),
            std::string::npos);
  set_memory_budget_bytes(0);
}

TEST(ResourceBounds, TheEnvironmentSetsTheDefaultBudget) {
  setenv("EVERGREEN_MEMORY_BUDGET_GB", "0.5", 1);
  EXPECT_DOUBLE_EQ(memory_budget_bytes(), 0.5 * (1ull << 30));
  setenv("EVERGREEN_MEMORY_BUDGET_GB", "lots", 1);
  EXPECT_NE(input_error_of([] { memory_budget_bytes(); }).find("EVERGREEN_MEMORY_BUDGET_GB=lots"),
            std::string::npos);
  unsetenv("EVERGREEN_MEMORY_BUDGET_GB");
  EXPECT_GT(memory_budget_bytes(), 0);
}

TEST(ResourceBounds, BytesAreFormattedInBinaryUnits) {
  EXPECT_EQ(format_bytes(17), "17 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3.0 * (1ull << 40)), "3 TiB");
}

}  // namespace
}  // namespace evergreen
