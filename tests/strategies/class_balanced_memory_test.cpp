#include "evergreen/strategies/class_balanced_memory.h"

#include <gtest/gtest.h>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

/// A skewed stream in random order: 100 rows of class 0, 30 of class 1, 15 of class 2, 8 of
/// class 3; "x" holds each row's position in the stream, so stored rows can be traced back.
Batch skewed_stream() {
  std::vector<int64_t> labels;
  for (auto [label, count] :
       std::vector<std::pair<int64_t, int64_t>>{{0, 100}, {1, 30}, {2, 15}, {3, 8}})
    labels.insert(labels.end(), count, label);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(3);
  auto order = torch::randperm(static_cast<int64_t>(labels.size()), generator, torch::kLong);
  auto y = torch::tensor(labels, torch::kLong).index_select(0, order);
  return Batch{{"x", torch::arange(y.size(0), torch::kLong).unsqueeze(1)}, {"y", y}};
}

// Once full, a class that lost or was refused a row holds at least (largest count - 1) rows; a
// class holding fewer kept every row it offered. Checked after every row of a skewed stream.
TEST(ClassBalancedMemory, StaysBalancedAndWithinCapacityOnASkewedStream) {
  Batch stream = skewed_stream();
  ClassBalancedMemory memory(20);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  std::map<int64_t, int64_t> offered;
  for (int64_t row = 0; row < stream.size(); ++row) {
    memory.add(stream.slice(row, row + 1), generator);
    ++offered[stream.at("y")[row].item<int64_t>()];
    ASSERT_LE(memory.size(), memory.capacity());
    ASSERT_EQ(memory.size(), std::min<int64_t>(row + 1, 20));
    if (memory.size() < memory.capacity()) continue;
    auto counts = memory.class_counts();
    int64_t largest = 0, total = 0;
    for (const auto& [label, count] : counts) {
      largest = std::max(largest, count);
      total += count;
    }
    ASSERT_EQ(total, 20);
    for (const auto& [label, count] : offered)
      ASSERT_TRUE(counts[label] >= largest - 1 || counts[label] == count)
          << "row " << row << ", class " << label << ": " << counts[label] << " held, " << largest
          << " in the largest class, " << count << " offered";
  }
  // Every class offered at least 5 rows, so the 20 slots end split exactly 5 / 5 / 5 / 5.
  EXPECT_EQ(memory.class_counts(), (std::map<int64_t, int64_t>{{0, 5}, {1, 5}, {2, 5}, {3, 5}}));
  EXPECT_EQ(memory.seen(), stream.size());

  // The stored rows are rows of the stream with their own labels, each at most once.
  Batch held = memory.contents();
  auto positions = held.at("x").squeeze(1);
  EXPECT_TRUE(torch::equal(stream.at("y").index_select(0, positions), held.at("y")));
  EXPECT_EQ(std::get<0>(torch::_unique(positions)).numel(), 20);
}

// Rows offered in chunks go through the same policy, row by row, with a row that takes a slot
// emptied earlier in the same chunk overriding it.
TEST(ClassBalancedMemory, ChunkedAddsBalanceToo) {
  Batch stream = skewed_stream();
  ClassBalancedMemory memory(20);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(2);
  for (int64_t begin = 0; begin < stream.size(); begin += 7)
    memory.add(stream.slice(begin, std::min<int64_t>(begin + 7, stream.size())), generator);
  EXPECT_EQ(memory.class_counts(), (std::map<int64_t, int64_t>{{0, 5}, {1, 5}, {2, 5}, {3, 5}}));
  Batch held = memory.contents();
  auto positions = held.at("x").squeeze(1);
  EXPECT_TRUE(torch::equal(stream.at("y").index_select(0, positions), held.at("y")));
  EXPECT_EQ(std::get<0>(torch::_unique(positions)).numel(), 20);
}

TEST(ClassBalancedMemory, SaveLoadRoundTripContinuesIdentically) {
  Batch stream = skewed_stream();
  ClassBalancedMemory memory(12);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(1);
  memory.add(stream.slice(0, 70), generator);
  torch::serialize::OutputArchive out;
  memory.save(out, "memory");
  std::stringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  ClassBalancedMemory restored(12);
  restored.load(in, "memory");
  EXPECT_TRUE(torch::equal(restored.contents().at("x"), memory.contents().at("x")));
  EXPECT_TRUE(torch::equal(restored.contents().at("y"), memory.contents().at("y")));
  EXPECT_EQ(restored.class_counts(), memory.class_counts());
  EXPECT_EQ(restored.seen(), 70);
  EXPECT_EQ(restored.bytes(), memory.bytes());

  // Evictions pick positions in per-class slot lists, so the lists' order was restored too.
  auto copy = generator.clone();
  memory.add(stream.slice(70, stream.size()), generator);
  restored.add(stream.slice(70, stream.size()), copy);
  EXPECT_TRUE(torch::equal(restored.contents().at("x"), memory.contents().at("x")));
}

TEST(ClassBalancedMemory, RejectsRowsWithoutIntegerLabels) {
  ClassBalancedMemory memory(4);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  EXPECT_THROW(memory.add(Batch{{"x", torch::zeros({2, 1})}, {"y", torch::zeros({2})}}, generator),
               InputError);
  EXPECT_THROW(ClassBalancedMemory(0), InputError);
}

}  // namespace
}  // namespace evergreen
