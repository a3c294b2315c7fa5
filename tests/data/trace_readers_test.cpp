#include "evergreen/data/trace_readers.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "evergreen/core/error.h"
#include "evergreen/data/csv_series.h"
#include "evergreen/data/workload_streams.h"
#include "test_support.h"

namespace evergreen {
namespace {

using evergreen::testing::input_error_of;
using evergreen::testing::TemporaryDirectory;
using evergreen::testing::write_text;


class TraceReaders : public testing::FileTest {};

// ---------------------------------------------------------------------------------------------
// Alibaba cluster-trace-v2018

// machine_id,time_stamp,cpu_util_percent,mem_util_percent,mem_gps,mkpi,net_in,net_out,
// disk_io_percent; two machines, times out of order, -1, 101 and an empty cpu field.
const char* const kMachineUsage =
    "m_2,700,40,61,,,,,3\n"          // line 1: bucket 2
    "m_1,100,10,50,,,,,5\n"          // line 2: bucket 0 (the earliest time: buckets start here)
    "m_2,100,30,60,1.5,2,10,11,6\n"  // line 3: bucket 0
    "m_1,400,20,52,,,,,4\n"          // line 4: bucket 1
    "m_1,250,-1,51,,,,,4\n"          // line 5: bucket 0, cpu invalid
    "m_2,450,101,62,,,,,5\n"         // line 6: bucket 1, cpu invalid
    "m_1,130,,50,,,,,5\n"            // line 7: bucket 0, cpu missing
    "m_1,999,50,55,,,,,7\n"          // line 8: bucket 2
    "m_2,460,25,63,,,,,5\n";         // line 9: bucket 1

TEST_F(TraceReaders, AlibabaMachineUsageBucketMeansOfValidReadings) {
  std::string file = write("machine_usage.csv", kMachineUsage);
  TraceReadReport report;
  Series cpu = read_alibaba_trace(file, AlibabaTraceOptions().invalid_values("drop"), &report);
  // Buckets [100, 400), [400, 700), [700, 1000): (10 + 30) / 2, (20 + 25) / 2, (40 + 50) / 2.
  EXPECT_EQ(cpu.values, (std::vector<double>{20, 22.5, 45}));
  EXPECT_EQ(cpu.dropped_points, 3);
  EXPECT_DOUBLE_EQ(cpu.step_seconds, 300);
  EXPECT_EQ(cpu.name, "machine_usage.csv:cpu_util_percent");
  EXPECT_EQ(report.rows, 9);
  EXPECT_EQ(report.selected_rows, 9);
  EXPECT_EQ(report.interpolated_points, 0);

  Series one = read_alibaba_trace(file, AlibabaTraceOptions().id("m_1").invalid_values("drop"));
  EXPECT_EQ(one.values, (std::vector<double>{10, 20, 50}));
  EXPECT_EQ(one.dropped_points, 2);
  EXPECT_EQ(one.name, "machine_usage.csv:m_1:cpu_util_percent");
  Series other = read_alibaba_trace(file, AlibabaTraceOptions().id("m_2").invalid_values("drop"));
  EXPECT_EQ(other.values, (std::vector<double>{30, 25, 40}));
  EXPECT_EQ(other.dropped_points, 1);

  // No invalid memory readings: the default (error) reads it all.
  Series memory = read_alibaba_trace(file, AlibabaTraceOptions().metric("mem_util_percent"));
  EXPECT_EQ(memory.values, (std::vector<double>{(50 + 60 + 51 + 50) / 4.0, (52 + 62 + 63) / 3.0,
                                                (61 + 55) / 2.0}));
  EXPECT_EQ(memory.dropped_points, 0);
  Series hours = read_alibaba_trace(
      file,
      AlibabaTraceOptions().bucket_seconds(3600).invalid_values("drop").table("machine_usage"));
  EXPECT_EQ(hours.values, (std::vector<double>{(10 + 30 + 20 + 25 + 40 + 50) / 6.0}));
  EXPECT_DOUBLE_EQ(hours.step_seconds, 3600);
}

TEST_F(TraceReaders, AlibabaInvalidReadingsAreErrorsUnlessDropped) {
  std::string file = write("machine_usage.csv", kMachineUsage);
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(file, AlibabaTraceOptions()); }),
            file +
                ":5: column 'cpu_util_percent': invalid value -1 (the trace marks invalid "
                "readings with -1 or 101); set invalid_values: drop to skip them");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(file, AlibabaTraceOptions().id("m_2")); }),
            file +
                ":6: column 'cpu_util_percent': invalid value 101 (the trace marks invalid "
                "readings with -1 or 101); set invalid_values: drop to skip them");
  std::string missing = write("missing.csv", "m_1,100,10,50,,,,,5\nm_1,130,,50,,,,,5\n");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(missing, AlibabaTraceOptions()); }),
            missing +
                ":2: column 'cpu_util_percent': empty field (a missing reading); set "
                "invalid_values: drop to skip them");
  std::string no_time = write("no_time.csv", "m_1,100,10,50,,,,,5\nm_1,,20,50,,,,,5\n");
  EXPECT_EQ(
      input_error_of([&] { read_alibaba_trace(no_time, AlibabaTraceOptions()); }),
      no_time + ":2: column 'time_stamp': empty field; set invalid_values: drop to skip them");
  EXPECT_EQ(read_alibaba_trace(no_time, AlibabaTraceOptions().invalid_values("drop")).values,
            (std::vector<double>{10}));
  std::string range = write("range.csv", "m_1,100,10,50,,,,,5\nm_1,130,150,50,,,,,5\n");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(range, AlibabaTraceOptions()); }),
            range +
                ":2: column 'cpu_util_percent': value 150 is outside [0, 100] for a percentage; "
                "set invalid_values: drop to skip them");
  std::string all_invalid = write("all.csv", "m_1,100,-1,50,,,,,5\nm_1,130,101,50,,,,,5\n");
  EXPECT_EQ(
      input_error_of(
          [&] { read_alibaba_trace(all_invalid, AlibabaTraceOptions().invalid_values("drop")); }),
      all_invalid +
          ": the series is empty: all 2 readings of 'cpu_util_percent' were invalid and dropped");
}

