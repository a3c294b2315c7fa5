#include "evergreen/data/csv_series.h"

#include <gtest/gtest.h>

#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/data/window_stream.h"
#include "test_support.h"

namespace evergreen {
namespace {

// The message of the InputError that reading throws, or "no error".
std::string read_error(const std::string& file, const CsvSeriesOptions& options) {
  try {
    read_csv_series(file, options);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

class CsvSeries : public testing::FileTest {};

TEST_F(CsvSeries, ReadsAColumnByNameOrIndexBelowADetectedHeader) {
  std::string file = write("a.csv", "time,load\n0,1.5\n1,2.5\n2,-3e1\n");
  Series by_name = read_csv_series(file, CsvSeriesOptions().column("load"));
  EXPECT_EQ(by_name.values, (std::vector<double>{1.5, 2.5, -30}));
  EXPECT_EQ(by_name.name, "a.csv:load");
  EXPECT_DOUBLE_EQ(by_name.step_seconds, 60);
  EXPECT_TRUE(by_name.anomaly_labels.empty());
  Series by_index = read_csv_series(file, CsvSeriesOptions().column("1"));
  EXPECT_EQ(by_index.values, by_name.values);
  EXPECT_EQ(by_index.name, "a.csv:load");
  EXPECT_EQ(read_csv_series(file, CsvSeriesOptions().column("time").header("true")).values,
            (std::vector<double>{0, 1, 2}));
}

TEST_F(CsvSeries, ReadsFilesWithoutHeader) {
  std::string file = write("b.csv", "1,10\n2,20\n\n3,30\n");  // a blank line is skipped
  EXPECT_EQ(read_csv_series(file, CsvSeriesOptions().column("1")).values,
            (std::vector<double>{10, 20, 30}));
  EXPECT_EQ(read_csv_series(file, CsvSeriesOptions().column("0").header("false")).values,
            (std::vector<double>{1, 2, 3}));
  // header: true treats the numeric first row as names, and a name that looks like an index
  // wins: "1" is the first column's name here.
  EXPECT_EQ(read_csv_series(file, CsvSeriesOptions().column("1").header("true")).values,
            (std::vector<double>{2, 3}));
  EXPECT_EQ(read_csv_series(file, CsvSeriesOptions().column("10").header("true")).values,
            (std::vector<double>{20, 30}));
}

TEST_F(CsvSeries, AcceptsWhitespaceOtherDelimitersQuotesCrlfAndBom) {
  std::string spaced = write("c.txt", "  1 \t 2\n3     4\t\n");
  EXPECT_EQ(read_csv_series(spaced, CsvSeriesOptions().column("1").delimiter(' ')).values,
            (std::vector<double>{2, 4}));
  std::string semicolons = write("d.csv", "\xEF\xBB\xBF\"x\"; \"y\"\r\n5;6\r\n7 ; 8\r\n");
  EXPECT_EQ(read_csv_series(semicolons, CsvSeriesOptions().column("y").delimiter(';')).values,
            (std::vector<double>{6, 8}));
  EXPECT_EQ(read_csv_series(semicolons, CsvSeriesOptions().column("x").delimiter(';')).values,
            (std::vector<double>{5, 7}));
}

TEST_F(CsvSeries, ResamplesByMeanAndSumAndDropsThePartialGroup) {
  std::string file = write("e.csv", "v\n1\n2\n3\n4\n5\n6\n7\n");
  Series mean = read_csv_series(file, CsvSeriesOptions().column("v").resample(3).step_seconds(300));
  EXPECT_EQ(mean.values, (std::vector<double>{2, 5}));  // (1+2+3)/3, (4+5+6)/3; 7 dropped
  EXPECT_DOUBLE_EQ(mean.step_seconds, 900);
  Series sum = read_csv_series(file, CsvSeriesOptions().column("v").resample(3).aggregate("sum"));
  EXPECT_EQ(sum.values, (std::vector<double>{6, 15}));
  Series pairs = read_csv_series(file, CsvSeriesOptions().column("v").resample(2));
  EXPECT_EQ(pairs.values, (std::vector<double>{1.5, 3.5, 5.5}));
}

TEST_F(CsvSeries, ReadsLabelsAndResamplesThemByTheirMaximum) {
  std::string file = write("f.csv", "v,kind\n1,0\n2,0\n3,2\n4,0\n5,0\n6,0\n");
  Series series = read_csv_series(file, CsvSeriesOptions().column("v").label_column("kind"));
  EXPECT_EQ(series.anomaly_labels, (std::vector<int>{0, 0, 2, 0, 0, 0}));
  Series resampled =
      read_csv_series(file, CsvSeriesOptions().column("v").label_column("kind").resample(2));
  EXPECT_EQ(resampled.anomaly_labels, (std::vector<int>{0, 2, 0}));
}

TEST_F(CsvSeries, FlatLayoutReadsEveryFieldInOrder) {
  std::string file = write("nasa.txt", "1 0 3 2\n5 1\n");
  auto options = CsvSeriesOptions().layout("flat").delimiter(' ');
  EXPECT_EQ(read_csv_series(file, options).values, (std::vector<double>{1, 0, 3, 2, 5, 1}));
  EXPECT_EQ(read_csv_series(file, options.resample(2).aggregate("sum")).values,
            (std::vector<double>{1, 5, 6}));
  std::string bad = write("bad.txt", "1 2\n3 x 4\n");
  EXPECT_EQ(read_error(bad, CsvSeriesOptions().layout("flat").delimiter(' ')),
            bad + ":2:3: value: expected a number, got 'x'");
}

TEST_F(CsvSeries, SentinelsAreErrorsOrDroppedAndCounted) {
  std::string file = write("alibaba.csv", "cpu,mem\n10,1\n-1,2\n20,3\n101,4\n30,5\n");
  auto options = CsvSeriesOptions().column("cpu").sentinels({-1, 101});
  EXPECT_EQ(read_error(file, options),
            file +
                ":3:1: column 'cpu': a value listed in sentinels, got '-1' (set invalid_values: "
                "drop to skip such rows)");
  Series dropped = read_csv_series(file, options.invalid_values("drop"));
  EXPECT_EQ(dropped.values, (std::vector<double>{10, 20, 30}));
  EXPECT_EQ(dropped.dropped_points, 2);
  std::string all_invalid = write("all.csv", "cpu\n-1\n101\n");
  EXPECT_NE(read_error(all_invalid, options).find("all 2 values were invalid"), std::string::npos);
}

TEST_F(CsvSeries, TextInTheColumnNamesFileLineAndColumn) {
  std::string file = write("g.csv", "a,b\n1,2\n3, oops\n");
  EXPECT_EQ(read_error(file, CsvSeriesOptions().column("b")),
            file + ":3:4: column 'b': expected a number, got 'oops'");
  std::string empty_field = write("h.csv", "1,2\n3,\n");
  EXPECT_EQ(read_error(empty_field, CsvSeriesOptions().column("1")),
            empty_field + ":2:3: column '1': expected a number, got ''");
}

// strtod reads hexadecimal ("0x1A" is 26, "0x1p3" is 8): in a column of decimal numbers such
// text is a mix-up (an id, a hash), never a value.
TEST_F(CsvSeries, HexadecimalAndOtherNonDecimalTextIsNotANumber) {
  std::string file = write("hex.csv", "v\n1\n0x1A\n");
  EXPECT_EQ(read_error(file, CsvSeriesOptions().column("v")),
            file + ":3:1: column 'v': expected a number, got '0x1A'");
  std::string float_hex = write("hexp.csv", "v\n2.5\n0x1p3\n");
  EXPECT_EQ(read_error(float_hex, CsvSeriesOptions().column("v")),
            float_hex + ":3:1: column 'v': expected a number, got '0x1p3'");
  std::string nan_payload = write("nanp.csv", "v\n2.5\nnan(7)\n");
  EXPECT_EQ(read_error(nan_payload, CsvSeriesOptions().column("v")),
            nan_payload + ":3:1: column 'v': expected a number, got 'nan(7)'");
  // Every decimal spelling still reads.
  std::string decimal = write("dec.csv", "v\n+1.5\n-.5\n2.\n1e3\n-2E-2\n");
  EXPECT_EQ(read_csv_series(decimal, CsvSeriesOptions().column("v")).values,
            (std::vector<double>{1.5, -0.5, 2, 1000, -0.02}));
}

// A group of values each finite can sum past the largest double: the point would be inf.
TEST_F(CsvSeries, AResampledGroupThatOverflowsIsReported) {
  std::string file = write("big.csv", "v\n1e308\n1e308\n1\n1\n");
  std::string message =
      read_error(file, CsvSeriesOptions().column("v").resample(2).aggregate("sum"));
  EXPECT_NE(message.find(file + ": column 'v': values 1-2 (resample 2, aggregate sum)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("not a finite number"), std::string::npos) << message;
  // The mean of the same group is finite and is read.
  EXPECT_EQ(read_csv_series(file, CsvSeriesOptions().column("v").resample(2)).values,
            (std::vector<double>{1e308, 1}));
}

TEST_F(CsvSeries, NonFiniteValuesAreReported) {
  std::string file = write("i.csv", "v\n1\nnan\n");
  EXPECT_EQ(read_error(file, CsvSeriesOptions().column("v")),
            file +
                ":3:1: column 'v': not a finite number, got 'nan' (set invalid_values: drop "
                "to skip such rows)");
  std::string infinite = write("j.csv", "v\n1\n2\n-inf\n");
  std::string message = read_error(infinite, CsvSeriesOptions().column("v"));
  EXPECT_NE(message.find(infinite + ":4:1:"), std::string::npos) << message;
  EXPECT_NE(message.find("not a finite number"), std::string::npos) << message;
  EXPECT_EQ(read_csv_series(file, CsvSeriesOptions().column("v").invalid_values("drop")).values,
            (std::vector<double>{1}));
}

TEST_F(CsvSeries, RaggedRowsUnknownColumnsAndEmptySeriesAreReported) {
  std::string ragged = write("k.csv", "a,b\n1,2\n3\n");
  EXPECT_EQ(read_error(ragged, CsvSeriesOptions().column("b")),
            ragged + ":3: column 'b' (index 1) is missing: expected at least 2 fields, got 1");
  EXPECT_EQ(read_error(ragged, CsvSeriesOptions().column("c")),
            ragged + ":1: option 'column': no column named 'c' (the header has: a, b)");
  EXPECT_EQ(
      read_error(ragged, CsvSeriesOptions().column("5").header("true")),
      ragged + ":1: option 'column': index 5 is out of range: the header has 2 fields (a, b)");
  // With header detection, a first row too short for the column cannot be judged: it is reported
  // as the short row it is.
  EXPECT_EQ(read_error(ragged, CsvSeriesOptions().column("5")),
            ragged + ":1: column '5' (index 5) is missing: expected at least 6 fields, got 2");
  std::string header_only = write("l.csv", "a,b\n");
  EXPECT_EQ(read_error(header_only, CsvSeriesOptions().column("a")),
            header_only + ": the series is empty: no data rows");
  std::string short_file = write("m.csv", "a\n1\n2\n");
  EXPECT_NE(read_error(short_file, CsvSeriesOptions().column("a").resample(3))
                .find("fewer than resample factor 3"),
            std::string::npos);
  std::string numbers = write("n.csv", "1,2\n");
  EXPECT_NE(read_error(numbers, CsvSeriesOptions().column("b").header("false"))
                .find("read without a header"),
            std::string::npos);
  std::string bad_label = write("o.csv", "v,kind\n1,spike\n");
  EXPECT_EQ(read_error(bad_label, CsvSeriesOptions().column("v").label_column("kind")),
            bad_label + ":2:3: column 'kind': expected an integer label, got 'spike'");
}

TEST_F(CsvSeries, MissingFileAndBadOptionsAreReported) {
  std::string missing = directory_.file("absent.csv");
  EXPECT_EQ(read_error(missing, CsvSeriesOptions()), missing + ": file not found");
  std::string file = write("p.csv", "1\n");
  EXPECT_NE(read_error(file, CsvSeriesOptions().aggregate("median")).find("'aggregate'"),
            std::string::npos);
  EXPECT_NE(read_error(file, CsvSeriesOptions().resample(0)).find("'resample'"), std::string::npos);
  EXPECT_NE(read_error(file, CsvSeriesOptions().header("maybe")).find("'header'"),
            std::string::npos);
  EXPECT_NE(read_error(file, CsvSeriesOptions().invalid_values("ignore")).find("'invalid_values'"),
            std::string::npos);
}

TEST_F(CsvSeries, ReadsTheAlibabaMachineUsageTrace) {
  std::string data = evergreen::testing::shared_data_dir();
  if (data.empty()) {
    GTEST_SKIP() << "../shared/data is absent: the Alibaba 2018 machine-usage trace "
                    "(workload/alibaba2018/machine_usage_300s.csv) is needed for this test";
  }
  std::string file = data + "/workload/alibaba2018/machine_usage_300s.csv";
  auto options = CsvSeriesOptions()
                     .column("cpu_util_percent")
                     .step_seconds(300)
                     .sentinels({-1, 101})
                     .invalid_values("drop");
  Series cpu = read_csv_series(file, options);
  ASSERT_EQ(cpu.size(), 2243);
  EXPECT_EQ(cpu.dropped_points, 0);
  EXPECT_EQ(cpu.values[0], 16.126976521322472);  // the first row, written with 17 digits
  EXPECT_EQ(cpu.values[1], 18.466110019646365);
  for (double value : cpu.values) {
    ASSERT_GE(value, 0);
    ASSERT_LE(value, 100);
  }
  Series hourly = read_csv_series(file, CsvSeriesOptions(options).resample(12));
  ASSERT_EQ(hourly.size(), 2243 / 12);
  EXPECT_DOUBLE_EQ(hourly.step_seconds, 3600);
  double first_hour = 0;
  for (int i = 0; i < 12; ++i) first_hour += cpu.values[i];
  EXPECT_DOUBLE_EQ(hourly.values[0], first_hour / 12);

  // Eight days of 5-minute points: one period per day, forecasting 15 minutes from 2 hours.
  Stream stream = make_window_stream(
      cpu, WindowStreamOptions().periods(8).input_length(24).horizon(3).test_fraction(0.25));
  ASSERT_EQ(stream.size(), 8);
  EXPECT_EQ(stream.experiences[0].metadata.at("end"), "280");
  EXPECT_EQ(stream.experiences[0].train.size(), 210 - 27 + 1);
  EXPECT_EQ(stream.experiences[0].test.size(), 70 - 27 + 1);
}

}  // namespace
}  // namespace evergreen
