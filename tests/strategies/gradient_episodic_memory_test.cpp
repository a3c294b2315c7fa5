#include "evergreen/strategies/gradient_episodic_memory.h"

#include <gtest/gtest.h>

#include "strategy_test_support.h"

namespace evergreen {
namespace {

torch::Tensor doubles(std::vector<double> values) { return torch::tensor(values, torch::kDouble); }

// Two past tasks in 3-D, g_1 = (1, 0, 0) and g_2 = (1, 1, 0), step gradient g = (-2, 1, 5): both
// dot products are negative (-2, -1). By hand: the closest g~ with g~ . g_k >= 0 moves g onto the
// plane of g_1 only, g~ = (0, 1, 5) (then g~ . g_2 = 1 > 0): dual v = (2, 0). With the bound
// v >= 0.5: v_2 = 0.5 is held at its bound, v_1 = 2 - v_2 = 1.5 makes the first dual gradient
// (P v + q)_1 = v_1 + v_2 - 2 zero, and (P v + q)_2 = v_1 + 2 v_2 - 1 = 1.5 >= 0; g~ = (0, 1.5, 5).
TEST(GradientEpisodicMemory, DualSolverMatchesAHandSolvedCase) {
  auto tasks = doubles({1, 0, 0, 1, 1, 0}).view({2, 3});
  auto gradient = doubles({-2, 1, 5});
  auto gram = tasks.matmul(tasks.t());   // [[1, 1], [1, 2]]
  auto linear = tasks.matmul(gradient);  // (-2, -1)
  EXPECT_TRUE(torch::allclose(gem_dual_solve(gram, linear, 0.0), doubles({2, 0}), 0, 1e-12));
  EXPECT_TRUE(torch::allclose(gem_dual_solve(gram, linear, 0.5), doubles({1.5, 0.5}), 0, 1e-12));
  EXPECT_TRUE(torch::allclose(gem_project(gradient, tasks, 0.0), doubles({0, 1, 5}), 0, 1e-12));
  EXPECT_TRUE(torch::allclose(gem_project(gradient, tasks, 0.5), doubles({0, 1.5, 5}), 0, 1e-12));
  // Both constraints active: g = (-2, -1, 5) needs g~ = (0, 0, 5), v = (1, 1).
  EXPECT_TRUE(
      torch::allclose(gem_project(doubles({-2, -1, 5}), tasks, 0.0), doubles({0, 0, 5}), 0, 1e-12));
}

// The defining property on random problems: after projection no stored task gradient conflicts
// with the step (dot >= -1e-6 relative), the answer satisfies the QP's optimality conditions
// (v >= margin, G g~ >= 0, (v - margin) . G g~ = 0), and a conflict-free gradient is unchanged.
TEST(GradientEpisodicMemory, ProjectionRemovesEveryConflictAndLeavesOthersAlone) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(7);
  int projected = 0, untouched = 0;
  for (int trial = 0; trial < 300; ++trial) {
    int64_t task_count = 1 + trial % 12;
    auto tasks = torch::randn({task_count, 40}, generator, torch::kDouble);
    if (trial % 3 == 0)  // nearly parallel task gradients: an ill-conditioned dual
      tasks = tasks.slice(0, 0, 1) + 1e-4 * tasks;
    auto gradient = torch::randn({40}, generator, torch::kDouble);
    double margin = trial % 2 == 0 ? 0.0 : 0.5;
    auto result = gem_project(gradient, tasks, margin);
    if (tasks.matmul(gradient).min().item<double>() >= 0) {
      EXPECT_TRUE(torch::equal(result, gradient));
      ++untouched;
      continue;
    }
    ++projected;
    auto dots = tasks.matmul(result);
    auto scale = result.norm() * tasks.norm(2, 1);
    EXPECT_GE((dots / scale).min().item<double>(), -1e-6) << "trial " << trial;
    auto v = gem_dual_solve(tasks.matmul(tasks.t()), tasks.matmul(gradient), margin);
    EXPECT_GE(v.min().item<double>(), margin - 1e-12);
    EXPECT_TRUE(torch::allclose(result, tasks.t().matmul(v) + gradient));
    double complementarity = ((v - margin) * dots).abs().max().item<double>();
    EXPECT_LE(complementarity,
              1e-8 * (1 + gradient.norm().item<double>() * tasks.norm().item<double>()))
        << "trial " << trial;
  }
  EXPECT_GT(projected, 100);
  EXPECT_GT(untouched, 5);
}

// In training: the gradient left after backward is the projection of the step's gradient against
// the memory gradient of each past task, computed here by hand.
TEST(GradientEpisodicMemory, TrainingStepUsesTheProjectedGradient) {
  auto stream = testing::tiny_classification_stream(3, 8);
  torch::manual_seed(1);
  auto model = testing::tiny_classifier(stream);
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 8};
  GradientEpisodicMemoryStrategy strategy(
      GradientEpisodicMemoryOptions().memory_size(12).margin(0.5));
  strategy.after_experience(context, stream.experiences[0]);
  strategy.after_experience(context, stream.experiences[1]);
  ASSERT_EQ(strategy.task_memories().size(), 2u);

