#include "evergreen/run/trainer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "evergreen/strategies/naive.h"
#include "strategies/strategy_test_support.h"
#include "test_support.h"

namespace evergreen {
namespace {

// A strategy with one parameter of its own, w (a scalar), whose extra loss is c * w: its
// gradient is exactly c, whatever the model does.
class ScalarGroupStrategy : public Strategy {
 public:
  ScalarGroupStrategy(double coefficient, double learning_rate, bool restart)
      : coefficient_(coefficient), learning_rate_(learning_rate), restart_(restart) {
    holder_ = std::make_shared<torch::nn::Module>();
    weight_ = holder_->register_parameter("w", torch::ones({1}, torch::kFloat));
    parameters_ = FlatParameters(*holder_);
  }
  torch::Tensor extra_loss(TrainingContext&, const Batch&, const Batch&) override {
    return coefficient_ * weight_.sum();
  }
  std::vector<ParameterGroup> parameter_groups() override {
    ParameterGroup group;
    group.name = "scalar";
    group.parameters = &parameters_;
    group.learning_rate = learning_rate_;
    group.restart_each_experience = restart_;
    return {group};
  }
  void save(torch::serialize::OutputArchive& archive) const override {
    archive.write("scalar_values", parameters_.values());
  }
  void load(torch::serialize::InputArchive& archive) override {
    torch::Tensor values;
    archive.read("scalar_values", values);
    torch::NoGradGuard no_grad;
    parameters_.values().copy_(values);
  }
  double weight() const { return weight_.item<double>(); }

 private:
  double coefficient_, learning_rate_;
  bool restart_;
  std::shared_ptr<torch::nn::Module> holder_;
  torch::Tensor weight_;
  FlatParameters parameters_;
};

int64_t steps_per_experience(int64_t rows, int64_t batch_size, int64_t epochs) {
  return epochs * ((rows + batch_size - 1) / batch_size);
}

TEST(Trainer, StepsAStrategysParameterGroupWithItsOwnLearningRate) {
  auto stream = testing::tiny_forecasting_stream(1, 16);
  auto model = testing::tiny_mlp();
  // Plain SGD: every step moves w by -learning_rate * c exactly.
  ScalarGroupStrategy strategy(/*coefficient=*/0.5, /*learning_rate=*/0.25, false);
  Trainer trainer(*model, strategy, TrainOptions().epochs(2).batch_size(8).optimizer("sgd"), 0);
  trainer.train(stream.experiences[0]);
  const int64_t steps = steps_per_experience(stream.experiences[0].train.size(), 8, 2);
  EXPECT_NEAR(strategy.weight(), 1.0 - steps * 0.25 * 0.5, 1e-6);
}

TEST(Trainer, AParameterGroupWithoutItsOwnRateTakesTheTrainers) {
  auto stream = testing::tiny_forecasting_stream(1, 16);
  auto model = testing::tiny_mlp();
  ScalarGroupStrategy strategy(/*coefficient=*/2.0, /*learning_rate=*/0, false);
  Trainer trainer(*model, strategy,
                  TrainOptions().epochs(1).batch_size(16).optimizer("sgd").learning_rate(0.125), 0);
  trainer.train(stream.experiences[0]);
  EXPECT_NEAR(strategy.weight(), 1.0 - 0.125 * 2.0, 1e-6);
}

// Momentum is optimiser state: kept across experiences unless the group restarts, and carried
// by the checkpoint so that a resumed trainer continues bit for bit.
TEST(Trainer, ParameterGroupStateTravelsInTheCheckpointAndRestartsWhenAsked) {
  auto stream = testing::tiny_forecasting_stream(2, 16);
  const auto options = TrainOptions().epochs(1).batch_size(16).optimizer("sgd").momentum(0.5);
  auto run = [&](bool restart, bool resume) {
    auto model = testing::tiny_mlp();
    ScalarGroupStrategy strategy(1.0, 0.1, restart);
    Trainer trainer(*model, strategy, options, 0);
    trainer.train(stream.experiences[0]);
    if (!resume) {
      trainer.train(stream.experiences[1]);
      return strategy.weight();
    }
    torch::serialize::OutputArchive out;
    trainer.save(out);
    std::stringstream bytes;
    out.save_to(bytes);
    auto fresh_model = testing::tiny_mlp();
    ScalarGroupStrategy fresh(1.0, 0.1, restart);
    Trainer resumed(*fresh_model, fresh, options, 0);
    torch::serialize::InputArchive in;
    in.load_from(bytes);
    resumed.load(in);
    resumed.train(stream.experiences[1]);
    return fresh.weight();
  };
  // One step per experience with gradient 1: momentum buffer b1 = 1, b2 = 0.5 * 1 + 1 = 1.5.
  EXPECT_NEAR(run(false, false), 1.0 - 0.1 * 1.0 - 0.1 * 1.5, 1e-6);
  EXPECT_NEAR(run(true, false), 1.0 - 0.1 * 1.0 - 0.1 * 1.0, 1e-6);
  EXPECT_EQ(run(false, true), run(false, false));
}

TEST(Trainer, DeviceNamesAreCheckedInOneLine) {
  EXPECT_EQ(parse_device("cpu", "train.device"), torch::Device(torch::kCPU));
  EXPECT_NE(testing::input_error_of([] {
              parse_device("gpu", "run.yaml: field 'train.device'");
            }).find("run.yaml: field 'train.device': expected cpu, cuda or cuda:N, got 'gpu'"),
            std::string::npos);
  if (!torch::cuda::is_available()) {
    std::string message = testing::input_error_of([] { parse_device("cuda", "train.device"); });
    EXPECT_NE(message.find("sees no CUDA device"), std::string::npos) << message;
  } else {
    EXPECT_NE(
        testing::input_error_of([] { parse_device("cuda:x", "train.device"); }).find("cuda:N"),
        std::string::npos);
  }
}

}  // namespace
}  // namespace evergreen
