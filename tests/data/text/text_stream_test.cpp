#include "evergreen/data/text/text_stream.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "models/lm/lm_test_support.h"
#include "test_support.h"

namespace evergreen {
namespace {

using testing::input_error_of;
using testing::write_text;

TEST(TokenRows, CutIdsIntoRowsAndPadTheLastWithAMaskOfZeros) {
  TokenRows rows = token_rows({5, 6, 7, 8, 9, 10, 11}, 3);
  EXPECT_TRUE(torch::equal(rows.tokens, torch::tensor({{5, 6, 7}, {8, 9, 10}, {11, 0, 0}})));
  EXPECT_TRUE(
      torch::equal(rows.mask, torch::tensor({{1.f, 1.f, 1.f}, {1.f, 1.f, 1.f}, {1.f, 0.f, 0.f}})));
  EXPECT_EQ(token_rows({1, 2, 3, 4}, 2).tokens.size(0), 2);
  EXPECT_EQ(token_rows({}, 4).tokens.size(0), 0);
  EXPECT_NE(input_error_of([] { token_rows({1}, 1); }).find("at least 2 tokens"),
            std::string::npos);
}

TEST(TextDocuments, LinesOrOneTabSeparatedFieldAfterAHeader) {
  testing::TemporaryDirectory directory;
  const std::string plain = directory.file("plain.txt");
  write_text(plain, "first line\n\n   \nsecond line\r\n");
  EXPECT_EQ(read_documents(plain, 0, 0), (std::vector<std::string>{"first line", "second line"}));
  const std::string tsv = directory.file("reviews.tsv");
  write_text(tsv, "label\tsentence\n1\ta fine film\n0\tdull\n");
  EXPECT_EQ(read_documents(tsv, 2, 1), (std::vector<std::string>{"a fine film", "dull"}));
  write_text(tsv, "label\tsentence\n1\ta fine film\n0 dull\n");
  EXPECT_NE(input_error_of([&] {
              read_documents(tsv, 2, 1);
            }).find("reviews.tsv:3: no tab-separated field 2 (the line has 1)"),
            std::string::npos);
  write_text(plain, "\n\n");
  EXPECT_NE(input_error_of([&] { read_documents(plain, 0, 0); }).find("plain.txt: no text"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] {
              read_documents(directory.file("none.txt"), 0, 0);
            }).find("none.txt: file not found"),
            std::string::npos);
}

TEST(TextStream, EachFileIsAnExperienceOfItsTokensWithTheLastRowsForTesting) {
  const std::string tokenizer = testing::stories_file("tok512.bin");
  if (tokenizer.empty() || !std::filesystem::exists(tokenizer)) GTEST_SKIP() << "no shared data";
  testing::TemporaryDirectory directory;
  const std::string first = directory.file("first.txt"), second = directory.file("second.txt");
  std::string story, other;
  for (int i = 0; i < 20; ++i) story += "Lily went to the park and played with her ball.\n";
  for (int i = 0; i < 20; ++i) other += "Tom had a big red car. He liked to drive it fast.\n";
  write_text(first, story);
  write_text(second, other);
  Options options(YAML::Load("{files: [" + first + ", " + second + "], tokenizer: " + tokenizer +
                             ", context: 16, test_fraction: 0.25}"),
                  "stream");
  Stream stream = make_text_stream(options);
  options.check_all_read();
  ASSERT_EQ(stream.experiences.size(), 2u);
  EXPECT_EQ(stream.spec.kind, StreamKind::kTokenSequences);
  EXPECT_EQ(stream.spec.vocab_size, 512);
  EXPECT_EQ(stream.spec.input_shape, (std::vector<int64_t>{16}));
  EXPECT_EQ(stream.experiences[0].name, "first.txt");
  // The rows are the documents' encodings, each with BOS, concatenated.
  auto text_tokenizer = text::load_tokenizer(tokenizer);
  std::vector<int64_t> ids;
  for (int i = 0; i < 20; ++i) {
    auto encoded = text_tokenizer->encode("Lily went to the park and played with her ball.", true);
    ids.insert(ids.end(), encoded.begin(), encoded.end());
  }
  TokenRows expected = token_rows(ids, 16);
  const int64_t rows = expected.tokens.size(0);
  const int64_t test = std::llround(0.25 * static_cast<double>(rows));
  const Experience& experience = stream.experiences[0];
  EXPECT_TRUE(
      torch::equal(experience.train.at("tokens"), expected.tokens.narrow(0, 0, rows - test)));
  EXPECT_TRUE(
      torch::equal(experience.test.at("tokens"), expected.tokens.narrow(0, rows - test, test)));
  EXPECT_TRUE(torch::equal(experience.test.at("mask"), expected.mask.narrow(0, rows - test, test)));

  write_text(second, "Tom.\n");
  Options short_options(YAML::Load("{files: [" + second + "], tokenizer: " + tokenizer + "}"),
                        "stream");
  EXPECT_NE(input_error_of([&] {
              make_text_stream(short_options);
            }).find("a train and a test split need at least 2 rows"),
            std::string::npos);
  Options no_files(YAML::Load("{tokenizer: " + tokenizer + "}"), "stream");
  EXPECT_NE(input_error_of([&] { make_text_stream(no_files); }).find("give at least one text file"),
            std::string::npos);
  Options bound(
      YAML::Load("{files: [" + first + "], tokenizer: " + tokenizer + ", max_tokens: 100}"),
      "stream");
  EXPECT_NE(input_error_of([&] { make_text_stream(bound); }).find("more than max_tokens = 100"),
            std::string::npos);
}

}  // namespace
}  // namespace evergreen