TEST_F(TraceReaders, AlibabaEmptyBucketsAreErrorsOrInterpolated) {
  std::string file = write("machine_usage.csv", kMachineUsage);
  // Machine m_1 in 100 s buckets from t = 100: readings in buckets 0 (10), 3 (20) and 8 (50).
  auto options = AlibabaTraceOptions().id("m_1").bucket_seconds(100).invalid_values("drop");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(file, options); }),
            file +
                ": bucket 1 (seconds [200, 300) of the trace) holds no valid reading of "
                "'cpu_util_percent' (6 of 9 buckets are empty); set empty_buckets: interpolate "
                "to fill them linearly");
  TraceReadReport report;
  Series filled = read_alibaba_trace(file, options.empty_buckets("interpolate"), &report);
  std::vector<double> expected = {10, 10 + 10 / 3.0, 10 + 20 / 3.0, 20, 26, 32, 38, 44, 50};
  ASSERT_EQ(filled.size(), 9);
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(filled.values[i], expected[i], 1e-12) << i;
  EXPECT_EQ(report.interpolated_points, 6);
  EXPECT_EQ(filled.dropped_points, 2);
}

TEST_F(TraceReaders, AlibabaContainerUsageAndTableDetection) {
  // container_id,machine_id,time_stamp,cpu_util_percent,mem_util_percent,cpi,mem_gps,mpki,
  // net_in,net_out,disk_io_percent
  std::string file = write("container_usage.csv",
                           "c_1,m_1,10,20,30,150,,,,,1\n"
                           "c_2,m_1,20,40,30,2.5,,,,,1\n"
                           "c_1,m_1,320,60,30,1.5,,,,,1\n");
  EXPECT_EQ(read_alibaba_trace(file, AlibabaTraceOptions()).values, (std::vector<double>{30, 60}));
  EXPECT_EQ(read_alibaba_trace(file, AlibabaTraceOptions().id("c_1")).values,
            (std::vector<double>{20, 60}));
  // cpi is no percentage: 150 is a valid reading.
  EXPECT_EQ(read_alibaba_trace(file, AlibabaTraceOptions().metric("cpi").id("c_1")).values,
            (std::vector<double>{150, 1.5}));
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(file, AlibabaTraceOptions().metric("mkpi")); }),
            file +
                ":1: option 'metric': no metric 'mkpi' in a container_usage file (metrics: "
                "cpu_util_percent, mem_util_percent, cpi, mem_gps, mpki, net_in, net_out, "
                "disk_io_percent)");
  EXPECT_EQ(
      input_error_of([&] { read_alibaba_trace(file, AlibabaTraceOptions().table("machine_usage")); }),
      file +
          ":1: expected 9 fields (machine_usage: machine_id,time_stamp,cpu_util_percent,"
          "mem_util_percent,mem_gps,mkpi,net_in,net_out,disk_io_percent), got 11");
  std::string odd = write("odd.csv", "a,1,2\n");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(odd, AlibabaTraceOptions()); }),
            odd +
                ":1: cannot tell the Alibaba table: expected 9 fields (machine_usage), 11 "
                "(container_usage) or a header naming metrics (grouped), got 3 fields; set "
                "table");
}

