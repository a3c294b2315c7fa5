#include "evergreen/strategies/replay_memory.h"

#include <gtest/gtest.h>

#include <sstream>

#include "evergreen/run/trainer.h"
#include "evergreen/strategies/dark_experience_replay.h"
#include "evergreen/strategies/dmshm.h"
#include "strategy_test_support.h"

namespace evergreen {
namespace {

torch::Generator seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

TEST(ReplayMemory, ReservoirSelectionIsTheReservoirBuffer) {
  auto stream = testing::tiny_forecasting_stream(2, 40);
  ReplayMemory memory(ReplayMemoryOptions().capacity(12));
  ReservoirBuffer reference(12);
  auto a = seeded(3), b = seeded(3);
  for (const auto& experience : stream.experiences) {
    memory.add(experience.train, a);
    reference.add(experience.train, b);
  }
  ASSERT_EQ(memory.size(), 12);
  EXPECT_TRUE(torch::equal(memory.sample(5, a).at("x"), reference.sample(5, b).at("x")));
}

// DMSHM's rule: the candidates wait until the experience ends; the memory is then the weighted
// draw that dmshm_log_weights and the Gumbel-top-k sampler give over the model's hints.
TEST(ReplayMemory, DensityShiftRedrawsWithDmshmsWeightsAtTheExperiencesEnd) {
  auto stream = testing::tiny_forecasting_stream(1, 40);
  auto model = testing::tiny_mlp();
  ASSERT_GT(model->hint_size(), 0);
  FlatParameters parameters(*model);
  auto generator = seeded(1);
  TrainingContext context{*model, parameters, generator, 0, 8};
  ReplayMemory memory(ReplayMemoryOptions()
                          .capacity(10)
                          .selection(MemorySelection::kDensityShift)
                          .density_weight(0.7)
                          .shift_weight(1.3));
  const Batch& rows = stream.experiences[0].train;
  ASSERT_EQ(rows.size(), 40);
  memory.add(rows, generator);
  EXPECT_EQ(memory.size(), 0);  // candidates only, until the experience ends
  auto replica = seeded(0);
  replica.set_state(generator.get_state());
  memory.end_experience(context);
  ASSERT_EQ(memory.size(), 10);

  torch::NoGradGuard no_grad;
  auto hints = model->forward(rows).at("hint").to(torch::kDouble);
  auto log_weights = dmshm_log_weights(hints, torch::zeros({40}, torch::kBool), 0.7, 1.3);
  Batch expected = rows.rows(weighted_sample_without_replacement(log_weights, 10, replica));
  auto kept = memory.sample(10, generator).at("x");
  // sample() permutes; compare as sets of rows through their sorted first column.
  EXPECT_TRUE(torch::equal(std::get<0>(kept.select(1, 0).sort()),
                           std::get<0>(expected.at("x").select(1, 0).sort())));
}

// DER++ with DMSHM's selection: stopping after an experience and resuming from the checkpoint
// ends bit-identical to the uninterrupted run.
TEST(ReplayMemory, DerppWithDensityShiftResumesBitIdentically) {
  auto stream = testing::tiny_forecasting_stream(3, 24);
  auto options = DarkExperienceReplayOptions().memory(
      ReplayMemoryOptions().capacity(8).selection(MemorySelection::kDensityShift));
  const auto train = TrainOptions().epochs(2).batch_size(8);
  torch::manual_seed(0);
  auto whole_model = testing::tiny_mlp();
  DarkExperienceReplayStrategy whole(options);
  Trainer uninterrupted(*whole_model, whole, train, 5);
  for (const auto& experience : stream.experiences) uninterrupted.train(experience);

  torch::manual_seed(0);
  auto first_model = testing::tiny_mlp();
  DarkExperienceReplayStrategy first(options);
  Trainer before(*first_model, first, train, 5);
  before.train(stream.experiences[0]);
  before.train(stream.experiences[1]);
  torch::serialize::OutputArchive out;
  before.save(out);
  std::stringstream bytes;
  out.save_to(bytes);
  auto second_model = testing::tiny_mlp();
  DarkExperienceReplayStrategy second(options);
  Trainer after(*second_model, second, train, 0);
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  after.load(in);
  EXPECT_EQ(second.memory().samples, 8);
  after.train(stream.experiences[2]);
  EXPECT_TRUE(torch::equal(uninterrupted.parameters().values(), after.parameters().values()));
}

}  // namespace
}  // namespace evergreen
