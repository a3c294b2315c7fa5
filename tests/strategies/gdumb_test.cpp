#include "evergreen/strategies/gdumb.h"

#include <gtest/gtest.h>

#include "evergreen/models/flat_sgd.h"
#include "evergreen/run/trainer.h"
#include "strategy_test_support.h"

namespace evergreen {
namespace {

TrainOptions sgd_options() {
  return TrainOptions().optimizer("sgd").learning_rate(0.1).epochs(1).batch_size(4);
}

// The model after an experience depends on the memory and the random state only: whatever the
// weights were before it, retraining starts from the initial ones. Two trainers resumed from the
// same checkpoint, one with its weights scrambled, end the next experience bit-identical.
TEST(Gdumb, RetrainingStartsFromTheInitialWeights) {
  auto stream = testing::tiny_classification_stream(2, 10);
  auto run = [&](bool scramble, torch::serialize::OutputArchive* save_after_first,
                 std::stringstream* checkpoint) {
    torch::manual_seed(0);
    auto model = testing::tiny_classifier(stream);
    GdumbStrategy strategy(GdumbOptions().memory_size(12).epochs(3));
    Trainer trainer(*model, strategy, sgd_options(), 0);
    trainer.set_stream_spec(&stream.spec);
    if (save_after_first) {
      trainer.train(stream.experiences[0]);
      trainer.save(*save_after_first);
      save_after_first->save_to(*checkpoint);
    } else {
      torch::serialize::InputArchive in;
      in.load_from(*checkpoint);
      trainer.load(in);
    }
    if (scramble) {
      torch::NoGradGuard no_grad;
      auto generator = at::make_generator<at::CPUGeneratorImpl>(99);
      trainer.parameters().values().add_(torch::randn(trainer.parameters().size(), generator));
    }
    trainer.train(stream.experiences[1]);
    return trainer.parameters().values().clone();
  };
  torch::serialize::OutputArchive out;
  std::stringstream checkpoint;
  auto reference = run(false, &out, &checkpoint);
  checkpoint.seekg(0);
  auto resumed = run(false, nullptr, &checkpoint);
  checkpoint.seekg(0);
  auto scrambled = run(true, nullptr, &checkpoint);
  EXPECT_TRUE(torch::equal(resumed, reference));
  EXPECT_TRUE(torch::equal(scrambled, reference));
}

// The known answer, step by step: after an experience the memory holds a class-balanced sample
// of every row seen, and the model equals the initial weights trained `epochs` epochs of plain SGD
// on the memory alone (a new shuffle each epoch, the trainer's batch size), whatever it was before.
TEST(Gdumb, AfterExperienceRetrainsOnTheMemoryAloneFromTheInitialWeights) {
  auto stream = testing::tiny_classification_stream(2, 10);
  torch::manual_seed(0);
  auto model = testing::tiny_classifier(stream);
  FlatParameters parameters(*model);
  FlatSgd sgd(parameters, FlatSgdOptions().learning_rate(0.1));
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 4};
  context.optimizer = &sgd;
  GdumbStrategy strategy(GdumbOptions().memory_size(12).epochs(3));
  auto initial = parameters.values().clone();

  // The trainer's own pass is one row: the stream is not learned from.
  EXPECT_EQ(strategy.training_data(stream.experiences[0]).size(), 1);
  strategy.before_experience(context, stream.experiences[0]);
  strategy.after_experience(context, stream.experiences[0]);
  EXPECT_EQ(strategy.class_balanced_memory().class_counts(),
            (std::map<int64_t, int64_t>{{0, 6}, {1, 6}}));
  EXPECT_EQ(context.extra_training_rows, 3 * 12);

  {
    torch::NoGradGuard no_grad;
    parameters.values().add_(1.0);  // whatever training on the stream would have done
  }
  auto expected_generator = generator.clone();
  strategy.before_experience(context, stream.experiences[1]);
  strategy.after_experience(context, stream.experiences[1]);
  auto retrained = parameters.values().clone();
  Batch memory = strategy.class_balanced_memory().contents();
  EXPECT_EQ(strategy.class_balanced_memory().class_counts(),
            (std::map<int64_t, int64_t>{{0, 3}, {1, 3}, {2, 3}, {3, 3}}));
  EXPECT_TRUE(torch::equal(strategy.initial_values(), initial));

