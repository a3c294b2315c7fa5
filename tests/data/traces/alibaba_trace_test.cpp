#include "evergreen/data/traces/alibaba_trace.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/traces/trace_test_support.h"
#include "test_support.h"

namespace evergreen {
namespace {

using evergreen::testing::input_error_of;
using evergreen::testing::TraceReaders;

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
  EXPECT_EQ(input_error_of(
                [&] { read_alibaba_trace(file, AlibabaTraceOptions().table("machine_usage")); }),
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

// Time stamps at the ends of int64 and row times beyond it: the span, the bucket indices and a
// grouped file's row times were computed in int64 and overflowed (a negative bucket count, then
// std::length_error, or a wrong bucket).
TEST_F(TraceReaders, AlibabaTimesAtTheEndsOfInt64AreRefusedNotOverflowed) {
  std::string wide = write("wide.csv",
                           "m_1,-9000000000000000000,10,50,,,,,5\n"
                           "m_1,9000000000000000000,20,50,,,,,5\n");
  EXPECT_EQ(input_error_of([&] { read_alibaba_trace(wide, AlibabaTraceOptions()); }),
            wide +
                ": times span -9000000000000000000 to 9000000000000000000 seconds: more than "
                "100000000 buckets of 300 s; check column 'time_stamp' or raise bucket_seconds");
  std::string ends = write("ends.csv",
                           "m_1,9223372036854775807,10,50,,,,,5\n"
                           "m_1,-9223372036854775808,20,50,,,,,5\n");
  EXPECT_NE(
      input_error_of([&] { read_alibaba_trace(ends, AlibabaTraceOptions().bucket_seconds(1)); })
          .find(": times span -9223372036854775808 to 9223372036854775807 seconds: more "
                "than 100000000 buckets of 1 s"),
      std::string::npos);
  // Two readings a whole int64 range apart fit in two huge buckets.
  Series two = read_alibaba_trace(
      ends, AlibabaTraceOptions().bucket_seconds(int64_t{1} << 62).empty_buckets("interpolate"));
  EXPECT_EQ(two.values.front(), 20);
  EXPECT_EQ(two.values.back(), 10);

  std::string grouped = write("grouped.csv", "cpu_util_percent\n10\n20\n30\n");
  EXPECT_EQ(input_error_of([&] {
              read_alibaba_trace(grouped, AlibabaTraceOptions().row_seconds(int64_t{1} << 62));
            }),
            grouped +
                ":4: data row 3 would be at 2 x 4611686018427387904 s (row_seconds), past the "
                "largest time stamp 9223372036854775807");
}

}  // namespace
}  // namespace evergreen
