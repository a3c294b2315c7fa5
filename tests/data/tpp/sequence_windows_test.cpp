// Cutting sequences into windows: hand-worked cuts, and the property the benchmarks rely on (the
// windows hold every gap of the sequence, so the truth can be scored on them).
#include "evergreen/data/tpp/sequence_windows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "evergreen/core/error.h"
#include "test_support.h"

namespace evergreen {
namespace {

std::vector<double> gaps_of(const MarkedSequence& sequence, double origin = 0.0) {
  std::vector<double> gaps;
  double previous = origin;
  for (double time : sequence.times) {
    gaps.push_back(time - previous);
    previous = time;
  }
  return gaps;
}

TEST(SequenceWindows, CutsAsWorkedByHand) {
  // times {1, 2, 4, 7, 11}, windows of 2: {1, 2}; {4, 7} counted from 2; the lone 11 is dropped.
  MarkedSequence sequence{{1, 2, 4, 7, 11}, {0, 1, 0, 1, 0}};
  auto windows = cut_into_windows({sequence}, 2);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0].times, (std::vector<double>{1, 2}));
  EXPECT_EQ(windows[0].types, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(windows[1].times, (std::vector<double>{2, 5}));
  EXPECT_EQ(windows[1].types, (std::vector<int64_t>{0, 1}));
  // Windows of 3: {1, 2, 4} and {3, 7} counted from 4.
  windows = cut_into_windows({sequence}, 3);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[1].times, (std::vector<double>{3, 7}));
  EXPECT_EQ(windows[1].types, (std::vector<int64_t>{1, 0}));
  // A window at least as long as the sequence keeps it whole.
  windows = cut_into_windows({sequence}, 8);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].times, sequence.times);
}

TEST(SequenceWindows, KeepEveryGapInOrder) {
  std::mt19937_64 random(3);
  std::vector<MarkedSequence> sequences(4);
  for (size_t s = 0; s < sequences.size(); ++s) {
    double time = 0;
    for (size_t i = 0; i < 37 + 10 * s; ++i) {
      time += 0.1 + static_cast<double>(random() % 1000) / 250.0;
      sequences[s].times.push_back(time);
      sequences[s].types.push_back(static_cast<int64_t>(random() % 3));
    }
  }
  for (int64_t size : {2, 5, 16, 64}) {
    auto windows = cut_into_windows(sequences, size);
    std::vector<double> from_windows, expected;
    std::vector<int64_t> types_from_windows, expected_types;
    for (const auto& window : windows) {
      EXPECT_GE(window.size(), 2) << size;
      EXPECT_LE(window.size(), size);
      for (double gap : gaps_of(window)) from_windows.push_back(gap);
      types_from_windows.insert(types_from_windows.end(), window.types.begin(), window.types.end());
    }
    for (const auto& sequence : sequences) {
      // A sequence of n events loses its last one when (n - 1) is a multiple of the size.
      auto kept = sequence.size() % size == 1 ? sequence.size() - 1 : sequence.size();
      auto gaps = gaps_of(sequence);
      expected.insert(expected.end(), gaps.begin(), gaps.begin() + kept);
      expected_types.insert(expected_types.end(), sequence.types.begin(),
                            sequence.types.begin() + kept);
    }
    ASSERT_EQ(from_windows.size(), expected.size()) << size;
    for (size_t i = 0; i < expected.size(); ++i)
      EXPECT_NEAR(from_windows[i], expected[i], 1e-12) << size << " gap " << i;
    EXPECT_EQ(types_from_windows, expected_types) << size;
  }
}

TEST(SequenceWindows, RejectsWindowsOfOneEvent) {
  EXPECT_THROW(cut_into_windows({MarkedSequence{{1, 2}, {0, 0}}}, 1), InputError);
}

TEST(SequenceWindows, SelectsAndTruncatesSequences) {
  EventDataset data;
  data.num_types = 1;
  for (int s = 0; s < 5; ++s) data.sequences.push_back({{0.5 * s, 1.0 + s, 2.0 + s}, {0, 0, 0}});
  auto selected = select_sequences(data, 1, 4, 2);
  ASSERT_EQ(selected.size(), 3u);
  EXPECT_EQ(selected[0].times, (std::vector<double>{0.5, 2.0}));
  EXPECT_EQ(selected[2].types.size(), 2u);
  EXPECT_EQ(select_sequences(data, 0, 5).front().size(), 3);
  auto message = testing::input_error_of([&] { select_sequences(data, 3, 6); });
  EXPECT_NE(message.find("5 sequences"), std::string::npos) << message;
}

TEST(SequenceWindows, PadsToTheLongest) {
  auto batch =
      pad_to_longest({MarkedSequence{{1, 2}, {0, 1}}, MarkedSequence{{1, 2, 3}, {1, 1, 0}}});
  EXPECT_EQ(batch.at("times").sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_FLOAT_EQ(batch.at("mask").sum().item<float>(), 5.0f);
}

}  // namespace
}  // namespace evergreen
