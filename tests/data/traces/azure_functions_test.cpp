#include "evergreen/data/traces/azure_functions.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/traces/trace_test_support.h"
#include "evergreen/data/traces/trace_files.h"
#include "test_support.h"

namespace evergreen {
namespace {

using evergreen::testing::azure_header;
using evergreen::testing::azure_row;
using evergreen::testing::input_error_of;
using evergreen::testing::TraceReaders;
using evergreen::testing::write_text;

class AzureFunctions : public TraceReaders {
 protected:
  void SetUp() override {
    day1_ =
        write("invocations_per_function_md.anon.d01.csv",
              azure_header() + azure_row("o1,a1,f1,http", {{1, 1}, {2, 2}, {1440, 5}}) +
                  azure_row("o1,a1,f2,timer", {{1, 10}}) + azure_row("o2,a2,f3,http", {{2, 100}}));
    day2_ = write("invocations_per_function_md.anon.d02.csv",
                  azure_header() + azure_row("o1,a1,f1,http", {{1, 3}}) +
                      azure_row("o3,a3,f4,queue", {{1440, 7}}));
  }
  // The points at minutes 0, 1, 1439 (end of day 1), 1440 and 2879 (end of day 2).
  static std::vector<double> probe(const Series& series) {
    return {series.values[0], series.values[1], series.values[1439], series.values[1440],
            series.values[2879]};
  }
  std::string day1_, day2_;
};

TEST_F(AzureFunctions, SumsSelectedRowsPerMinuteAndConcatenatesDays) {
  TraceReadReport report;
  Series all = read_azure_functions({day1_, day2_}, AzureFunctionsOptions(), &report);
  ASSERT_EQ(all.size(), 2880);
  EXPECT_EQ(probe(all), (std::vector<double>{11, 102, 5, 3, 7}));
  double total = 0;
  for (double value : all.values) total += value;
  EXPECT_EQ(total, 1 + 2 + 5 + 10 + 100 + 3 + 7);
  EXPECT_DOUBLE_EQ(all.step_seconds, 60);
  EXPECT_EQ(all.name, "azure_functions:all");
  EXPECT_EQ(report.rows, 5);
  EXPECT_EQ(report.selected_rows, 5);

  Series http = read_azure_functions({day1_, day2_}, AzureFunctionsOptions().trigger("http"));
  EXPECT_EQ(probe(http), (std::vector<double>{1, 102, 5, 3, 0}));
  Series app = read_azure_functions({day1_, day2_}, AzureFunctionsOptions().owner("o1").app("a1"));
  EXPECT_EQ(probe(app), (std::vector<double>{11, 2, 5, 3, 0}));
  // A function absent from a day had no invocations that day.
  Series function = read_azure_functions({day1_, day2_}, AzureFunctionsOptions().function("f4"));
  EXPECT_EQ(probe(function), (std::vector<double>{0, 0, 0, 0, 7}));
  // Days in the order given; daily sums.
  Series daily =
      read_azure_functions({day2_, day1_}, AzureFunctionsOptions().resample(1440), &report);
  EXPECT_EQ(daily.values, (std::vector<double>{10, 118}));
  EXPECT_DOUBLE_EQ(daily.step_seconds, 86400);
  EXPECT_EQ(input_error_of([&] {
              read_azure_functions({day1_, day2_}, AzureFunctionsOptions().trigger("nope"));
            }),
            day1_ + ": no row matches trigger nope in 2 day file(s) (5 rows read)");
}

TEST_F(AzureFunctions, ListsDayFilesInNaturalOrder) {
  std::string folder = directory_.file("days");
  std::filesystem::create_directories(folder);
  for (const char* name : {"x.d10.csv", "x.d2.csv", "x.d1.csv", "other.csv"})
    write_text(folder + "/" + name, "");
  std::filesystem::create_directories(folder + "/x.d3.csv");  // not a regular file
  EXPECT_EQ(list_trace_files(folder, "x.d*.csv"),
            (std::vector<std::string>{folder + "/x.d1.csv", folder + "/x.d2.csv",
                                      folder + "/x.d10.csv"}));
  EXPECT_EQ(list_trace_files(folder, "x.d?.csv").size(), 2u);
  EXPECT_EQ(input_error_of([&] { list_trace_files(folder, "y*.csv"); }),
            folder + ": no file matches 'y*.csv'");
  EXPECT_EQ(input_error_of([&] { list_trace_files(folder + "/none", "*"); }),
            folder + "/none: directory not found");
  EXPECT_EQ(list_trace_files(directory_.path(), "invocations_per_function_md.anon.d*.csv"),
            (std::vector<std::string>{day1_, day2_}));
}

TEST_F(AzureFunctions, BadRowsAndHeadersNameFileLineAndColumn) {
  std::string row = azure_row("o1,a1,f1,http", {});
  std::string short_row = row.substr(0, row.size() - 3) + "\n";  // drops ",0": 1443 fields
  std::string ragged = write("ragged.csv", azure_header() + row + short_row);
  EXPECT_EQ(input_error_of([&] {
              read_azure_functions({day1_, ragged}, AzureFunctionsOptions());
            }),
            ragged +
                ":3: expected 1444 fields (4 hashes and trigger, then 1440 per-minute counts), "
                "got 1443");
  // Minute 5 holds text: its field starts after "o1,a1,f1,http,0,0,0,0,".
  std::string bad_row =
      "o1,a1,f1,http,0,0,0,0,x" + row.substr(std::string("o1,a1,f1,http,0,0,0,0,0").size());
  std::string text = write("text.csv", azure_header() + bad_row);
  EXPECT_EQ(
      input_error_of([&] { read_azure_functions({text}, AzureFunctionsOptions()); }),
      text + ":2:23: column '5': expected a non-negative integer count of invocations, got 'x'");
  std::string negative_row = "o1,a1,f1,http,-2" + row.substr(std::string("o1,a1,f1,http,0").size());
  std::string negative = write("negative.csv", azure_header() + negative_row);
  EXPECT_EQ(input_error_of([&] { read_azure_functions({negative}, AzureFunctionsOptions()); }),
            negative +
                ":2:15: column '1': expected a non-negative integer count of invocations, got "
                "'-2'");
  std::string header = azure_header();
  std::string bad_header = write("header.csv", "HashOwner,HashApp,HashFunction,Trig" +
                                                   header.substr(header.find(",1,")) + row);
  EXPECT_EQ(input_error_of([&] { read_azure_functions({bad_header}, AzureFunctionsOptions()); }),
            bad_header + ":1:32: header field 4: expected 'Trigger', got 'Trig'");
  std::string few = write("few.csv", "HashOwner,HashApp,HashFunction,Trigger,1,2\n");
  EXPECT_EQ(input_error_of([&] { read_azure_functions({few}, AzureFunctionsOptions()); }),
            few +
                ":1: header: expected 1444 fields (HashOwner,HashApp,HashFunction,Trigger,1,...,"
                "1440), got 6");
  std::string empty = write("empty.csv", "");
  EXPECT_EQ(input_error_of([&] { read_azure_functions({empty}, AzureFunctionsOptions()); }),
            empty +
                ": empty file: expected the header HashOwner,HashApp,HashFunction,Trigger,1,"
                "...,1440");
  std::string header_only = write("header_only.csv", azure_header());
  EXPECT_EQ(input_error_of([&] { read_azure_functions({header_only}, AzureFunctionsOptions()); }),
            header_only + ": no data rows in 1 day file(s)");
  EXPECT_NE(input_error_of([&] {
              read_azure_functions({day1_}, AzureFunctionsOptions().resample(0));
            }).find("'resample'"),
            std::string::npos);
}

// Counts of up to 18 digits each: their sums over rows and over a resampled group overflowed
// int64 silently (a negative count of invocations).
TEST_F(AzureFunctions, CountsAddingUpPastInt64AreRefused) {
  const std::string big = "999999999999999999";
  std::string minutes = azure_header();
  for (int i = 0; i < 10; ++i) {
    std::string row = "o,a,f" + std::to_string(i) + ",http," + big;
    for (int minute = 2; minute <= 1440; ++minute) row += ",0";
    minutes += row + "\n";
  }
  std::string day = write("minutes.csv", minutes);
  EXPECT_EQ(input_error_of([&] { read_azure_functions({day}, AzureFunctionsOptions()); }),
            day +
                ":11:13: column '1': the counts of the selected rows add up to more than "
                "9223372036854775807 invocations in one minute");

  std::string groups = azure_header();
  for (int i = 0; i < 9; ++i) {
    std::string row = "o,a,f" + std::to_string(i) + ",http," + big + "," + big;
    for (int minute = 3; minute <= 1440; ++minute) row += ",0";
    groups += row + "\n";
  }
  std::string resampled = write("groups.csv", groups);
  EXPECT_DOUBLE_EQ(read_azure_functions({resampled}, AzureFunctionsOptions()).values[1],
                   8999999999999999991.0);
  EXPECT_EQ(input_error_of(
                [&] { read_azure_functions({resampled}, AzureFunctionsOptions().resample(2)); }),
            resampled +
                ": minutes 1-2 (resample 2): their invocations add up to more than "
                "9223372036854775807");
}

}  // namespace
}  // namespace evergreen