TEST_F(TraceReaders, AlibabaGroupedFileRowsAreAtFixedTimes) {
  std::string file = write("machine_usage_300s.csv",
                           "cpu_util_percent,mem_util_percent,net_in,net_out,disk_io_percent\n"
                           "10,80,1,2,3\n20,81,1,2,3\n-1,82,1,2,3\n40,83,1,2,3\n50,84,1,2,3\n");
  EXPECT_EQ(read_alibaba_trace(file, AlibabaTraceOptions().metric("mem_util_percent")).values,
            (std::vector<double>{80, 81, 82, 83, 84}));
  // A dropped row keeps the times of the rows after it: bucket [600, 1200) holds only 40.
  Series pairs =
      read_alibaba_trace(file, AlibabaTraceOptions().bucket_seconds(600).invalid_values("drop"));
  EXPECT_EQ(pairs.values, (std::vector<double>{15, 40, 50}));
  EXPECT_EQ(pairs.dropped_points, 1);
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(file, AlibabaTraceOptions().id("m_1")); }),
            file +
                ": option 'id': a grouped file has no machine or container column (it holds "
                "cluster averages); leave id empty");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(file, AlibabaTraceOptions().metric("mkpi")); }),
            file +
                ":1: option 'metric': no metric 'mkpi' in a grouped file (metrics: "
                "cpu_util_percent, mem_util_percent, net_in, net_out, disk_io_percent)");
}

TEST_F(TraceReaders, AlibabaBadTextRowsAndOptionsAreReported) {
  std::string ragged = write("ragged.csv", "m_1,100,10,50,,,,,5\nm_1,130,20,50,,,,\n");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(ragged, AlibabaTraceOptions()); }),
            ragged +
                ":2: expected 9 fields (machine_usage: machine_id,time_stamp,cpu_util_percent,"
                "mem_util_percent,mem_gps,mkpi,net_in,net_out,disk_io_percent), got 8");
  std::string time = write("time.csv", "m_1,100,10,50,,,,,5\nm_1,1e3,20,50,,,,,5\n");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(time, AlibabaTraceOptions()); }),
            time + ":2:5: column 'time_stamp': expected an integer number of seconds, got '1e3'");
  std::string text = write("text.csv", "m_1,100,10,50,,,,,5\nm_1,130,busy,50,,,,,5\n");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(text, AlibabaTraceOptions()); }),
            text + ":2:9: column 'cpu_util_percent': expected a number, got 'busy'");
  std::string file = write("machine_usage.csv", kMachineUsage);
  EXPECT_EQ(input_error_of([&] {
              read_alibaba_trace(file, AlibabaTraceOptions().id("m_9").invalid_values("drop"));
            }),
            file + ": no row has machine_id 'm_9' (option 'id')");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(file, AlibabaTraceOptions().metric("cpu")); }),
            "Alibaba trace option 'metric': 'cpu' is not a metric of the trace");
  EXPECT_NE(input_error_of([&] {
              read_alibaba_trace(file, AlibabaTraceOptions().invalid_values("ignore"));
            }).find("'invalid_values'"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] {
              read_alibaba_trace(file, AlibabaTraceOptions().empty_buckets("zero"));
            }).find("'empty_buckets'"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] {
              read_alibaba_trace(file, AlibabaTraceOptions().bucket_seconds(0));
            }).find("'bucket_seconds'"),
            std::string::npos);
  std::string absent = directory_.file("absent.csv");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(absent, AlibabaTraceOptions()); }),
            absent + ": file not found");
}

