// The `event_sequences` stream: one event file split into train and test, refused with a
// message naming the file when the split cannot be scored, and sized before it is allocated.
#include "evergreen/data/tpp/event_streams.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "evergreen/core/resource_bounds.h"
#include "evergreen/models/model_registry.h"
#include "test_support.h"

namespace evergreen {
namespace {

using testing::input_error_of;

// EasyTPP JSON lines: one record per entry of `lengths`, events at times 0, 1, 2, ...
std::string easytpp_lines(const std::vector<int>& lengths, int64_t dim_process = 2) {
  std::string text;
  for (size_t index = 0; index < lengths.size(); ++index) {
    std::vector<std::string> times, gaps, types;
    for (int i = 0; i < lengths[index]; ++i) {
      times.push_back(std::to_string(i));
      gaps.push_back(i == 0 ? "0" : "1");
      types.push_back(std::to_string(i % 2));
    }
    text += fmt::format(
        "{{\"dim_process\": {}, \"seq_idx\": {}, \"seq_len\": {}, \"time_since_start\": [{}], "
        "\"time_since_last_event\": [{}], \"type_event\": [{}]}}\n",
        dim_process, index, lengths[index], fmt::join(times, ", "), fmt::join(gaps, ", "),
        fmt::join(types, ", "));
  }
  return text;
}

class EventSequenceStream : public testing::FileTest {
 protected:
  Stream make(const std::string& file, const std::string& more = "") {
    Options options(YAML::Load("{format: easytpp, path: '" + file + "'" + more + "}"), "stream",
                    "run.yaml");
    return make_event_sequence_stream(options);
  }
  std::string error(const std::string& file, const std::string& more = "") {
    return input_error_of([&] { make(file, more); });
  }
};

TEST_F(EventSequenceStream, SplitsTheFileByIndexRanges) {
  std::string file = write("four.jsonl", easytpp_lines({3, 4, 2, 5}));
  Stream stream = make(file);
  ASSERT_EQ(stream.experiences.size(), 1u);
  EXPECT_EQ(stream.experiences[0].train.size(), 3);  // the first 3/4
  EXPECT_EQ(stream.experiences[0].test.size(), 1);
  EXPECT_EQ(stream.spec.num_event_types, 2);
}

// Sequences of one event score nothing (the first event only starts the history): the run
// reported NLL 0.0, a perfect model, with exit 0.
TEST_F(EventSequenceStream, ASplitOfSingleEventSequencesIsRefusedNamingTheFile) {
  std::vector<int> lengths(40, 3);
  lengths.insert(lengths.end(), 40, 1);
  std::string file = write("single.jsonl", easytpp_lines(lengths));
  EXPECT_EQ(error(file, ", train: 0-39, test: 40-79"),
            file +
                ": the test split's 40 sequences (range 40-79) hold 1 event each: a sequence "
                "needs >= 2 events to be scored (the first only starts the history); give "
                "sequences with more events");
  EXPECT_NE(error(file, ", train: 40-79, test: 0-39")
                .find(file + ": the training split's 40 "
                             "sequences (range 40-79)"),
            std::string::npos);
  // One scored event anywhere in the split is enough.
  EXPECT_EQ(error(file, ", train: 0-39, test: 39-79"), "no error");
}

// A file of one sequence has no default split: the message blamed `stream.train`, a key the
// user never wrote ("expected a range A-B within 0-0, got '0--1'").
TEST_F(EventSequenceStream, OneSequenceWithoutExplicitRangesNamesTheFileAndTheFix) {
  std::string file = write("one.jsonl", easytpp_lines({5}));
  std::string message = error(file);
  EXPECT_EQ(message.find("0--1"), std::string::npos) << message;
  EXPECT_NE(message.find(file + ": holds 1 sequence: the default split"), std::string::npos)
      << message;
  EXPECT_NE(message.find("give a file with more sequences, or set stream.train and stream.test"),
            std::string::npos)
      << message;
  // The fix the message gives works.
  Stream stream = make(file, ", train: 0-0, test: 0-0");
  EXPECT_EQ(stream.experiences[0].train.size(), 1);
  EXPECT_EQ(stream.experiences[0].test.size(), 1);
  // Two sequences have a default split.
  EXPECT_EQ(error(write("two.jsonl", easytpp_lines({5, 4}))), "no error");
}

// dim_process sizes every per-type table: 1e12 is refused by the reader (its table of type
// ids), a smaller typo by the model's type tables, each with the estimate and the file named.
TEST_F(EventSequenceStream, AHugeDimProcessIsRefusedBeforeAllocating) {
  set_memory_budget_bytes(64.0 * (1 << 20));
  std::string huge = write("huge.jsonl", easytpp_lines({3, 3}, 1000000000000));
  std::string message = error(huge);
  EXPECT_NE(message.find(huge + ":1: sequence 1: field 'dim_process' = 1000000000000"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("would allocate about 7.28 TiB, more than the memory budget of 64 MiB"),
            std::string::npos)
      << message;

  std::string large = write("large.jsonl", easytpp_lines({3, 3}, 1000000));
  Stream stream = make(large);
  for (const char* model : {"nhp", "attnhp", "thp"}) {
    Options model_options(YAML::Node(YAML::NodeType::Map), "model", "run.yaml");
    std::string refused =
        input_error_of([&] { model_registry().find(model, "test").make(model_options, stream); });
    EXPECT_NE(refused.find(fmt::format("model '{}': 1000000 event types (stream '{}': an event "
                                       "file's dim_process",
                                       model, large)),
              std::string::npos)
        << refused;
    EXPECT_NE(refused.find("would allocate about 977 MiB, more than the memory budget"),
              std::string::npos)
        << refused;
  }
  set_memory_budget_bytes(0);
}

}  // namespace
}  // namespace evergreen
