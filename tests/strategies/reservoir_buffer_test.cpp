#include "evergreen/strategies/reservoir_buffer.h"

#include <gtest/gtest.h>

namespace evergreen {
namespace {

Batch numbered_rows(int64_t begin, int64_t end) {
  return Batch{{"id", torch::arange(begin, end, torch::kLong)}};
}

// Reservoir sampling keeps every item of the stream with the same probability capacity / n.
// Over many independent streams, the inclusion counts of the n items must pass a chi-square
// test of uniformity. Items arrive in batches of varying size to exercise the batched update.
TEST(ReservoirBuffer, InclusionIsUniformOverTheStream) {
  const int64_t items = 60, capacity = 10, trials = 6000;
  std::vector<double> counts(items, 0.0);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(2024);
  for (int64_t trial = 0; trial < trials; ++trial) {
    ReservoirBuffer buffer(capacity);
    int64_t begin = 0;
    for (int64_t size : {7, 1, 13, 20, 19}) {
      buffer.add(numbered_rows(begin, begin + size), generator);
      begin += size;
    }
    ASSERT_EQ(begin, items);
    ASSERT_EQ(buffer.size(), capacity);
    auto held = buffer.contents().at("id");
    for (int64_t i = 0; i < held.size(0); ++i) counts[held[i].item<int64_t>()] += 1;
  }
  const double expected = static_cast<double>(trials * capacity) / items;  // 1000 per item
  double chi_square = 0;
  for (double count : counts) chi_square += (count - expected) * (count - expected) / expected;
  // 59 degrees of freedom: the 0.999 quantile is 98.3. (The inclusions within one trial are
  // slightly negatively correlated, which only makes the statistic smaller.)
  EXPECT_LT(chi_square, 98.3);
  // A biased policy (keep the first `capacity` items) fails the same test.
  std::vector<double> biased(items, 0.0);
  for (int64_t i = 0; i < capacity; ++i) biased[i] = static_cast<double>(trials);
  double biased_chi_square = 0;
  for (double count : biased) biased_chi_square += (count - expected) * (count - expected) / expected;
  EXPECT_GT(biased_chi_square, 98.3);
}

TEST(ReservoirBuffer, NeverExceedsCapacityAndSamplesDistinctRows) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(1);
  ReservoirBuffer buffer(5);
  buffer.add(numbered_rows(0, 3), generator);
  EXPECT_EQ(buffer.size(), 3);
  EXPECT_EQ(buffer.sample(10, generator).size(), 3);
  buffer.add(numbered_rows(3, 100), generator);
  EXPECT_EQ(buffer.size(), 5);
  EXPECT_EQ(buffer.seen(), 100);
  EXPECT_EQ(buffer.bytes(), 5 * 8);
  auto sample = buffer.sample(4, generator).at("id");
  EXPECT_EQ(std::get<0>(torch::_unique(sample)).numel(), 4);
}

TEST(ReservoirBuffer, SaveAndLoadRoundTripBitForBit) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(3);
  ReservoirBuffer buffer(4);
  buffer.add(Batch{{"x", torch::randn({9, 3})}, {"y", torch::randn({9, 2})}}, generator);
  torch::serialize::OutputArchive out;
  buffer.save(out, "memory");
  std::stringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  ReservoirBuffer loaded(4);
  loaded.load(in, "memory");
  EXPECT_EQ(loaded.seen(), 9);
  EXPECT_TRUE(torch::equal(loaded.contents().at("x"), buffer.contents().at("x")));
  EXPECT_TRUE(torch::equal(loaded.contents().at("y"), buffer.contents().at("y")));
}

}  // namespace
}  // namespace evergreen