// ---------------------------------------------------------------------------------------------
// NASA requests per second

TEST_F(TraceReaders, NasaTextIsSummedPerGroupOfSeconds) {
  std::string file = write("workload.txt", "1 2 3\n4  5\t6 7\n");
  TraceReadReport report;
  Series pairs = read_nasa_requests(file, NasaRequestsOptions().resample(2), &report);
  EXPECT_EQ(pairs.values, (std::vector<double>{3, 7, 11}));  // the 7th second is dropped
  EXPECT_DOUBLE_EQ(pairs.step_seconds, 2);
  EXPECT_EQ(pairs.name, "workload.txt");
  EXPECT_EQ(report.rows, 7);
  EXPECT_EQ(read_nasa_requests(file, NasaRequestsOptions().resample(2).max_points(2)).values,
            (std::vector<double>{3, 7}));
  EXPECT_EQ(read_nasa_requests(file, NasaRequestsOptions().resample(1)).values,
            (std::vector<double>{1, 2, 3, 4, 5, 6, 7}));
}

TEST_F(TraceReaders, NasaReadsABzip2TarArchive) {
  // 125 seconds with i requests in second i: minutes 0 + ... + 59 = 1770 and
  // 60 + ... + 119 = 5370; the last 5 seconds are no full minute.
  std::string text;
  for (int i = 0; i < 125; ++i) text += (i ? " " : "") + std::to_string(i);
  std::string folder = directory_.file("src");
  std::filesystem::create_directories(folder);
  write_text(folder + "/workload.txt", text);
  std::string archive = directory_.file("workload.tbz2");
  std::string command = "tar -cjf '" + archive + "' -C '" + folder + "' workload.txt";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  Series minutes = read_nasa_requests(archive, NasaRequestsOptions());
  EXPECT_EQ(minutes.values, (std::vector<double>{1770, 5370}));
  EXPECT_DOUBLE_EQ(minutes.step_seconds, 60);
  EXPECT_EQ(minutes.name, "workload.tbz2");
  // Stopping early closes the pipe under tar: that is no error.
  EXPECT_EQ(read_nasa_requests(archive, NasaRequestsOptions().resample(1).max_points(3)).values,
            (std::vector<double>{0, 1, 2}));
}