  // By hand: the sampler's draws (two uniforms per row), then three shuffled epochs of SGD.
  torch::rand({stream.experiences[1].train.size(), 2}, expected_generator, torch::kDouble);
  {
    torch::NoGradGuard no_grad;
    parameters.values().copy_(initial);
  }
  for (int epoch = 0; epoch < 3; ++epoch) {
    auto order = torch::randperm(12, expected_generator, torch::kLong);
    for (int64_t begin = 0; begin < 12; begin += 4) {
      Batch batch = memory.rows(order.slice(0, begin, begin + 4));
      parameters.zero_gradients();
      model->loss(batch, model->forward(batch)).backward();
      torch::NoGradGuard no_grad;
      parameters.values().add_(parameters.gradients(), -0.1);
    }
  }
  EXPECT_TRUE(torch::equal(retrained, parameters.values()));
  EXPECT_FALSE(torch::equal(retrained, initial));
  EXPECT_EQ(strategy.memory().samples, 12);
}

// Classes absent from the memory are never predicted, and the task-IL accuracy is unchanged
// (the masking keeps the order of the logits inside every task).
TEST(Gdumb, EvaluationRanksClassesOutsideTheMemoryLast) {
  auto stream = testing::tiny_classification_stream(2, 10);
  torch::manual_seed(0);
  auto model = testing::tiny_classifier(stream);
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  FlatSgd sgd(parameters, FlatSgdOptions().learning_rate(0.1));
  TrainingContext context{*model, parameters, generator, 0, 4};
  context.optimizer = &sgd;
  GdumbStrategy strategy(GdumbOptions().memory_size(8));
  strategy.before_experience(context, stream.experiences[0]);
  strategy.after_experience(context, stream.experiences[0]);  // classes 0 and 1
  {
    // Favour the unseen classes 2 and 3 so that unmasked logits would pick them.
    torch::NoGradGuard no_grad;
    model->named_parameters()["output.bias"].slice(0, 2, 4).add_(100.0);
  }
  const Batch& test = stream.experiences[0].test;
  EXPECT_EQ(model->evaluate(test).at("accuracy"), 0.0);
  auto masked = strategy.evaluate(*model, test);
  torch::NoGradGuard no_grad;
  auto predicted = model->forward(test).at("prediction").slice(1, 0, 2).argmax(1);
  EXPECT_DOUBLE_EQ(masked.at("accuracy"),
                   predicted.eq(test.at("y")).to(torch::kDouble).mean().item<double>());
  const Batch& unseen = stream.experiences[1].test;
  EXPECT_EQ(strategy.evaluate(*model, unseen).at("accuracy"), 0.0);
  EXPECT_EQ(strategy.evaluate(*model, unseen).at("task_il_accuracy"),
            model->evaluate(unseen).at("task_il_accuracy"));
}

TEST(Gdumb, SaveLoadRoundTrip) {
  auto stream = testing::tiny_classification_stream(2, 10);
  auto model = testing::tiny_classifier(stream);
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  FlatSgd sgd(parameters, FlatSgdOptions().learning_rate(0.1));
  TrainingContext context{*model, parameters, generator, 0, 4};
  context.optimizer = &sgd;
  GdumbStrategy strategy(GdumbOptions().memory_size(7).epochs(1));
  for (const Experience& experience : stream.experiences) {
    strategy.before_experience(context, experience);
    strategy.after_experience(context, experience);
  }
  GdumbStrategy restored(GdumbOptions().memory_size(7));
  testing::restore_state(strategy, restored);
  for (const auto& [name, tensor] : strategy.class_balanced_memory().contents())
    EXPECT_TRUE(torch::equal(restored.class_balanced_memory().contents().at(name), tensor)) << name;
  EXPECT_EQ(restored.class_balanced_memory().class_counts(),
            strategy.class_balanced_memory().class_counts());
  EXPECT_EQ(restored.memory().bytes, strategy.memory().bytes);
  EXPECT_EQ(restored.memory().samples, 7);
  EXPECT_TRUE(torch::equal(restored.initial_values(), strategy.initial_values()));
}

TEST(Gdumb, FactoryReadsAndChecksItsOptions) {
  Options options(YAML::Load("{memory_size: 50, epochs: 4}"), "strategy");
  EXPECT_NE(make_gdumb(options), nullptr);
  options.check_all_read();
  EXPECT_EQ(options.node()["mask_unseen_classes"].as<bool>(), true);
  Options bad(YAML::Load("{epochs: 0}"), "strategy");
  EXPECT_THROW(make_gdumb(bad), InputError);
}

}  // namespace
}  // namespace evergreen