  // Each past task's memory gradient, by hand. At initialisation they conflict with a step on the
  // third task: that one raises classes 4 and 5, the memories raise classes 0 to 3.
  std::vector<torch::Tensor> task_gradients;
  for (const Batch& rows : strategy.task_memories()) {
    parameters.zero_gradients();
    model->loss(rows, model->forward(rows)).backward();
    task_gradients.push_back(parameters.gradients().clone());
  }
  const Batch& batch = stream.experiences[2].train;
  parameters.zero_gradients();
  model->loss(batch, model->forward(batch)).backward();
  auto step_gradient = parameters.gradients().clone();
  auto stacked = torch::stack(task_gradients);
  ASSERT_LT(stacked.matmul(step_gradient).min().item<double>(), 0) << "no conflict to resolve";

  strategy.after_backward(context);
  EXPECT_TRUE(torch::allclose(parameters.gradients(), gem_project(step_gradient, stacked, 0.5),
                              1e-5, 1e-7));
  auto dots = stacked.matmul(parameters.gradients());
  EXPECT_GE(dots.min().item<double>(), -1e-6 * parameters.gradients().norm().item<double>() *
                                           stacked.norm(2, 1).max().item<double>());
  EXPECT_EQ(context.extra_training_rows, 12);
}

// memory_size rows shared equally by the tasks seen; older tasks shrink to a prefix of their rows.
TEST(GradientEpisodicMemory, MemoryIsSharedEquallyByTheTasksSeen) {
  auto stream = testing::tiny_classification_stream(3, 5);
  auto model = testing::tiny_classifier(stream);
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 8};
  GradientEpisodicMemoryStrategy strategy(GradientEpisodicMemoryOptions().memory_size(7));
  auto sizes = [&] {
    std::vector<int64_t> result;
    for (const Batch& rows : strategy.task_memories()) result.push_back(rows.size());
    return result;
  };
  strategy.after_experience(context, stream.experiences[0]);
  EXPECT_EQ(sizes(), (std::vector<int64_t>{7}));
  auto first_task = strategy.task_memories()[0].at("x").clone();
  strategy.after_experience(context, stream.experiences[1]);
  EXPECT_EQ(sizes(), (std::vector<int64_t>{4, 3}));
  strategy.after_experience(context, stream.experiences[2]);
  EXPECT_EQ(sizes(), (std::vector<int64_t>{3, 2, 2}));
  EXPECT_TRUE(torch::equal(strategy.task_memories()[0].at("x"), first_task.slice(0, 0, 3)));
  for (int64_t task = 0; task < 3; ++task)
    EXPECT_TRUE(strategy.task_memories()[task].at("task").eq(task).all().item<bool>());
  EXPECT_EQ(strategy.memory().samples, 7);
  EXPECT_EQ(strategy.memory().bytes, 7 * (4 + 8 + 8));

  // When the stream says it has 3 tasks, each keeps its share from the start, as in the paper.
  StreamSpec spec = stream.spec;
  spec.num_tasks = 3;
  context.spec = &spec;
  GradientEpisodicMemoryStrategy fixed(GradientEpisodicMemoryOptions().memory_size(7));
  std::vector<int64_t> fixed_sizes;
  for (const Experience& experience : stream.experiences) {
    fixed.after_experience(context, experience);
    fixed_sizes.push_back(fixed.task_memories().back().size());
  }
  EXPECT_EQ(fixed_sizes, (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(fixed.task_memories()[0].size(), 3);
}

TEST(GradientEpisodicMemory, SaveLoadRoundTrip) {
  auto stream = testing::tiny_classification_stream(2, 5);
  auto model = testing::tiny_classifier(stream);
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 8};
  GradientEpisodicMemoryStrategy strategy(GradientEpisodicMemoryOptions().memory_size(9));
  strategy.after_experience(context, stream.experiences[0]);
  strategy.after_experience(context, stream.experiences[1]);
  GradientEpisodicMemoryStrategy restored(GradientEpisodicMemoryOptions().memory_size(9));
  testing::restore_state(strategy, restored);
  ASSERT_EQ(restored.task_memories().size(), 2u);
  for (size_t task = 0; task < 2; ++task)
    for (const auto& [name, tensor] : strategy.task_memories()[task])
      EXPECT_TRUE(torch::equal(restored.task_memories()[task].at(name), tensor)) << name;
  EXPECT_EQ(restored.memory().bytes, strategy.memory().bytes);
}

TEST(GradientEpisodicMemory, FactoryChecksItsOptions) {
  Options options(YAML::Load("{memory_size: 100}"), "strategy");
  EXPECT_NE(make_gradient_episodic_memory(options), nullptr);
  options.check_all_read();
  EXPECT_EQ(options.node()["margin"].as<double>(), 0.5);
  Options bad(YAML::Load("{margin: -1}"), "strategy");
  EXPECT_THROW(make_gradient_episodic_memory(bad), InputError);
}

}  // namespace
}  // namespace evergreen
