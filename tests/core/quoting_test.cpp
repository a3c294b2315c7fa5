#include "evergreen/core/quoting.h"

#include <gtest/gtest.h>

namespace evergreen {
namespace {

TEST(Quoting, ShortPrintableTextIsUnchanged) { EXPECT_EQ(quote("0--1"), "0--1"); }

TEST(Quoting, ControlBytesAreEscaped) {
  EXPECT_EQ(quote(std::string("a\rb\nc\td\x01"
                               "e\x7f",
                               10)),
            "a\\rb\\nc\\td\\x01e\\x7f");
}

TEST(Quoting, LongTextIsCutToTheLimitWithAnEllipsis) {
  std::string ten_megabytes(10 << 20, 'x');
  std::string cut = quote(ten_megabytes);
  EXPECT_EQ(cut.size(), 80u);
  EXPECT_EQ(cut.substr(77), "...");
  EXPECT_EQ(quote(std::string(80, 'y')), std::string(80, 'y'));  // exactly the limit: whole
  EXPECT_EQ(quote(std::string(81, 'y')).size(), 80u);
}

TEST(Quoting, AnEscapeIsNeverCutInTheMiddle) {
  // 76 letters then control bytes: "\x01" (4 characters) cannot fit before the ellipsis.
  std::string text = std::string(76, 'a') + std::string(10, '\x01');
  std::string cut = quote(text);
  EXPECT_EQ(cut, std::string(76, 'a') + "...");
}

TEST(Quoting, OneLineKeepsAMessageOnOneLine) {
  std::string message = "file.csv:3: bad field 'a\r\nb'";
  EXPECT_EQ(one_line(message), "file.csv:3: bad field 'a\\r\\nb'");
  EXPECT_LE(one_line(std::string(5 << 20, 'z')).size(), 1000u);
}

}  // namespace
}  // namespace evergreen
