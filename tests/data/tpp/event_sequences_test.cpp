#include "evergreen/data/tpp/event_sequences.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "evergreen/core/error.h"
#include "test_support.h"

namespace evergreen {
namespace {

using evergreen::testing::input_error_of;

// Every part must be in the message, and the message must be one line.
void expect_error_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

class EventSequenceFiles : public testing::FileTest {};

// ---------------------------------------------------------------------------------------------
// EasyTPP JSON

class EasytppJsonTest : public EventSequenceFiles {
 protected:
  // One EasyTPP record; the arrays are given as JSON text so tests can break them.
  static std::string record(int64_t dim, int64_t index, int64_t length, const std::string& times,
                            const std::string& gaps, const std::string& types) {
    return fmt::format(
        "{{\"dim_process\": {}, \"seq_idx\": {}, \"seq_len\": {}, \"time_since_start\": {}, "
        "\"time_since_last_event\": {}, \"type_event\": {}}}",
        dim, index, length, times, gaps, types);
  }

  std::string read_error(const std::string& contents) {
    std::string file = write("bad.jsonl", contents);
    return input_error_of([&] { read_easytpp_json(file); });
  }
};

TEST_F(EasytppJsonTest, ReadsJsonLines) {
  std::string file =
      write("train.jsonl", record(3, 0, 3, "[0, 0.5, 2.0]", "[0, 0.5, 1.5]", "[2, 0, 2]") + "\n" +
                               record(3, 1, 1, "[4.25]", "[0]", "[1]") + "\n\n");
  EventDataset data = read_easytpp_json(file);
  ASSERT_EQ(data.sequences.size(), 2u);
  EXPECT_EQ(data.sequences[0].times, (std::vector<double>{0.0, 0.5, 2.0}));
  EXPECT_EQ(data.sequences[0].types, (std::vector<int64_t>{2, 0, 2}));
  EXPECT_EQ(data.sequences[1].times, (std::vector<double>{4.25}));
  EXPECT_EQ(data.sequences[1].types, (std::vector<int64_t>{1}));
  EXPECT_EQ(data.num_types, 3);
  EXPECT_EQ(data.original_type_ids, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(data.num_events(), 4);
}

TEST_F(EasytppJsonTest, ReadsArrayFileAndFirstGapEqualToFirstTime) {
  // Pretty-printed array; the first gap is the first time (clock started before the sequence),
  // and gaps that are rounded copies of the differences pass.
  std::string file =
      write("dev.json", "[\n  " + record(2, 0, 2, "[1.5, 2.0]", "[1.5, 0.5000000001]", "[1, 1]") +
                            ",\n  {\"dim_process\": 2,\n   \"seq_idx\": 1, \"seq_len\": 1,\n"
                            "   \"time_since_start\": [0.0], \"time_since_last_event\": [0.0],\n"
                            "   \"type_event\": [0]}\n]\n");
  EventDataset data = read_easytpp_json(file);
  ASSERT_EQ(data.sequences.size(), 2u);
  EXPECT_EQ(data.sequences[0].times, (std::vector<double>{1.5, 2.0}));
  EXPECT_EQ(data.sequences[0].types, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(data.sequences[1].types, (std::vector<int64_t>{0}));
  EXPECT_EQ(data.num_types, 2);
}

TEST_F(EasytppJsonTest, ErrorsNameFileLineAndField) {
  const std::string good = record(3, 0, 2, "[0, 1]", "[0, 1]", "[0, 1]") + "\n";
  expect_error_mentions(
      read_error(good + record(3, 1, 3, "[0, 1]", "[0, 1]", "[0, 1]")),
      {"bad.jsonl:2:", "sequence 2", "'time_since_start'", "expected seq_len = 3 values, got 2"});
  expect_error_mentions(read_error(good + record(3, 1, 2, "[0, 1]", "[0, 1]", "[0, 3]")),
                        {"bad.jsonl:2:", "'type_event'[1]", "[0, dim_process = 3)", "got 3"});
  expect_error_mentions(read_error(good + record(3, 1, 2, "[0, 1]", "[0, 1]", "[0, -1]")),
                        {"bad.jsonl:2:", "'type_event'[1]", "got -1"});
  expect_error_mentions(read_error(record(3, 0, 2, "[0, 1]", "[0, 1]", "[0, 1.5]")),
                        {"bad.jsonl:1:", "'type_event'[1]", "expected an integer", "1.5"});
  expect_error_mentions(read_error(record(3, 0, 3, "[0, 2, 1]", "[0, 2, -1]", "[0, 1, 1]")),
                        {"bad.jsonl:1:", "'time_since_start'[2]", "non-decreasing"});
  expect_error_mentions(read_error(record(3, 0, 3, "[0, 1, 3]", "[0, 1, 1]", "[0, 1, 1]")),
                        {"bad.jsonl:1:", "'time_since_last_event'[2]", "= 2", "got 1"});
  expect_error_mentions(read_error(record(3, 0, 2, "[1, 2]", "[0.5, 1]", "[0, 1]")),
                        {"bad.jsonl:1:", "'time_since_last_event'[0]", "expected 0 or"});
  expect_error_mentions(read_error(good + record(4, 1, 2, "[0, 1]", "[0, 1]", "[0, 1]")),
                        {"bad.jsonl:2:", "'dim_process'", "expected 3", "got 4"});
  expect_error_mentions(read_error(good + record(3, 1, 2, "[0, \"a\"]", "[0, 1]", "[0, 1]")),
                        {"bad.jsonl:2:", "'time_since_start'[1]", "expected a number"});
  expect_error_mentions(read_error(good + "{\"dim_process\": 3, \"seq_idx\": 1}\n"),
                        {"bad.jsonl:2:", "field 'seq_len' is missing"});
  expect_error_mentions(read_error(good + good + record(3, 2, 2, "[0, NaN]", "[0, 1]", "[0, 1]")),
                        {"bad.jsonl:3:", "invalid JSON"});
  expect_error_mentions(read_error(good + "[1, 2]\n"), {"bad.jsonl:2:", "expected a JSON object"});
  expect_error_mentions(read_error("\n\n"), {"bad.jsonl:1:", "no sequences"});
  expect_error_mentions(read_error(good + "{\"dim_process\": 3,\n"),
                        {"bad.jsonl:2:", "not closed"});
}

TEST_F(EasytppJsonTest, ErrorInsideArrayNamesTheRecordsLine) {
  std::string file = write("dev.json", "[\n" + record(2, 0, 1, "[0]", "[0]", "[0]") + ",\n\n" +
                                           record(2, 1, 1, "[0]", "[0]", "[7]") + "\n]\n");
  expect_error_mentions(input_error_of([&] { read_easytpp_json(file); }),
                        {"dev.json:4:", "sequence 2", "'type_event'[0]", "got 7"});
  std::string unclosed = write("open.json", "[\n" + record(2, 0, 1, "[0]", "[0]", "[0]") + "\n");
  expect_error_mentions(input_error_of([&] { read_easytpp_json(unclosed); }),
                        {"open.json:", "not closed"});
}

TEST_F(EasytppJsonTest, MissingFile) {
  expect_error_mentions(input_error_of([&] { read_easytpp_json(directory_.file("none.json")); }),
                        {"none.json", "not found"});
}

// ---------------------------------------------------------------------------------------------
// RMTPP paired text files

class RmtppTextTest : public EventSequenceFiles {
 protected:
  std::string read_error(const std::string& events, const std::string& times) {
    std::string event_file = write("event-1-test.txt", events);
    std::string time_file = write("time-1-test.txt", times);
    return input_error_of([&] { read_rmtpp_text(event_file, time_file); });
  }
};

TEST_F(RmtppTextTest, ReadsSequencesAndMapsTypesInSortedOrder) {
  // Trailing spaces, CRLF and trailing blank lines as real files have them.
  std::string events = write("event.txt", "7 3 7 \r\n100 3\r\n\r\n");
  std::string times = write("time.txt", "0 1.5 1.5 \r\n2 4.25\r\n\n");
  EventDataset data = read_rmtpp_text(events, times);
  ASSERT_EQ(data.sequences.size(), 2u);
  // Raw ids {3, 7, 100} become 0, 1, 2.
  EXPECT_EQ(data.sequences[0].types, (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(data.sequences[0].times, (std::vector<double>{0.0, 1.5, 1.5}));
  EXPECT_EQ(data.sequences[1].types, (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(data.sequences[1].times, (std::vector<double>{2.0, 4.25}));
  EXPECT_EQ(data.num_types, 3);
  EXPECT_EQ(data.original_type_ids, (std::vector<int64_t>{3, 7, 100}));
  EXPECT_EQ(data.num_events(), 5);
}

TEST_F(RmtppTextTest, NegativeIdsSortBeforePositiveOnes) {
  std::string events = write("event.txt", "5 -2\n0\n");
  std::string times = write("time.txt", "1 2\n3\n");
  EventDataset data = read_rmtpp_text(events, times);
  EXPECT_EQ(data.original_type_ids, (std::vector<int64_t>{-2, 0, 5}));
  EXPECT_EQ(data.sequences[0].types, (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(data.sequences[1].types, (std::vector<int64_t>{1}));
}

TEST_F(RmtppTextTest, RaggedLineNamesBothFilesAndTheLine) {
  expect_error_mentions(read_error("1 2\n1 2 3\n", "0 1\n0 1\n"),
                        {"event-1-test.txt:2", "time-1-test.txt:2", "3 event types", "2 times"});
  expect_error_mentions(read_error("1 2\n1 2\n1\n", "0 1\n0 1\n"),
                        {"event-1-test.txt has 3 lines", "time-1-test.txt has 2"});
}

TEST_F(RmtppTextTest, NonNumericFieldsNameLineAndColumn) {
  expect_error_mentions(
      read_error("1 2\n1 x2\n", "0 1\n0 1\n"),
      {"event-1-test.txt:2:3:", "event 2", "expected an integer event type", "'x2'"});
  expect_error_mentions(read_error("1 2.5\n", "0 1\n"), {"event-1-test.txt:1:3:", "'2.5'"});
  expect_error_mentions(read_error("1 2\n1 2\n", "0 1\n0  1,5\n"),
                        {"time-1-test.txt:2:4:", "event 2", "expected a number", "'1,5'"});
}

TEST_F(RmtppTextTest, DecreasingTimesAndNonFiniteValues) {
  expect_error_mentions(
      read_error("1 2 3\n", "0 2.5 1\n"),
      {"time-1-test.txt:1:7:", "event 3", "earlier", "negative gap -1.5", "non-decreasing"});
  expect_error_mentions(read_error("1 2\n", "0 nan\n"),
                        {"time-1-test.txt:1:3:", "event 2", "finite", "'nan'"});
  expect_error_mentions(read_error("1 2\n", "-inf 0\n"),
                        {"time-1-test.txt:1:1:", "event 1", "finite", "'-inf'"});
}

TEST_F(RmtppTextTest, BlankAndMissingInput) {
  expect_error_mentions(read_error("1\n\n2\n", "0\n\n1\n"), {"event-1-test.txt:2:", "blank line"});
  expect_error_mentions(read_error("\n", "\n"), {"event-1-test.txt:1:", "no sequences"});
  std::string times = write("time.txt", "0\n");
  expect_error_mentions(
      input_error_of([&] { read_rmtpp_text(directory_.file("gone.txt"), times); }),
      {"gone.txt", "not found"});
}

// ---------------------------------------------------------------------------------------------
// NumPy .npz

void put(std::string* out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint32_t crc32_of(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
  }
  return ~crc;
}

// A .npy array: `header_dict` as NumPy writes it, then the doubles in little-endian order.
std::string npy(const std::string& header_dict, const std::vector<double>& values,
                int version = 1) {
  const size_t prefix = version == 1 ? 10 : 12;
  std::string header = header_dict;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(version));
  out.push_back('\0');
  put(&out, header.size(), version == 1 ? 2 : 4);
  out += header;
  for (double value : values) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    put(&out, bits, 8);
  }
  return out;
}

std::string npy_2d(int64_t rows, int64_t columns, const std::vector<double>& values) {
  return npy(
      fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}", rows, columns),
      values);
}

struct ZipMember {
  std::string name;
  std::string data;
  bool deflate = false;      // method 8, as np.savez_compressed writes
  bool zip64_local = false;  // placeholder sizes in the local header, as np.savez writes
  bool corrupt_crc = false;
};

// Deflate's stored blocks (BTYPE 00) are valid compressed data that needs no compressor here.
std::string deflate_stored_blocks(const std::string& data) {
  std::string out;
  size_t position = 0;
  do {
    size_t length = std::min<size_t>(65535, data.size() - position);
    bool last = position + length == data.size();
    out.push_back(last ? '\x01' : '\x00');
    put(&out, length, 2);
    put(&out, ~length & 0xFFFF, 2);
    out += data.substr(position, length);
    position += length;
  } while (position < data.size());
  return out;
}

std::string zip(const std::vector<ZipMember>& members) {
  std::string out, directory;
  for (const ZipMember& member : members) {
    const std::string stored = member.deflate ? deflate_stored_blocks(member.data) : member.data;
    const uint32_t crc = crc32_of(member.data) ^ (member.corrupt_crc ? 1u : 0u);
    const uint16_t method = member.deflate ? 8 : 0;
    const uint64_t offset = out.size();
    std::string extra;
    if (member.zip64_local) {
      put(&extra, 1, 2);
      put(&extra, 16, 2);
      put(&extra, member.data.size(), 8);
      put(&extra, stored.size(), 8);
    }
    put(&out, 0x04034b50, 4);
    put(&out, member.zip64_local ? 45 : 20, 2);
    put(&out, 0, 2);  // flags
    put(&out, method, 2);
    put(&out, 0, 4);  // time, date
    put(&out, crc, 4);
    put(&out, member.zip64_local ? 0xFFFFFFFF : stored.size(), 4);
    put(&out, member.zip64_local ? 0xFFFFFFFF : member.data.size(), 4);
    put(&out, member.name.size(), 2);
    put(&out, extra.size(), 2);
    out += member.name + extra + stored;

    put(&directory, 0x02014b50, 4);
    put(&directory, 20, 2);  // made by
    put(&directory, 20, 2);  // needed
    put(&directory, 0, 2);
    put(&directory, method, 2);
    put(&directory, 0, 4);
    put(&directory, crc, 4);
    put(&directory, stored.size(), 4);
    put(&directory, member.data.size(), 4);
    put(&directory, member.name.size(), 2);
    put(&directory, 0, 2);  // extra
    put(&directory, 0, 2);  // comment
    put(&directory, 0, 2);  // disk
    put(&directory, 0, 2);  // internal attributes
    put(&directory, 0, 4);  // external attributes
    put(&directory, offset, 4);
    directory += member.name;
  }
  const uint64_t directory_offset = out.size();
  out += directory;
  put(&out, 0x06054b50, 4);
  put(&out, 0, 4);
  put(&out, members.size(), 2);
  put(&out, members.size(), 2);
  put(&out, directory.size(), 4);
  put(&out, directory_offset, 4);
  put(&out, 0, 2);
  return out;
}

class NpzArrivalTimesTest : public EventSequenceFiles {
 protected:
  std::string read_error(const std::vector<ZipMember>& members,
                         const std::string& array = "arrival_times.npy") {
    std::string file = write("times.npz", zip(members));
    return input_error_of([&] { read_npz_arrival_times(file, array); });
  }
};

const std::vector<double> kTwoRows = {0.5, 1.25, 1.25, 3.0, 0.1, 0.2, 7.5, 8.0};

void expect_two_rows(const EventDataset& data) {
  ASSERT_EQ(data.sequences.size(), 2u);
  EXPECT_EQ(data.sequences[0].times, (std::vector<double>{0.5, 1.25, 1.25, 3.0}));
  EXPECT_EQ(data.sequences[1].times, (std::vector<double>{0.1, 0.2, 7.5, 8.0}));
  EXPECT_EQ(data.sequences[1].types, (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(data.num_types, 1);
  EXPECT_EQ(data.original_type_ids, (std::vector<int64_t>{0}));
  EXPECT_EQ(data.num_events(), 8);
}

TEST_F(NpzArrivalTimesTest, ReadsStoredEntry) {
  std::string file = write("a.npz", zip({{"arrival_times.npy", npy_2d(2, 4, kTwoRows)}}));
  expect_two_rows(read_npz_arrival_times(file));
}

TEST_F(NpzArrivalTimesTest, ReadsDeflatedEntryThroughUnzip) {
  ZipMember member{"arrival_times.npy", npy_2d(2, 4, kTwoRows)};
  member.deflate = true;
  std::string file = write("a.npz", zip({member}));
  expect_two_rows(read_npz_arrival_times(file));
}

TEST_F(NpzArrivalTimesTest, ReadsZip64LocalHeaderVersion2HeaderAndNamedArray) {
  ZipMember other{"marks.npy", npy_2d(1, 1, {9.0})};
  ZipMember member{"times.npy",
                   npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 4)}", kTwoRows, 2)};
  member.zip64_local = true;
  std::string file = write("a.npz", zip({other, member}));
  expect_two_rows(read_npz_arrival_times(file, "times.npy"));
}

TEST_F(NpzArrivalTimesTest, HeaderErrorsNameFileEntryAndField) {
  auto with_header = [](const std::string& header, const std::vector<double>& values) {
    return std::vector<ZipMember>{{"arrival_times.npy", npy(header, values)}};
  };
  expect_error_mentions(
      read_error(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", {0.0})),
      {"times.npz", "'arrival_times.npy'", "'descr'", "expected '<f8'", "got '<f4'"});
  expect_error_mentions(
      read_error(
          with_header("{'descr': '<f8', 'fortran_order': True, 'shape': (1, 2), }", {0.0, 1.0})),
      {"times.npz", "'fortran_order'", "expected False"});
  expect_error_mentions(
      read_error(
          with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", {0.0, 1.0})),
      {"times.npz", "'shape'", "expected 2 dimensions", "(2,)"});
  expect_error_mentions(read_error({{"arrival_times.npy", npy_2d(2, 4, {1.0, 2.0})}}),
                        {"times.npz", "(2, 4)", "the array holds 16"});
  expect_error_mentions(read_error({{"arrival_times.npy", "not an array"}}),
                        {"times.npz", "'arrival_times.npy'", "\\x93NUMPY"});
}

TEST_F(NpzArrivalTimesTest, ValueErrorsNameTheElement) {
  std::vector<double> decreasing = kTwoRows;
  decreasing[6] = 0.15;
  expect_error_mentions(read_error({{"arrival_times.npy", npy_2d(2, 4, decreasing)}}),
                        {"times.npz", "element [1, 2]", "0.15", "earlier", "non-decreasing"});
  std::vector<double> not_finite = kTwoRows;
  not_finite[3] = std::numeric_limits<double>::quiet_NaN();
  expect_error_mentions(read_error({{"arrival_times.npy", npy_2d(2, 4, not_finite)}}),
                        {"times.npz", "element [0, 3]", "finite"});
}

TEST_F(NpzArrivalTimesTest, ArchiveErrors) {
  expect_error_mentions(read_error({{"arrival_times.npy", npy_2d(2, 4, kTwoRows)}}, "x.npy"),
                        {"times.npz", "no entry 'x.npy'", "'arrival_times.npy'"});
  ZipMember corrupt{"arrival_times.npy", npy_2d(2, 4, kTwoRows)};
  corrupt.corrupt_crc = true;
  expect_error_mentions(read_error({corrupt}), {"times.npz", "CRC-32"});
  corrupt.deflate = true;
  expect_error_mentions(read_error({corrupt}), {"times.npz", "'arrival_times.npy'", "unzip -p"});
  std::string text = write("text.npz", "just text\n");
  expect_error_mentions(input_error_of([&] { read_npz_arrival_times(text); }),
                        {"text.npz", "not a zip archive"});
  std::string truncated = zip({{"arrival_times.npy", npy_2d(2, 4, kTwoRows)}});
  truncated.erase(40, 30);  // cut into the entry's data: the directory now points past the end
  std::string cut = write("cut.npz", truncated);
  expect_error_mentions(input_error_of([&] { read_npz_arrival_times(cut); }),
                        {"cut.npz", "truncated or corrupt"});
}

// ---------------------------------------------------------------------------------------------
// The shared data sets (data/README.md, tpp/)

class EventSequenceSharedDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string root = evergreen::testing::shared_data_dir();
    if (root.empty()) GTEST_SKIP() << "no shared data directory beside the source tree";
    tpp_ = root + "/tpp";
  }
  std::string tpp_;
};

std::pair<size_t, size_t> length_range(const EventDataset& data) {
  size_t shortest = std::numeric_limits<size_t>::max(), longest = 0;
  for (const MarkedSequence& sequence : data.sequences) {
    shortest = std::min(shortest, sequence.times.size());
    longest = std::max(longest, sequence.times.size());
  }
  return {shortest, longest};
}

TEST_F(EventSequenceSharedDataTest, StackOverflowMatchesTheReadme) {
  // The README's event-1-test.txt / time-1-test.txt are stored as event.txt / time.txt.
  EventDataset data =
      read_rmtpp_text(tpp_ + "/stackoverflow/event.txt", tpp_ + "/stackoverflow/time.txt");
  EXPECT_EQ(data.sequences.size(), 1326u);
  EXPECT_EQ(data.num_events(), 97233);
  EXPECT_EQ(data.num_types, 22);
  EXPECT_EQ(length_range(data), (std::pair<size_t, size_t>{41, 736}));
  for (int64_t k = 0; k < 22; ++k) EXPECT_EQ(data.original_type_ids[k], k + 1);
  // First line starts "4 4 4 4 4 9" at 1325476708.16 and has 231 events.
  const MarkedSequence& first = data.sequences[0];
  ASSERT_EQ(first.times.size(), 231u);
  EXPECT_EQ(first.times[0], 1325476708.16);
  EXPECT_EQ(first.times.back(), 1388422342.08);
  EXPECT_EQ(first.types[0], 3);
  EXPECT_EQ(first.types[5], 8);
}

TEST_F(EventSequenceSharedDataTest, Mimic2FoldOneCoversAllSequences) {
  // Each fold's train and test together hold the whole set: 650 sequences, 2,419 events,
  // lengths 2..33, 75 distinct raw types.
  const std::string dir = tpp_ + "/mimic2/";
  EventDataset train = read_rmtpp_text(dir + "event-1-train.txt", dir + "time-1-train.txt");
  EventDataset test = read_rmtpp_text(dir + "event-1-test.txt", dir + "time-1-test.txt");
  EXPECT_EQ(train.sequences.size() + test.sequences.size(), 650u);
  EXPECT_EQ(train.num_events() + test.num_events(), 2419);
  auto [train_shortest, train_longest] = length_range(train);
  auto [test_shortest, test_longest] = length_range(test);
  EXPECT_EQ(std::min(train_shortest, test_shortest), 2u);
  EXPECT_EQ(std::max(train_longest, test_longest), 33u);
  std::set<int64_t> raw(train.original_type_ids.begin(), train.original_type_ids.end());
  raw.insert(test.original_type_ids.begin(), test.original_type_ids.end());
  EXPECT_EQ(raw.size(), 75u);
  // The mapping is the sorted order of the raw ids seen.
  EXPECT_TRUE(std::is_sorted(train.original_type_ids.begin(), train.original_type_ids.end()));
  EXPECT_EQ(static_cast<size_t>(train.num_types), train.original_type_ids.size());
}

TEST_F(EventSequenceSharedDataTest, SynthHawkesNpz) {
  EventDataset data = read_npz_arrival_times(tpp_ + "/synth/hawkes1.npz");
  ASSERT_EQ(data.sequences.size(), 64u);
  EXPECT_EQ(data.num_events(), 64 * 1024);
  EXPECT_EQ(length_range(data), (std::pair<size_t, size_t>{1024, 1024}));
  EXPECT_EQ(data.num_types, 1);
  // Values read independently (Python zipfile + struct).
  EXPECT_EQ(data.sequences[0].times[0], 0.2483795084582026);
  EXPECT_EQ(data.sequences[0].times[1], 1.3644720651368187);
  EXPECT_EQ(data.sequences[0].times.back(), 1186.0164985132858);
  EXPECT_EQ(data.sequences[63].times.back(), 1203.1994481948602);
}

}  // namespace
}  // namespace evergreen

namespace evergreen {
namespace {

// write_easytpp_json and read_event_dataset: a two-type data set round-trips bit for bit (17
// significant digits), and `auto` picks the reader by extension, RMTPP's time file by name.
TEST(EventDatasetFile, EasytppRoundTripAndFormatByExtension) {
  testing::TemporaryDirectory directory;
  EventDataset data;
  data.num_types = 2;
  data.sequences = {{{0.1, 0.30000000000000004, 2.0 / 3.0}, {1, 0, 1}}, {{1e-7, 5.5}, {0, 0}}};
  const std::string file = directory.file("events.jsonl");
  write_easytpp_json(data, file);
  EventDataset back = read_event_dataset(file);
  ASSERT_EQ(back.sequences.size(), 2u);
  EXPECT_EQ(back.num_types, 2);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.sequences[i].times, data.sequences[i].times);  // exactly
    EXPECT_EQ(back.sequences[i].types, data.sequences[i].types);
  }
  testing::write_text(directory.file("event-1.txt"), "3 5 3\n5\n");
  testing::write_text(directory.file("time-1.txt"), "0.5 1 2\n4\n");
  EventDataset rmtpp = read_event_dataset(directory.file("event-1.txt"));
  EXPECT_EQ(rmtpp.num_types, 2);  // ids 3 and 5 -> 0 and 1
  EXPECT_EQ(rmtpp.sequences[0].types, (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(rmtpp.sequences[1].times, (std::vector<double>{4.0}));
  EXPECT_THROW(read_event_dataset(directory.file("events.jsonl"), "csv"), InputError);
  EXPECT_THROW(read_event_dataset(directory.file("other.txt")), InputError);  // no time file
}

}  // namespace
}  // namespace evergreen
