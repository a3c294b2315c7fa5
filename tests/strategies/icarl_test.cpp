#include "evergreen/strategies/icarl.h"

#include <gtest/gtest.h>

#include "evergreen/eval/classification_metrics.h"
#include "strategy_test_support.h"

namespace evergreen {
namespace {

namespace F = torch::nn::functional;

// Five points with mean (0, 0). Herding first takes the point closest to the mean, p1 = (0.1, 0).
// The second pick minimises |(p1 + p) / 2|: p3 = (-0.35, 0) gives 0.125, while p2 = (0.3, 0), the
// second closest to the mean, would give 0.2 (p4, p5: about 0.45). The third minimises
// |(p1 + p3 + p) / 3|: p2 gives 0.0167, p4 and p5 about 0.31.
TEST(Icarl, HerdingPicksTheClosestThenTheRowThatBestRestoresTheMean) {
  auto features = torch::tensor({0.3, 0.0,     // p2
                                 0.0, -0.9,    // p5
                                 0.1, 0.0,     // p1
                                 -0.05, 0.9,   // p4
                                 -0.35, 0.0},  // p3
                                torch::kDouble)
                      .view({5, 2});
  EXPECT_EQ(herding_selection(features, 3), (std::vector<int64_t>{2, 4, 0}));
  EXPECT_EQ(herding_selection(features, 1), (std::vector<int64_t>{2}));
  EXPECT_EQ(herding_selection(features, 9).size(), 5u);  // never more than the rows, no repeats
}

TEST(Icarl, NearestMeanScoresAreMinusTheDistances) {
  auto features = torch::tensor({1.0, 0.0, 0.0, 1.0}, torch::kDouble).view({2, 2});
  auto means = torch::tensor({1.0, 0.0, 0.6, 0.8}, torch::kDouble).view({2, 2});
  auto expected =
      torch::tensor({0.0, -std::sqrt(0.8), -std::sqrt(2.0), -std::sqrt(0.4)}, torch::kDouble)
          .view({2, 2});
  EXPECT_TRUE(torch::allclose(nearest_mean_scores(features, means), expected, 0, 1e-12));
}

/// hint = x (2-D points); the logits swap the coordinates, so that they always name the wrong
/// class of the toy problem below and only a nearest-mean classifier gets it right.
class FeatureModel : public Model {
 public:
  FeatureModel() { register_parameter("unused", torch::zeros({1})); }
  Batch forward(const Batch& batch) override {
    auto x = batch.at("x").to(torch::kFloat);
    return Batch{{"prediction", 10 * x.flip(1)}, {"hint", x}};
  }
  torch::Tensor loss(const Batch& batch, const Batch& outputs) override {
    return F::cross_entropy(outputs.at("prediction"), batch.at("y"));
  }
  std::map<std::string, double> evaluate(const Batch& batch) override {
    return evaluate_outputs(batch, forward(batch));
  }
  std::map<std::string, double> evaluate_outputs(const Batch& batch,
                                                 const Batch& outputs) override {
    return classification_metrics(outputs.at("prediction"), batch.at("y"), batch.at("task"), 0);
  }
  ModelCapabilities capabilities() const override { return {OutputKind::kLogits, true}; }
  int64_t hint_size() const override { return 2; }
  MainMetric main_metric() const override { return {"accuracy", true}; }
  int64_t forward_macs_per_row() const override { return 0; }
};

Batch points(std::vector<float> coordinates, std::vector<int64_t> labels) {
  auto count = static_cast<int64_t>(labels.size());
  return Batch{{"x", torch::tensor(coordinates).view({count, 2})},
               {"y", torch::tensor(labels, torch::kLong)},
               {"task", torch::zeros({count}, torch::kLong)}};
}

// Class 0 lies along (1, 0.1), class 1 along (0.1, 1): the normalised class means point there, and
// each test point is nearer (in angle) to its own class's mean, so the NME classifier is right on
// all four while the model's own logits are wrong on all four.
TEST(Icarl, NearestMeanOfExemplarsClassifiesAToyCase) {
  FeatureModel model;
  FlatParameters parameters(model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{model, parameters, generator, 0, 4};
  Experience experience;
  experience.train =
      points({1.0, 0.1, 0.9, 0.0, 1.1, 0.2, 0.1, 1.0, 0.0, 0.9, 0.2, 1.1}, {0, 0, 0, 1, 1, 1});
  IcarlStrategy strategy(IcarlOptions().memory_size(4));
  strategy.before_experience(context, experience);
  strategy.after_experience(context, experience);
  EXPECT_EQ(strategy.exemplars().at(0).size(), 2);
  Batch test = points({0.9, 0.2, 0.3, 0.7, 0.8, 0.5, 0.45, 0.55}, {0, 1, 0, 1});
  EXPECT_EQ(model.evaluate(test).at("accuracy"), 0.0);
  EXPECT_EQ(strategy.evaluate(model, test).at("accuracy"), 1.0);
}

// Two tasks of two classes, memory 8: 4 exemplars per class after the first task (the herding
// order on normalised hints), 2 per class after the second, the old classes keeping a prefix.
TEST(Icarl, ExemplarsPerClassAfterTwoTasks) {
  auto stream = testing::tiny_classification_stream(2, 10);
  torch::manual_seed(2);
  auto model = testing::tiny_classifier(stream);
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 4};
  IcarlStrategy strategy(IcarlOptions().memory_size(8));
  const Experience& first = stream.experiences[0];
  strategy.before_experience(context, first);
  strategy.after_experience(context, first);
  ASSERT_EQ(strategy.exemplars().size(), 2u);
  for (int64_t label : {0, 1}) {
    Batch rows = first.train.rows(first.train.at("y").eq(label).nonzero().squeeze(1));
    torch::Tensor hints;
    {
      torch::NoGradGuard no_grad;
      hints = F::normalize(model->forward(rows).at("hint"), F::NormalizeFuncOptions().dim(1));
    }
    auto order = herding_selection(hints, 4);
    EXPECT_TRUE(torch::equal(strategy.exemplars().at(label).at("x"),
                             rows.rows(torch::tensor(order, torch::kLong)).at("x")));
  }
  auto class_zero = strategy.exemplars().at(0).at("x").clone();

  const Experience& second = stream.experiences[1];
  strategy.before_experience(context, second);
  strategy.after_experience(context, second);
  ASSERT_EQ(strategy.exemplars().size(), 4u);
  for (const auto& [label, rows] : strategy.exemplars()) {
    EXPECT_EQ(rows.size(), 2) << "class " << label;
    EXPECT_TRUE(rows.at("y").eq(label).all().item<bool>());
  }
  EXPECT_TRUE(torch::equal(strategy.exemplars().at(0).at("x"), class_zero.slice(0, 0, 2)));
  EXPECT_EQ(strategy.memory().samples, 8);
}

// iCaRL's loss, by hand: classes 0 and 1 are old (targets: the previous model's sigmoid), 2 and
// 3 new (one-hot targets); the mean binary cross-entropy over the 2 rows x 4 seen classes.
TEST(Icarl, LossIsBinaryCrossEntropyWithDistilledTargetsForOldClasses) {
  auto stream = testing::tiny_classification_stream(2, 10);
  auto model = testing::tiny_classifier(stream);
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 4};
  IcarlStrategy strategy(IcarlOptions().memory_size(8).replay_batch_size(3));
  strategy.before_experience(context, stream.experiences[0]);
  strategy.after_experience(context, stream.experiences[0]);
  strategy.before_experience(context, stream.experiences[1]);

