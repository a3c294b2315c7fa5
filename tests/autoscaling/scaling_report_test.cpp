#include "evergreen/autoscaling/scaling_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "test_support.h"

namespace evergreen {
namespace {

// capacity 2, steps of 1800 s: time 0, 0.5, 1 h; capacity = replicas * 2.
TEST(ScalingReport, TraceCsvHasOneRowPerStep) {
  testing::TemporaryDirectory directory;
  ScalingOptions options;
  options.capacity_per_replica = 2;
  write_scaling_trace_csv(directory.file("trace.csv"), {1, 2.5, 3}, {1.5, 2, 3.25}, {1, 2, 2},
                          {1, 1, 3}, options, 1800);
  EXPECT_EQ(testing::read_text(directory.file("trace.csv")),
            "step,time_hours,demand,forecast,predictive_capacity,reactive_capacity\n"
            "0,0,1,1.5,2,2\n"
            "1,0.5,2.5,2,4,2\n"
            "2,1,3,3.25,4,6\n");
  EXPECT_THROW(write_scaling_trace_csv(directory.file("bad.csv"), {1, 2}, {1}, {1, 1}, {1, 1},
                                       options, 1800),
               InputError);
}

TEST(ScalingReport, PlotWritesAPngWhenGnuplotIsInstalled) {
  testing::TemporaryDirectory directory;
  ScalingOptions options;
  write_scaling_trace_csv(directory.file("trace.csv"), {1, 2, 3, 2}, {1, 2.5, 2.5, 2}, {2, 3, 4, 4},
                          {2, 2, 3, 4}, options, 900);
  bool plotted = plot_scaling_trace(directory.file("trace.csv"), directory.file("trace.png"),
                                    "test trace (after Hao et al., CIKM 2023)");
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) {
    EXPECT_FALSE(plotted);
    GTEST_SKIP() << "gnuplot is not installed";
  }
  EXPECT_TRUE(plotted);
  EXPECT_GT(std::filesystem::file_size(directory.file("trace.png")), 0u);
  EXPECT_NE(testing::read_text(directory.file("trace.gp")).find("after Hao et al."),
            std::string::npos);
}

TEST(ScalingReport, OutcomeJsonKeepsEveryField) {
  ScalingOutcome outcome;
  outcome.slo_violation_rate = 0.5;
  outcome.over_provisioning_capacity_hours = 1.5;
  outcome.under_provisioned_demand = 1.25;
  outcome.replica_hours = 3.75;
  outcome.scaling_actions = 2;
  outcome.steps = 6;
  nlohmann::json json = to_json(outcome);
  EXPECT_EQ(json, nlohmann::json::parse(
                      R"({"slo_violation_rate": 0.5, "over_provisioning_capacity_hours": 1.5,
                          "under_provisioned_demand": 1.25, "replica_hours": 3.75,
                          "scaling_actions": 2, "steps": 6})"));
}

}  // namespace
}  // namespace evergreen
