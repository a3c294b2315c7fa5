#include "evergreen/data/io/json_records.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.h"

namespace evergreen {
namespace {

using evergreen::testing::input_error_of;

std::vector<int64_t> lines_of(const std::vector<JsonRecord>& records) {
  std::vector<int64_t> lines;
  for (const JsonRecord& record : records) lines.push_back(record.line);
  return lines;
}

TEST(JsonRecords, SplitsJsonLinesAndArraysNamingEachRecordsLine) {
  const std::string json_lines = "\xEF\xBB\xBF{\"a\": 1}\n\n{\"b\": \"}{\"}\r\n";
  std::vector<JsonRecord> records = split_json_records("x.jsonl", json_lines);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].text, "{\"a\": 1}");
  EXPECT_EQ(records[1].text, "{\"b\": \"}{\"}");  // brackets inside strings do not count
  EXPECT_EQ(lines_of(records), (std::vector<int64_t>{1, 3}));

  const std::string array = "[\n  {\"a\": [1,\n 2]},\n  {\"b\": {}}\n]\n";
  records = split_json_records("x.json", array);
  EXPECT_EQ(lines_of(records), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(parse_json_record("x.json", records[0]).at("a").size(), 2u);
  EXPECT_TRUE(split_json_records("empty.json", " \n").empty());
  EXPECT_TRUE(split_json_records("empty.json", "[ ]").empty());
}

TEST(JsonRecords, ErrorsNameTheFilesLine) {
  EXPECT_EQ(input_error_of([] { split_json_records("x.json", "[{}\n{}]"); }),
            "x.json:2: expected ',' or ']' after a sequence, got '{'");
  EXPECT_EQ(input_error_of([] { split_json_records("x.json", "{}\n{\"a\": [1\n"); }),
            "x.json:2: the JSON object starting on this line is not closed");
  EXPECT_EQ(input_error_of([] { split_json_records("x.json", "[{}]\ntail"); }),
            "x.json:2: expected nothing after the JSON array, got 'tail'");
  // The error's own line inside a multi-line record, and why Python's literals fail.
  const std::string content = "{\"a\": 1,\n \"b\": NaN}";
  std::vector<JsonRecord> records = split_json_records("x.json", content);
  ASSERT_EQ(records.size(), 1u);
  std::string message = input_error_of([&] { parse_json_record("x.json", records[0]); });
  EXPECT_EQ(message.rfind("x.json:2: invalid JSON: ", 0), 0u) << message;
  EXPECT_NE(message.find("(NaN and Infinity are not JSON)"), std::string::npos) << message;
}

// nlohmann throws out_of_range, not parse_error, for a number beyond a double's range: it
// escaped parse_json_record as an internal error (found by fuzz/easytpp_fuzzer.cpp; the input
// is fuzz/corpus/easytpp/number-overflow.json).
TEST(JsonRecords, ANumberBeyondTheRangeOfADoubleIsInvalidJsonOnItsLine) {
  const std::string content = "{\"type_event\": [1,\n 1e400, 1]}\n{\"a\": -1e999}";
  std::vector<JsonRecord> records = split_json_records("x.json", content);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(input_error_of([&] { parse_json_record("x.json", records[0]); }),
            "x.json:2: invalid JSON: number overflow parsing '1e400' (beyond the range of a "
            "double)");
  EXPECT_EQ(input_error_of([&] { parse_json_record("x.json", records[1]); }),
            "x.json:3: invalid JSON: number overflow parsing '-1e999' (beyond the range of a "
            "double)");
}

}  // namespace
}  // namespace evergreen
