#include "evergreen/data/workload_streams.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace evergreen {
namespace {

std::string build_error(const std::string& yaml, bool csv, const std::string& file = "") {
  Options options(YAML::Load(yaml), "stream", file);
  try {
    csv ? make_csv_workload_stream(options) : make_synthetic_workload_stream(options);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

TEST(WorkloadStreams, SyntheticStreamFromOptionsWritesItsDefaultsBack) {
  Options options(YAML::Load("{days: 14, periods: 2, input_length: 24, horizon: 3, seed: 5}"),
                  "stream");
  Stream stream = make_synthetic_workload_stream(options);
  ASSERT_EQ(stream.size(), 2);
  // 14 days x 48 steps = 672 points, two periods of 336, 252 of them for training.
  EXPECT_EQ(stream.experiences[0].train.size(), 252 - 27 + 1);
  EXPECT_EQ(stream.experiences[1].test.size(), 84 - 27 + 1);
  EXPECT_EQ(stream.experiences[0].train.at("x").size(1), 24);
  EXPECT_EQ(stream.experiences[0].train.at("y").size(1), 3);
  EXPECT_EQ(stream.metadata.at("step_seconds"), "1800");
  EXPECT_TRUE(stream.experiences[1].metadata.count("anomaly_fraction"));
  // Every key is read (so check_all_read passes) and its default written back with help.
  EXPECT_NO_THROW(options.check_all_read());
  EXPECT_EQ(options.node()["noise"].as<double>(), 2.0);
  EXPECT_EQ(options.node()["test_fraction"].as<double>(), 0.25);
  for (const OptionDoc& doc : options.docs()) EXPECT_FALSE(doc.help.empty()) << doc.key;

  // The same options give the same stream.
  Options again(YAML::Load("{days: 14, periods: 2, input_length: 24, horizon: 3, seed: 5}"),
                "stream");
  Stream same = make_synthetic_workload_stream(again);
  EXPECT_TRUE(torch::equal(same.experiences[1].test.at("y"), stream.experiences[1].test.at("y")));
  EXPECT_EQ(same.spec.target.offset, stream.spec.target.offset);
}

TEST(WorkloadStreams, SyntheticErrorsSayWhereTheOptionsCameFrom) {
  std::string message = build_error("{days: 0}", false, "run.yaml");
  EXPECT_NE(message.find("run.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("'stream.days': must be >= 1, got 0"), std::string::npos) << message;
  message = build_error("{days: 2}", false, "run.yaml");
  EXPECT_NE(message.find("has 96 points"), std::string::npos) << message;
  message = build_error("{periods: many}", false, "run.yaml");
  EXPECT_NE(message.find("stream.periods"), std::string::npos) << message;
}

TEST(WorkloadStreams, CsvStreamReadsTheFileAndRequiresAPath) {
  evergreen::testing::TemporaryDirectory directory;
  std::string file = directory.file("load.tsv");
  std::string text = "t\trequests\n";
  for (int i = 0; i < 200; ++i) text += std::to_string(i) + "\t" + std::to_string(i % 10) + "\n";
  evergreen::testing::write_text(file, text);
  Options options(YAML::Load("{path: '" + file +
                             "', column: requests, delimiter: tab, resample: 2, aggregate: sum, "
                             "step_seconds: 30, periods: 2, input_length: 4, horizon: 2}"),
                  "stream");
  Stream stream = make_csv_workload_stream(options);
  EXPECT_NO_THROW(options.check_all_read());
  ASSERT_EQ(stream.size(), 2);
  EXPECT_EQ(stream.name, "load.tsv:requests");
  EXPECT_EQ(stream.metadata.at("points"), "100");
  EXPECT_EQ(stream.metadata.at("step_seconds"), "60");
  // Resampled values: 0+1, 2+3, ..., 8+9 repeating: 1, 5, 9, 13, 17; first period's train part
  // (37 points) has mean (7 * 45 + 1 + 5) / 37.
  EXPECT_NEAR(stream.spec.target.offset, (7 * 45 + 1 + 5) / 37.0, 1e-12);

  std::string message = build_error("{column: 1}", true, "run.yaml");
  EXPECT_NE(message.find("run.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("stream.path"), std::string::npos) << message;
  EXPECT_NE(message.find("required"), std::string::npos) << message;
  message = build_error("{path: '" + file + "', aggregate: median}", true, "run.yaml");
  EXPECT_NE(message.find("run.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("'stream.aggregate': must be one of mean, sum, got 'median'"),
            std::string::npos)
      << message;
  message = build_error("{path: '" + file + "', delimiter: '::'}", true, "run.yaml");
  EXPECT_NE(message.find("stream.delimiter"), std::string::npos) << message;
}

}  // namespace
}  // namespace evergreen
