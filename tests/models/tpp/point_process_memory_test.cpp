// The point-process models refuse, with the estimate, sizes set by the number of event types
// that would not fit the memory budget: their per-type tables at construction, every type's
// intensity at every integral point at the forward pass.
#include "evergreen/models/tpp/point_process_memory.h"

#include <gtest/gtest.h>

#include <string>

#include "evergreen/core/resource_bounds.h"
#include "evergreen/models/tpp/attentive_neural_hawkes.h"
#include "evergreen/models/tpp/neural_hawkes.h"
#include "evergreen/models/tpp/transformer_hawkes.h"
#include "test_support.h"

namespace evergreen {
namespace {

using testing::input_error_of;

class PointProcessMemory : public ::testing::Test {
 protected:
  void SetUp() override { set_memory_budget_bytes(double{1 << 30}); }
  void TearDown() override { set_memory_budget_bytes(0); }
};

TEST_F(PointProcessMemory, TypeTablesBeyondTheBudgetAreRefusedAtConstruction) {
  const int64_t types = 100000000;  // dim_process: 1e8
  std::string message = input_error_of([&] { NeuralHawkes(NeuralHawkesOptions(types)); });
  EXPECT_EQ(message,
            "nhp: 100000000 event types: 2 per-type tables of 100000000 x 32 float32 values, with "
            "their gradients and optimiser moments: would allocate about 95.4 GiB, more than the "
            "memory budget of 1 GiB (memory_budget_gb in the config, or "
            "EVERGREEN_MEMORY_BUDGET_GB)");
  EXPECT_NE(input_error_of([&] {
              AttentiveNeuralHawkes(AttentiveNeuralHawkesOptions(types));
            }).find("attnhp: 100000000 event types: 2 per-type tables"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] {
              TransformerHawkes(TransformerHawkesOptions(types));
            }).find("thp: 100000000 event types: 2 per-type tables"),
            std::string::npos);
  EXPECT_EQ(input_error_of([&] { NeuralHawkes(NeuralHawkesOptions(1000)); }), "no error");
}

// Tables that fit can still make the forward pass's per-type intensities too large: 64
// sequences of 200 events, 20 points each, 100,000 types is about 98 GiB of float32.
TEST_F(PointProcessMemory, PerTypeIntensitiesBeyondTheBudgetAreRefusedAtTheForwardPass) {
  const int64_t types = 100000, rows = 64, length = 200;
  Batch batch{{"times", torch::arange(length, torch::kFloat).repeat({rows, 1})},
              {"types", torch::zeros({rows, length}, torch::kLong)},
              {"mask", torch::ones({rows, length})}};
  TransformerHawkes thp(TransformerHawkesOptions(types).hidden_size(2).num_heads(1));
  std::string message = input_error_of([&] { thp->forward(batch); });
  EXPECT_NE(message.find("thp: intensities of 64 sequences x 200 positions x 20 x 100000 event "
                         "types: would allocate about 95.4 GiB"),
            std::string::npos)
      << message;
  AttentiveNeuralHawkes attnhp(
      AttentiveNeuralHawkesOptions(types).hidden_size(2).num_heads(1).time_embedding_size(2));
  EXPECT_NE(input_error_of([&] { attnhp->forward(batch); }).find("attnhp: intensities of"),
            std::string::npos);
  NeuralHawkes nhp(NeuralHawkesOptions(types).hidden_size(100));
  EXPECT_NE(input_error_of([&] {
              nhp->forward(batch);
            }).find("nhp: read-out gradients of 64 sequences x 1 positions x 101 x 100000"),
            std::string::npos);
}

}  // namespace
}  // namespace evergreen
