#include "evergreen/autoscaling/scaling_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace evergreen {
namespace {

using Replicas = std::vector<int64_t>;

// Runs `action`, expecting an InputError whose message mentions every one of `fragments`.
template <typename Action>
void expect_input_error(Action action, const std::vector<std::string>& fragments) {
  try {
    action();
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    std::string message = error.what();
    for (const auto& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

ScalingOptions options_for_tests(int64_t window) {
  ScalingOptions options;
  options.capacity_per_replica = 1;
  options.target_utilisation = 0.5;  // one replica per 0.5 units of demand
  options.min_replicas = 1;
  options.max_replicas = 8;
  options.scale_down_stabilisation_steps = window;
  return options;
}

// capacity 1, target 0.5: r = clamp(ceil(f / 0.5), 1, 8)
//   forecast  0.2  1.0  3.1  3.0  1.0  1.0  1.0  5.0  100
//   ceil      1    2    7    6    2    2    2    10   200
//   clamped   1    2    7    6    2    2    2    8    8
TEST(ScalingPolicy, PredictiveCeilsAndClampsWithoutStabilisation) {
  std::vector<double> forecast = {0.2, 1.0, 3.1, 3.0, 1.0, 1.0, 1.0, 5.0, 100};
  EXPECT_EQ(predictive_replicas(forecast, options_for_tests(0)),
            (Replicas{1, 2, 7, 6, 2, 2, 2, 8, 8}));
}

// Same recommendations, window W = 2: a[t] = max(r[t-2], r[t-1], r[t]).
//   r   1  2  7  6  2  2  2  8  8
//   a   1  2  7  7  7  6  2  8  8
// The rise to 7 (t = 2) and to 8 (t = 7) are immediate; the fall to 2, first recommended at
// t = 4, is applied at t = 6: exactly W steps later.
TEST(ScalingPolicy, PredictiveScalesUpAtOnceAndDownExactlyOneWindowLate) {
  std::vector<double> forecast = {0.2, 1.0, 3.1, 3.0, 1.0, 1.0, 1.0, 5.0, 100};
  EXPECT_EQ(predictive_replicas(forecast, options_for_tests(2)),
            (Replicas{1, 2, 7, 7, 7, 6, 2, 8, 8}));
}

// The stabilised schedule is the running maximum of the unstabilised one over W + 1 steps.
TEST(ScalingPolicy, StabilisationIsAWindowedMaximum) {
  std::vector<double> forecast;
  uint32_t state = 12345;  // a fixed linear congruential sequence: seeded, platform-independent
  for (int t = 0; t < 300; ++t) {
    state = state * 1664525u + 1013904223u;
    forecast.push_back(static_cast<double>(state >> 8) / (1u << 24) * 4.0);
  }
  Replicas raw = predictive_replicas(forecast, options_for_tests(0));
  for (int64_t window : {1, 3, 7}) {
    Replicas stabilised = predictive_replicas(forecast, options_for_tests(window));
    for (size_t t = 0; t < raw.size(); ++t) {
      int64_t expected = 0;
      for (size_t k = t >= static_cast<size_t>(window) ? t - window : 0; k <= t; ++k)
        expected = std::max(expected, raw[k]);
      ASSERT_EQ(stabilised[t], expected) << "window " << window << ", step " << t;
    }
  }
}

TEST(ScalingPolicy, PredictiveIgnoresRoundingNoiseAndNegativeForecasts) {
  ScalingOptions options = options_for_tests(0);
  options.target_utilisation = 0.7;
  options.max_replicas = 100;
  options.min_replicas = 0;
  // 14 / 0.7 is 20.000000000000004 in doubles; it stands for exactly 20 replicas.
  EXPECT_EQ(predictive_replicas({14.0, 14.01, -3.0, 0.0}, options), (Replicas{20, 21, 0, 0}));
}

// Reactive, capacity 1, target 0.5, tolerance 0.1, delay 1, W = 0, start with 2 replicas.
//   t  demand  sees (demand, replicas) of t-1   utilisation  ratio   replicas
//   0  1       -                                -            -       2 (initial)
//   1  1       (1, 2)                           0.5          1       2 (kept)
//   2  4       (1, 2)                           0.5          1       2 (the step is not seen yet)
//   3  4       (4, 2)                           2            4       ceil(2 * 4) = 8
//   4  4.3     (4, 8)                           0.5          1       8
//   5  4.5     (4.3, 8)                         0.5375       1.075   8 (inside the 10% band)
//   6  1       (4.5, 8)                         0.5625       1.125   ceil(8 * 1.125) = 9
//   7  1       (1, 9)                           1/9          2/9     ceil(9 * 2/9) = 2
//   8  1       (1, 2)                           0.5          1       2
//   9  1       (1, 2)                           0.5          1       2
TEST(ScalingPolicy, ReactiveActsOneStepLateWithinToleranceBand) {
  std::vector<double> demand = {1, 1, 4, 4, 4.3, 4.5, 1, 1, 1, 1};
  ScalingOptions options = options_for_tests(0);
  options.max_replicas = 20;
  EXPECT_EQ(reactive_replicas(demand, options, 2), (Replicas{2, 2, 2, 8, 8, 8, 9, 2, 2, 2}));
}

// Same run with W = 2: recommendations 2 2 2 8 8 8 9 2 2 2 (t >= 7 recommends 2 because the
// replicas that served demand 1 are 9), applied max over the last three: ... 9 9 9 2.
TEST(ScalingPolicy, ReactiveScaleDownWaitsForTheStabilisationWindow) {
  std::vector<double> demand = {1, 1, 4, 4, 4.3, 4.5, 1, 1, 1, 1};
  ScalingOptions options = options_for_tests(2);
  options.max_replicas = 20;
  EXPECT_EQ(reactive_replicas(demand, options, 2), (Replicas{2, 2, 2, 8, 8, 8, 9, 9, 9, 2}));
}

// Delay 2: the step at t = 2 is seen at t = 4. At t = 5 the controller sees demand 4 served by
// a[3] = 2 replicas and scales those: ceil(2 * 4) = 8, not ceil(8 * 4) = 32.
// Demand 100 at t = 6 is seen at t = 8: ratio (100 / 8) / 0.5 = 25, ceil(8 * 25) = 200, clamped
// to max 20.
TEST(ScalingPolicy, ReactiveLongerDelayDoesNotCompoundAndClamps) {
  std::vector<double> demand = {1, 1, 4, 4, 4, 4, 100, 100, 100};
  ScalingOptions options = options_for_tests(0);
  options.max_replicas = 20;
  options.reaction_delay_steps = 2;
  EXPECT_EQ(reactive_replicas(demand, options, 2), (Replicas{2, 2, 2, 2, 8, 8, 8, 8, 20}));
}

TEST(ScalingPolicy, ReactiveClampsTheInitialReplicas) {
  ScalingOptions options = options_for_tests(0);
  options.min_replicas = 3;
  EXPECT_EQ(reactive_replicas({1.5}, options, 1), (Replicas{3}));
}

// capacity 2, step 900 s = 0.25 h:
//   demand     4  5  4  8  2  6
//   replicas   2  2  3  3  3  2
//   capacity   4  4  6  6  6  4
//   violation  -  y  -  y  -  y      -> 3 / 6 (demand equal to capacity is served)
//   idle       0  0  2  0  4  0      -> 6 * 0.25 = 1.5
//   unserved   0  1  0  2  0  2      -> 5 * 0.25 = 1.25
//   replica-hours 15 * 0.25 = 3.75; actions: 2->3 and 3->2 = 2
TEST(ScalingPolicy, EvaluateScalingHandComputed) {
  ScalingOptions options;
  options.capacity_per_replica = 2;
  ScalingOutcome outcome =
      evaluate_scaling({4, 5, 4, 8, 2, 6}, {2, 2, 3, 3, 3, 2}, options, /*step_seconds=*/900);
  EXPECT_DOUBLE_EQ(outcome.slo_violation_rate, 0.5);
  EXPECT_DOUBLE_EQ(outcome.over_provisioning_capacity_hours, 1.5);
  EXPECT_DOUBLE_EQ(outcome.under_provisioned_demand, 1.25);
  EXPECT_DOUBLE_EQ(outcome.replica_hours, 3.75);
  EXPECT_EQ(outcome.scaling_actions, 2);
  EXPECT_EQ(outcome.steps, 6);
}

TEST(ScalingPolicy, PerfectForecastAtFullTargetNeverViolates) {
  std::vector<double> demand;
  for (int t = 0; t < 500; ++t)
    demand.push_back(40 + 30 * std::sin(t * 0.13) + 7.3 * std::cos(t * 1.7) + (t % 11) * 0.61);
  ScalingOptions options;
  options.capacity_per_replica = 1.7;
  options.target_utilisation = 1.0;
  options.scale_down_stabilisation_steps = 3;
  auto replicas = predictive_replicas(demand, options);
  ScalingOutcome outcome = evaluate_scaling(demand, replicas, options, 60);
  EXPECT_EQ(outcome.slo_violation_rate, 0.0);
  EXPECT_EQ(outcome.under_provisioned_demand, 0.0);
  // Without stabilisation the idle capacity is below one replica at every step.
  options.scale_down_stabilisation_steps = 0;
  outcome = evaluate_scaling(demand, predictive_replicas(demand, options), options, 3600);
  EXPECT_EQ(outcome.slo_violation_rate, 0.0);
  EXPECT_LT(outcome.over_provisioning_capacity_hours, 500 * 1.7);
}

// demand {1, 2, 3, 4, 100}: median 3, so 10 replicas at 50% means capacity 3 / (10 * 0.5) = 0.6,
// and the median then needs exactly 10 replicas. Even count {1, 2, 3, 4}: median 2.5.
TEST(ScalingPolicy, CapacityForReplicasUsesTheMedian) {
  EXPECT_DOUBLE_EQ(capacity_for_replicas({1, 2, 3, 4, 100}, 10, 0.5), 0.6);
  EXPECT_DOUBLE_EQ(capacity_for_replicas({4, 1, 3, 2}, 10, 0.5), 0.5);
  // Mostly idle: median 0, mean 12 / 4 = 3 -> 3 / (2 * 1) = 1.5.
  EXPECT_DOUBLE_EQ(capacity_for_replicas({0, 0, 0, 12}, 2, 1.0), 1.5);

  ScalingOptions options;
  options.capacity_per_replica = 0;
  options.target_utilisation = 0.5;
  options.replicas_at_median = 10;
  options.scale_down_stabilisation_steps = 0;
  ScalingOptions resolved = resolve_capacity_per_replica(options, {1, 2, 3, 4, 100});
  EXPECT_DOUBLE_EQ(resolved.capacity_per_replica, 0.6);
  EXPECT_EQ(predictive_replicas({3}, resolved), (Replicas{10}));
  expect_input_error([] { capacity_for_replicas({0, 0}, 10, 0.5); }, {"capacity_per_replica"});
}

TEST(ScalingPolicy, ReadsDefaultsAndWritesThemBack) {
  YAML::Node node = YAML::Load("{target_utilisation: 0.6, max_replicas: 40}");
  Options options(node, "scaling", "run.yaml");
  ScalingOptions scaling = read_scaling_options(options);
  EXPECT_DOUBLE_EQ(scaling.target_utilisation, 0.6);
  EXPECT_EQ(scaling.max_replicas, 40);
  EXPECT_EQ(scaling.min_replicas, 1);
  EXPECT_DOUBLE_EQ(scaling.tolerance, 0.1);
  EXPECT_EQ(node["scale_down_stabilisation_steps"].as<int64_t>(), 5);
  EXPECT_NO_THROW(options.check_all_read());
}

TEST(ScalingPolicy, BadOptionsNameTheField) {
  auto read = [](const std::string& yaml) {
    YAML::Node node = YAML::Load(yaml);
    Options options(node, "scaling", "run.yaml");
    read_scaling_options(options);
  };
  expect_input_error([&] { read("{target_utilisation: 1.5}"); },
                     {"run.yaml:1", "scaling.target_utilisation", "(0, 1]", "1.5"});
  expect_input_error([&] { read("{target_utilisation: 0}"); }, {"scaling.target_utilisation"});
  expect_input_error([&] { read("{capacity_per_replica: -2}"); }, {"scaling.capacity_per_replica"});
  expect_input_error([&] { read("{min_replicas: 5, max_replicas: 3}"); },
                     {"scaling.max_replicas", "min_replicas"});
  expect_input_error([&] { read("{min_replicas: -1}"); }, {"scaling.min_replicas"});
  expect_input_error([&] { read("{scale_down_stabilisation_steps: -1}"); },
                     {"scaling.scale_down_stabilisation_steps"});
  expect_input_error([&] { read("{tolerance: -0.1}"); }, {"scaling.tolerance"});
  expect_input_error([&] { read("{reaction_delay_steps: 0}"); }, {"scaling.reaction_delay_steps"});

  ScalingOptions unresolved;
  unresolved.capacity_per_replica = 0;
  expect_input_error([&] { predictive_replicas({1.0}, unresolved); }, {"capacity_per_replica"});
  ScalingOptions options;
  expect_input_error([&] { evaluate_scaling({1, 2}, {1}, options, 900); }, {"replicas"});
  expect_input_error([&] { evaluate_scaling({1}, {1}, options, 0); }, {"step_seconds"});
  expect_input_error([&] { predictive_replicas({1.0, NAN}, options); }, {"forecast[1]"});
  expect_input_error([&] { reactive_replicas({1.0}, options, -1); }, {"initial_replicas"});
}

}  // namespace
}  // namespace evergreen
