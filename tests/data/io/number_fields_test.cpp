// parse_double and parse_int64 of data/io/text_fields.h: decimal notation only.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "evergreen/data/io/text_fields.h"

namespace evergreen {
namespace {

bool reads_as_double(const std::string& text, double expected) {
  double value = -12345;
  return parse_double(text, &value) && value == expected;
}

bool is_double(const std::string& text) {
  double value = 0;
  return parse_double(text, &value);
}

TEST(ParseDouble, ReadsDecimalNotation) {
  EXPECT_TRUE(reads_as_double("0", 0));
  EXPECT_TRUE(reads_as_double("42", 42));
  EXPECT_TRUE(reads_as_double("-3.25", -3.25));
  EXPECT_TRUE(reads_as_double("+7", 7));
  EXPECT_TRUE(reads_as_double(".5", 0.5));
  EXPECT_TRUE(reads_as_double("5.", 5));
  EXPECT_TRUE(reads_as_double("1e3", 1000));
  EXPECT_TRUE(reads_as_double("1E+3", 1000));
  EXPECT_TRUE(reads_as_double("-2.5e-1", -0.25));
  EXPECT_TRUE(reads_as_double("1e-298", 1e-298));
}

TEST(ParseDouble, TheNonFiniteWordsParseForTheCallerToJudge) {
  double value = 0;
  ASSERT_TRUE(parse_double("nan", &value));
  EXPECT_TRUE(std::isnan(value));
  ASSERT_TRUE(parse_double("NaN", &value));
  EXPECT_TRUE(std::isnan(value));
  ASSERT_TRUE(parse_double("-inf", &value));
  EXPECT_EQ(value, -INFINITY);
  ASSERT_TRUE(parse_double("Infinity", &value));
  EXPECT_EQ(value, INFINITY);
  // Finite text whose value overflows is infinite too, and also left to the caller.
  ASSERT_TRUE(parse_double("1e999", &value));
  EXPECT_EQ(value, INFINITY);
}

TEST(ParseDouble, RefusesHexadecimalAndOtherNonDecimalText) {
  EXPECT_FALSE(is_double("0x1A"));   // strtod: 26
  EXPECT_FALSE(is_double("0x1p3"));  // strtod: 8
  EXPECT_FALSE(is_double("-0X10"));
  EXPECT_FALSE(is_double("nan(1)"));  // strtod: a NaN with a payload
  EXPECT_FALSE(is_double("infin"));
  EXPECT_FALSE(is_double(" 1"));  // strtod skips leading spaces
  EXPECT_FALSE(is_double("1 "));
  EXPECT_FALSE(is_double(""));
  EXPECT_FALSE(is_double("."));
  EXPECT_FALSE(is_double("+"));
  EXPECT_FALSE(is_double("e5"));
  EXPECT_FALSE(is_double("1e"));
  EXPECT_FALSE(is_double("1e+"));
  EXPECT_FALSE(is_double("1.2.3"));
  EXPECT_FALSE(is_double("1,5"));
  EXPECT_FALSE(is_double("--1"));
  EXPECT_FALSE(is_double(std::string(65, '1')));  // longer than any number we write
}

TEST(ParseInt64, ReadsSignedDigitsOnly) {
  int64_t value = 0;
  ASSERT_TRUE(parse_int64("-17", &value));
  EXPECT_EQ(value, -17);
  ASSERT_TRUE(parse_int64("+5", &value));
  EXPECT_EQ(value, 5);
  ASSERT_TRUE(parse_int64("9223372036854775807", &value));
  EXPECT_EQ(value, INT64_MAX);
  EXPECT_FALSE(parse_int64("9223372036854775808", &value));  // out of range
  EXPECT_FALSE(parse_int64("0x1A", &value));
  EXPECT_FALSE(parse_int64(" 5", &value));  // strtoll skips leading spaces
  EXPECT_FALSE(parse_int64("5.0", &value));
  EXPECT_FALSE(parse_int64("1e3", &value));
  EXPECT_FALSE(parse_int64("-", &value));
  EXPECT_FALSE(parse_int64("", &value));
}

}  // namespace
}  // namespace evergreen
