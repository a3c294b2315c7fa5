#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "data/traces/trace_test_support.h"
#include "evergreen/data/csv_series.h"
#include "evergreen/data/trace_readers.h"
#include "evergreen/data/workload_streams.h"
#include "test_support.h"

namespace evergreen {
namespace {

using evergreen::testing::azure_header;
using evergreen::testing::azure_row;
using evergreen::testing::input_error_of;
using evergreen::testing::TraceReaders;

// The streams of workload_streams.h built on the trace readers: their config keys, and the real
// traces end to end.

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
  EXPECT_EQ(stream.dropped_points, 0);
  // The first period's 9 training points are 20 .. 28.
  EXPECT_DOUBLE_EQ(stream.spec.target.offset, 24);

  std::string message = build_error(make_alibaba_trace_stream, "{id: m_1}");
  EXPECT_NE(message.find("run.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("stream.path"), std::string::npos) << message;
  EXPECT_NE(message.find("required"), std::string::npos) << message;
  message = build_error(make_alibaba_trace_stream, "{path: '" + file + "', table: jobs}");
  EXPECT_NE(message.find("run.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("'stream.table': must be one of"), std::string::npos) << message;
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
  EXPECT_EQ(requests.spec.target.offset, 119);  // every minute: 60 + 59 * 1
  EXPECT_EQ(requests.spec.target.scale, 1);     // no spread: scale 1
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
  EXPECT_EQ(invocations.spec.target.offset, 6 * (45 + 10));  // an hour of f1: 6 x (0..9 + 1 each)
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
