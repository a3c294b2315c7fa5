#include "evergreen/green/flops.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

TEST(FlopsTest, LinearMacsByHand) {
  EXPECT_EQ(linear_macs(3, 2), 6);              // one row: 3 inputs x 2 outputs
  EXPECT_EQ(linear_macs(64, 32, 128), 262144);  // 64 * 32 * 128
  EXPECT_EQ(linear_macs(10, 1, 0), 0);          // no rows, no work
}

// Every weight of a Linear layer takes part in exactly one multiply-add per row (the bias in
// none), so the count is the weight's element count times the rows.
TEST(FlopsTest, LinearMacsEqualWeightUsesOfATorchLayer) {
  torch::nn::Linear layer(torch::nn::LinearOptions(7, 5).bias(true));
  EXPECT_EQ(linear_macs(7, 5, 11), layer->weight.numel() * 11);
}

TEST(FlopsTest, LstmMacsByHand) {
  EXPECT_EQ(lstm_macs(2, 3, 1), 60);          // 4 * 3 * (2 + 3)
  EXPECT_EQ(lstm_macs(8, 16, 24), 36864);     // 4 * 16 * 24 per step, 24 steps
  EXPECT_EQ(lstm_macs(8, 16, 24, 2), 73728);  // two sequences
  EXPECT_EQ(lstm_macs(8, 16, 0), 0);
}

// Each step multiplies the input by W_ih (4H x I) and the state by W_hh (4H x H) once.
TEST(FlopsTest, LstmMacsEqualWeightUsesOfATorchLstm) {
  torch::nn::LSTM lstm(torch::nn::LSTMOptions(5, 9));
  int64_t weights_per_step = lstm->named_parameters()["weight_ih_l0"].numel() +
                             lstm->named_parameters()["weight_hh_l0"].numel();
  EXPECT_EQ(lstm_macs(5, 9, 13), weights_per_step * 13);
}

TEST(FlopsTest, TrainingIsThreeForwardPasses) {
  EXPECT_EQ(training_macs(100), 300);
  EXPECT_EQ(training_macs(linear_macs(64, 32, 128)), 786432);
  EXPECT_EQ(training_macs(0), 0);
}

TEST(FlopsTest, NegativeSizesAndOverflowAreInputErrors) {
  EXPECT_THROW(linear_macs(-1, 2), InputError);
  EXPECT_THROW(lstm_macs(2, -3, 1), InputError);
  EXPECT_THROW(training_macs(-5), InputError);
  int64_t big = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_THROW(linear_macs(big, 3), InputError);
  EXPECT_THROW(lstm_macs(1, big, 1), InputError);
  EXPECT_THROW(training_macs(big), InputError);
}

}  // namespace
}  // namespace evergreen