TEST_F(TraceReaders, NasaBadValuesAndArchivesAreReported) {
  std::string text = write("text.txt", "1 2 x\n");
  EXPECT_EQ(input_error_of([&] { read_nasa_requests(text, NasaRequestsOptions()); }),
            text + ":1: field 3: expected a non-negative integer count of requests, got 'x'");
  std::string negative = write("negative.txt", "1 2 3\n\n4 -3\n");
  EXPECT_EQ(input_error_of([&] { read_nasa_requests(negative, NasaRequestsOptions()); }),
            negative + ":3: field 2: expected a non-negative integer count of requests, got '-3'");
  std::string fraction = write("fraction.txt", "1.5\n");
  EXPECT_EQ(input_error_of([&] { read_nasa_requests(fraction, NasaRequestsOptions()); }),
            fraction + ":1: field 1: expected a non-negative integer count of requests, got '1.5'");
  std::string empty = write("empty.txt", " \n");
  EXPECT_EQ(input_error_of([&] { read_nasa_requests(empty, NasaRequestsOptions()); }),
            empty + ": no values: expected whitespace-separated counts");
  std::string short_file = write("short.txt", "1 2 3");
  EXPECT_EQ(input_error_of([&] { read_nasa_requests(short_file, NasaRequestsOptions()); }),
            short_file +
                ": the series is empty after resampling: 3 values are fewer than resample "
                "factor 60");
  std::string corrupt = write("corrupt.tbz2", "BZh91AY&SY this is no bzip2 stream");
  std::string message = input_error_of([&] { read_nasa_requests(corrupt, NasaRequestsOptions()); });
  EXPECT_EQ(message.rfind(corrupt + ": decompressing with 'tar -xOjf' failed: tar exited with "
                                    "status 2",
                          0),
            0u)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find("bzip2: "), std::string::npos) << message;  // bzip2's own words
  // A plain .bz2 file (no tar inside) decompresses to nothing through tar.
  write_text(directory_.file("plain.txt"), "1 2 3\n");
  std::string plain = directory_.file("plain.txt.bz2");
  ASSERT_EQ(std::system(("bzip2 -k '" + directory_.file("plain.txt") + "'").c_str()), 0);
  EXPECT_EQ(input_error_of([&] { read_nasa_requests(plain, NasaRequestsOptions()); }),
            plain +
                ": no values: expected whitespace-separated counts in a bzip2 tar archive (a "
                "plain .bz2 file must be decompressed first)");
  EXPECT_NE(input_error_of([&] {
              read_nasa_requests(text, NasaRequestsOptions().resample(0));
            }).find("'resample'"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] {
              read_nasa_requests(text, NasaRequestsOptions().max_points(-1));
            }).find("'max_points'"),
            std::string::npos);
  std::string absent = directory_.file("absent.tbz2");
  EXPECT_EQ(input_error_of([&] { read_nasa_requests(absent, NasaRequestsOptions()); }),
            absent + ": file not found");
}

// ---------------------------------------------------------------------------------------------
// Azure Functions 2019

std::string azure_header() {
  std::string header = "HashOwner,HashApp,HashFunction,Trigger";
  for (int minute = 1; minute <= 1440; ++minute) header += "," + std::to_string(minute);
  return header + "\n";
}

// One row with the given counts at 1-based minutes, zero elsewhere.
std::string azure_row(const std::string& names, std::map<int, int> counts) {
  std::string row = names;
  for (int minute = 1; minute <= 1440; ++minute)
    row += "," + std::to_string(counts.count(minute) ? counts[minute] : 0);
  return row + "\n";
}

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

// ---------------------------------------------------------------------------------------------
// Streams

std::string build_error(Stream (*make)(Options&), const std::string& yaml) {
  Options options(YAML::Load(yaml), "stream", "run.yaml");
  return input_error_of([&] { make(options); });
}

TEST(WorkloadWindowStream, PeriodSecondsMakesPeriodsOfAFixedDuration) {
  Series series;
  series.name = "load";
  series.step_seconds = 60;
  for (int i = 0; i < 110; ++i) series.values.push_back(i % 7);
  auto window = WindowStreamOptions().input_length(3).horizon(1).test_fraction(0.25);
  // 20-minute periods of 20 points: 5 fit, 10 points left over.
  Stream all = make_workload_window_stream(series, window.periods(0), 1200);
  ASSERT_EQ(all.size(), 5);
  EXPECT_EQ(all.metadata.at("period_length"), "20");
  EXPECT_EQ(all.metadata.at("points"), "110");
  EXPECT_EQ(all.metadata.at("unused_points"), "10");
  EXPECT_EQ(all.metadata.at("period_seconds"), "1200");
  EXPECT_EQ(all.experiences[4].metadata.at("end"), "100");
  Stream three = make_workload_window_stream(series, window.periods(3), 1200);
  ASSERT_EQ(three.size(), 3);
  EXPECT_EQ(three.metadata.at("unused_points"), "50");
  // Without period_seconds, `periods` equal parts as before.
  Stream equal = make_workload_window_stream(series, window.periods(2), 0);
  EXPECT_EQ(equal.metadata.at("period_length"), "55");
  EXPECT_EQ(input_error_of([&] { make_workload_window_stream(series, window.periods(6), 1200); }),
            "series 'load' has 110 points of 60 s: 6 periods of 1200 s (20 points each) need 120 "
            "(periods: 0 takes the 5 that fit)");
  EXPECT_EQ(input_error_of([&] { make_workload_window_stream(series, window.periods(0), 90); }),
            "window stream option 'period_seconds': 90 s is not a whole number of the series' "
            "60 s steps");
  EXPECT_EQ(input_error_of([&] { make_workload_window_stream(series, window.periods(0), 7200); }),
            "series 'load' has 110 points of 60 s: fewer than one period of 7200 s (120 points)");
  EXPECT_NE(input_error_of([&] {
              make_workload_window_stream(series, window.periods(0), 0);
            }).find("'periods'"),
            std::string::npos);
}