  Batch batch{{"y", torch::tensor({2, 3}, torch::kLong)},
              {"teacher_prediction",
               torch::tensor({1.0f, -1.0f, 0.0f, 0.0f, 0.0f, 2.0f, 0.0f, 0.0f}).view({2, 4})}};
  Batch outputs{{"prediction",
                 torch::tensor({0.5f, 0.0f, 1.0f, -1.0f, 0.0f, 0.0f, -2.0f, 3.0f}).view({2, 4})}};
  auto sigmoid = [](double z) { return 1 / (1 + std::exp(-z)); };
  auto bce = [&](double z, double t) {
    return -(t * std::log(sigmoid(z)) + (1 - t) * std::log(1 - sigmoid(z)));
  };
  double expected = (bce(0.5, sigmoid(1)) + bce(0, sigmoid(-1)) + bce(1, 1) + bce(-1, 0) +
                     bce(0, sigmoid(0)) + bce(0, sigmoid(2)) + bce(-2, 0) + bce(3, 1)) /
                    8;
  EXPECT_NEAR(strategy.classification_distillation_loss(batch, outputs).item<double>(), expected,
              1e-6);
  // The trainer adds the model's cross-entropy to extra_loss: together they are the BCE alone.
  auto total = model->loss(batch, outputs) + strategy.extra_loss(context, batch, outputs);
  EXPECT_NEAR(total.item<double>(), expected, 1e-6);

  // A step's batch gains replay_batch_size exemplars and the previous model's logits.
  Batch step = strategy.before_step(context, stream.experiences[1].train.slice(0, 4));
  EXPECT_EQ(step.size(), 4 + 3);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(
      torch::allclose(step.at("teacher_prediction"), model->forward(step).at("prediction")));
}

TEST(Icarl, SaveLoadRoundTrip) {
  auto stream = testing::tiny_classification_stream(2, 10);
  torch::manual_seed(3);
  auto model = testing::tiny_classifier(stream);
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 4};
  IcarlStrategy strategy(IcarlOptions().memory_size(6));
  for (const Experience& experience : stream.experiences) {
    strategy.before_experience(context, experience);
    strategy.after_experience(context, experience);
  }
  IcarlStrategy restored(IcarlOptions().memory_size(6));
  testing::restore_state(strategy, restored);
  ASSERT_EQ(restored.exemplars().size(), strategy.exemplars().size());
  for (const auto& [label, rows] : strategy.exemplars())
    for (const auto& [name, tensor] : rows)
      EXPECT_TRUE(torch::equal(restored.exemplars().at(label).at(name), tensor)) << name;
  EXPECT_EQ(restored.memory().bytes, strategy.memory().bytes);
  EXPECT_EQ(restored.memory().samples, 4);  // 6 / 4 classes = 1 each
  EXPECT_EQ(restored.evaluate(*model, stream.experiences[0].test),
            strategy.evaluate(*model, stream.experiences[0].test));
}

TEST(Icarl, FactoryChecksItsOptions) {
  Options options(YAML::Load("{memory_size: 500}"), "strategy");
  EXPECT_NE(make_icarl(options), nullptr);
  options.check_all_read();
  EXPECT_EQ(options.node()["replay_batch_size"].as<int64_t>(), 0);
  Options bad(YAML::Load("{memory_size: 0}"), "strategy");
  EXPECT_THROW(make_icarl(bad), InputError);
}

}  // namespace
}  // namespace evergreen
