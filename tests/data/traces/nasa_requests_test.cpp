#include "evergreen/data/traces/nasa_requests.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "data/traces/trace_test_support.h"
#include "evergreen/core/resource_bounds.h"
#include "test_support.h"

namespace evergreen {
namespace {

using evergreen::testing::input_error_of;
using evergreen::testing::TraceReaders;
using evergreen::testing::write_text;

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

// Counts of up to 18 digits each: their sum over a resampled group overflowed int64 silently.
TEST_F(TraceReaders, NasaCountsAddingUpPastInt64AreRefused) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += "999999999999999999 ";
  std::string file = write("workload.txt", "1 2\n" + text + "\n");
  EXPECT_EQ(read_nasa_requests(file, NasaRequestsOptions().resample(1)).values.back(),
            999999999999999999.0);
  EXPECT_EQ(input_error_of([&] { read_nasa_requests(file, NasaRequestsOptions().resample(12)); }),
            file +
                ":2: field 10: the counts of seconds 1-12 (resample 12) add up to more than "
                "9223372036854775807 requests");
}

// A few kilobytes of bzip2 can decompress to gigabytes of counts: the points are bounded by the
// memory budget as they are read.
TEST_F(TraceReaders, NasaPointsBeyondTheMemoryBudgetAreRefusedAsTheyGrow) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "1 ";
  std::string file = write("workload.txt", text + "\n");
  set_memory_budget_bytes(4096);
  const std::string message =
      input_error_of([&] { read_nasa_requests(file, NasaRequestsOptions().resample(1)); });
  set_memory_budget_bytes(0);
  EXPECT_EQ(message, file +
                         ":1: 256 points read so far: would allocate about 6 KiB, more than the "
                         "memory budget of 4 KiB (memory_budget_gb in the config, or "
                         "EVERGREEN_MEMORY_BUDGET_GB)");
  EXPECT_EQ(read_nasa_requests(file, NasaRequestsOptions().resample(1)).values.size(), 1000u);
}

}  // namespace
}  // namespace evergreen
