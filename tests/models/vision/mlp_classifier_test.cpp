#include "evergreen/models/vision/mlp_classifier.h"

#include <gtest/gtest.h>

#include <cmath>

#include "evergreen/eval/classification_metrics.h"

namespace evergreen {
namespace {

TEST(MlpClassifier, MammothShapeXavierWeightsAndZeroBiases) {
  torch::manual_seed(0);
  MlpClassifier model(MlpClassifierOptions(784, 10));
  int64_t parameters = 0;
  for (const auto& parameter : model->parameters()) parameters += parameter.numel();
  EXPECT_EQ(parameters, 784 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10);
  for (const auto& named : model->named_parameters()) {
    if (named.key().find("bias") != std::string::npos) {
      EXPECT_EQ(named.value().abs().sum().item<double>(), 0.0) << named.key();
    } else {  // Xavier uniform: |w| <= sqrt(6 / (fan_in + fan_out))
      double bound = std::sqrt(6.0 / (named.value().size(0) + named.value().size(1)));
      EXPECT_LE(named.value().abs().max().item<double>(), bound) << named.key();
      EXPECT_GT(named.value().abs().max().item<double>(), 0.9 * bound) << named.key();
    }
  }
  EXPECT_EQ(model->forward_macs_per_row(), 784 * 100 + 100 * 100 + 100 * 10);
}

TEST(MlpClassifier, BytesAreScaledToTheUnitInterval) {
  MlpClassifier model(MlpClassifierOptions(4, 3).hidden_sizes({2}));
  auto bytes = torch::tensor({0, 51, 102, 255}, torch::kByte).view({1, 1, 2, 2});
  auto floats = (bytes.to(torch::kFloat) / 255.0).view({1, 4});
  auto from_bytes = model->forward(Batch{{"x", bytes}}).at("prediction");
  auto from_floats = model->forward(Batch{{"x", floats}}).at("prediction");
  EXPECT_TRUE(torch::allclose(from_bytes, from_floats));
  EXPECT_EQ(model->forward(Batch{{"x", bytes}}).at("hint").size(1), 2);
}

TEST(MlpClassifier, LossIsTheCrossEntropyOfTheLogits) {
  MlpClassifier model(MlpClassifierOptions(2, 3).hidden_sizes({2}));
  Batch batch{{"x", torch::tensor({{0.5f, -1.0f}, {2.0f, 0.0f}})},
              {"y", torch::tensor({2, 0}, torch::kLong)}};
  auto outputs = model->forward(batch);
  auto logits = outputs.at("prediction");
  double expected = 0;
  for (int row = 0; row < 2; ++row) {
    int label = batch.at("y")[row].item<int>();
    double normaliser = logits[row].exp().sum().item<double>();
    expected -= std::log(std::exp(logits[row][label].item<double>()) / normaliser);
  }
  EXPECT_NEAR(model->loss(batch, outputs).item<double>(), expected / 2, 1e-6);
  EXPECT_NEAR(model->negative_log_likelihood(batch, outputs).item<double>(), expected, 1e-5);
}

TEST(ClassificationMetrics, ClassAndTaskIncrementalAccuracyByHand) {
  // Two tasks of two classes. Row 0 (task 0, label 1): best overall is class 3 (wrong), best of
  // task 0's classes is 1 (right). Row 1 (task 1, label 2): right both ways. Row 2 (task 1,
  // label 3): class 0 overall (wrong), class 2 within its task (wrong).
  auto scores =
      torch::tensor({{0.1f, 0.5f, 0.2f, 0.9f}, {0.0f, 0.1f, 0.8f, 0.3f}, {0.9f, 0.1f, 0.5f, 0.4f}});
  auto labels = torch::tensor({1, 2, 3}, torch::kLong);
  auto tasks = torch::tensor({0, 1, 1}, torch::kLong);
  auto metrics = classification_metrics(scores, labels, tasks, 2);
  EXPECT_NEAR(metrics.at("accuracy"), 1.0 / 3, 1e-12);
  EXPECT_NEAR(metrics.at("task_il_accuracy"), 2.0 / 3, 1e-12);
  EXPECT_EQ(classification_metrics(scores, labels, tasks, 0).count("task_il_accuracy"), 0u);
  auto masked = mask_to_task_classes(scores, tasks, 2);
  EXPECT_TRUE(std::isinf(masked[0][2].item<float>()));
  EXPECT_FLOAT_EQ(masked[2][3].item<float>(), 0.4f);
}

TEST(MlpClassifier, EvaluatesInBlocksWithTheSameResult) {
  torch::manual_seed(3);
  auto x = torch::randint(0, 256, {50, 1, 2, 2}, torch::kLong).to(torch::kByte);
  Batch test{{"x", x},
             {"y", torch::randint(0, 4, {50}, torch::kLong)},
             {"task", torch::randint(0, 2, {50}, torch::kLong)}};
  MlpClassifier whole(MlpClassifierOptions(4, 4).classes_per_task(2));
  MlpClassifier blocks(MlpClassifierOptions(4, 4).classes_per_task(2).evaluation_batch_size(7));
  {
    torch::NoGradGuard no_grad;
    auto source = whole->parameters(), target = blocks->parameters();
    for (size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
  }
  EXPECT_EQ(whole->evaluate(test), blocks->evaluate(test));
  auto expected = classification_metrics(whole->forward(test).at("prediction"), test.at("y"),
                                         test.at("task"), 2);
  EXPECT_EQ(whole->evaluate(test), expected);
}

TEST(Model, DistillationLossFollowsTheOutputKind) {
  MlpClassifier classifier(MlpClassifierOptions(2, 3).hidden_sizes({2}));
  auto student = torch::tensor({{1.0f, 0.0f, -1.0f}});
  auto teacher = torch::tensor({{0.0f, 2.0f, 0.0f}});
  // T^2 KL(softmax(t/T) || softmax(s/T)) by hand, T = 2.
  auto p = torch::softmax(teacher / 2, 1), q = torch::softmax(student / 2, 1);
  double kl = (p * (p.log() - q.log())).sum().item<double>();
  Batch outputs{{"prediction", student}};
  EXPECT_NEAR(classifier->distillation_loss(outputs, teacher, 2.0).item<double>(), 4 * kl, 1e-6);
  // Temperature 0: DER's logit MSE.
  EXPECT_NEAR(classifier->distillation_loss(outputs, teacher, 0.0).item<double>(),
              (1 + 4 + 1) / 3.0, 1e-6);
}

}  // namespace
}  // namespace evergreen