TEST_F(TraceReaders, AlibabaTraceStreamReadsItsKeys) {
  // Two machines every 10 s for 2 hours; machine m_2 reads 20 points more than m_1.
  std::string text;
  for (int t = 7200 - 10; t >= 0; t -= 10) {  // newest first: the reader sorts by time
    text += fmt::format("m_1,{},{},50,,,,,5\n", t, (t / 300) % 10);
    text += fmt::format("m_2,{},{},50,,,,,5\n", t, (t / 300) % 10 + 20);
  }
  std::string file = write("machine_usage.csv", text);
  Options options(YAML::Load("{path: '" + file +
                             "', id: m_2, bucket_seconds: 300, period_seconds: 3600, "
                             "periods: 0, input_length: 2, horizon: 1}"),
                  "stream");
  Stream stream = make_alibaba_trace_stream(options);
  EXPECT_NO_THROW(options.check_all_read());
  for (const OptionDoc& doc : options.docs()) EXPECT_FALSE(doc.help.empty()) << doc.key;
  ASSERT_EQ(stream.size(), 2);  // 24 buckets of 5 minutes, 12 per hour
  EXPECT_EQ(stream.name, "machine_usage.csv:m_2:cpu_util_percent");
  EXPECT_EQ(stream.metadata.at("period_length"), "12");
  EXPECT_EQ(stream.metadata.at("source_rows"), "1440");
  EXPECT_EQ(stream.metadata.at("selected_rows"), "720");
  EXPECT_EQ(stream.metadata.at("dropped_points"), "0");
  // The first period's 9 training points are 20 .. 28.
  EXPECT_DOUBLE_EQ(stream.target_offset, 24);

  std::string message = build_error(make_alibaba_trace_stream, "{id: m_1}");
  EXPECT_NE(message.find("run.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("stream.path"), std::string::npos) << message;
  EXPECT_NE(message.find("required"), std::string::npos) << message;
  message = build_error(make_alibaba_trace_stream, "{path: '" + file + "', table: jobs}");
  EXPECT_NE(message.find("run.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("'table'"), std::string::npos) << message;
  message = build_error(make_alibaba_trace_stream,
                        "{path: '" + file + "', period_seconds: 3600, periods: 5}");
  EXPECT_NE(message.find("run.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("5 periods of 3600 s"), std::string::npos) << message;
}

TEST_F(TraceReaders, NasaAndAzureStreamsReadTheirKeys) {
  std::string text;
  for (int i = 0; i < 3600; ++i) text += std::to_string(i % 60 == 0 ? 60 : 1) + "\n";
  std::string file = write("workload.txt", text);
  Options nasa(
      YAML::Load("{path: '" + file + "', max_points: 50, periods: 2, input_length: 3, horizon: 1}"),
      "stream");
  Stream requests = make_nasa_stream(nasa);
  EXPECT_NO_THROW(nasa.check_all_read());
  EXPECT_EQ(requests.size(), 2);
  EXPECT_EQ(requests.metadata.at("points"), "50");
  EXPECT_EQ(requests.metadata.at("step_seconds"), "60");
  EXPECT_EQ(requests.target_offset, 119);  // every minute: 60 + 59 * 1
  EXPECT_EQ(requests.target_scale, 1);     // no spread: scale 1
  std::string message = build_error(make_nasa_stream, "{path: '" + file + "', resample: 0}");
  EXPECT_NE(message.find("run.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("'resample'"), std::string::npos) << message;

  std::string day = azure_header();
  for (int function = 0; function < 3; ++function) {
    std::map<int, int> counts;
    for (int minute = 1; minute <= 1440; ++minute) counts[minute] = minute % 10 + function;
    day += azure_row("o,a,f" + std::to_string(function) + ",timer", counts);
  }
  write("d1.csv", day);
  write("d2.csv", day);
  write("d10.csv", day);
  Options azure(YAML::Load("{directory: '" + directory_.path() +
                           "', pattern: 'd*.csv', function: f1, resample: 60, "
                           "period_seconds: 86400, periods: 0, input_length: 4, horizon: 2}"),
                "stream");
  Stream invocations = make_azure_functions_stream(azure);
  EXPECT_NO_THROW(azure.check_all_read());
  ASSERT_EQ(invocations.size(), 3);  // one experience per day
  EXPECT_EQ(invocations.metadata.at("days"), "3");
  EXPECT_EQ(invocations.metadata.at("period_length"), "24");
  EXPECT_EQ(invocations.metadata.at("selected_rows"), "3");
  EXPECT_EQ(invocations.target_offset, 6 * (45 + 10));  // an hour of f1: 6 x (0..9 + 1 each)
  message = build_error(make_azure_functions_stream, "{trigger: http}");
  EXPECT_NE(message.find("stream.paths"), std::string::npos) << message;
  EXPECT_NE(message.find("required"), std::string::npos) << message;
  message = build_error(make_azure_functions_stream,
                        "{paths: [a.csv], directory: '" + directory_.path() + "'}");
  EXPECT_NE(message.find("not both"), std::string::npos) << message;
  message = build_error(make_azure_functions_stream, "{paths: a.csv}");
  EXPECT_NE(message.find("stream.paths"), std::string::npos) << message;
}

// ---------------------------------------------------------------------------------------------
// The real traces in ../shared/data

TEST(SharedTraces, NasaArchiveHas84332FullMinutes) {
  std::string data = evergreen::testing::shared_data_dir();
  if (data.empty()) {
    GTEST_SKIP() << "../shared/data is absent: the NASA requests trace "
                    "(workload/nasa/workload.tbz2) is needed for this test";
  }
  TraceReadReport report;
  Series minutes =
      read_nasa_requests(data + "/workload/nasa/workload.tbz2", NasaRequestsOptions(), &report);
  EXPECT_EQ(report.rows, 5059950);
  ASSERT_EQ(minutes.size(), 84332);  // 5,059,950 / 60 = 84,332.5: the last half minute dropped
  EXPECT_EQ(minutes.values[0], 42);
  EXPECT_EQ(minutes.values[1], 62);
  EXPECT_DOUBLE_EQ(minutes.step_seconds, 60);
}

TEST(SharedTraces, AlibabaGroupedCsvThroughTheTraceStream) {
  std::string data = evergreen::testing::shared_data_dir();
  if (data.empty()) {
    GTEST_SKIP() << "../shared/data is absent: the Alibaba 2018 machine-usage trace "
                    "(workload/alibaba2018/machine_usage_300s.csv) is needed for this test";
  }
  std::string file = data + "/workload/alibaba2018/machine_usage_300s.csv";
  Series direct = read_alibaba_trace(file, AlibabaTraceOptions());
  Series csv = read_csv_series(file, CsvSeriesOptions().column("cpu_util_percent"));
  ASSERT_EQ(direct.size(), 2243);
  EXPECT_EQ(direct.values, csv.values);
  EXPECT_EQ(direct.dropped_points, 0);

  Options options(YAML::Load("{path: '" + file +
                             "', period_seconds: 86400, periods: 0, input_length: 24, "
                             "horizon: 3}"),
                  "stream");
  Stream stream = make_alibaba_trace_stream(options);
  EXPECT_NO_THROW(options.check_all_read());
  ASSERT_EQ(stream.size(), 7);  // 2,243 points of 5 minutes: 7 whole days of 288
  EXPECT_EQ(stream.metadata.at("period_length"), "288");
  EXPECT_EQ(stream.metadata.at("unused_points"), std::to_string(2243 - 7 * 288));
  EXPECT_EQ(stream.experiences[0].train.size(), 216 - 27 + 1);
}

}  // namespace
}  // namespace evergreen
