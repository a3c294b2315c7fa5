// The tokenizers against known answers: stories260K's greedy sample (ids and text), the Llama 2
// vocabulary in its two formats (the same ids for the same text), a vocabulary trained here twice,
// hand-made vocabularies whose merges are worked out by hand, and every malformed file.
#include "evergreen/data/text/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/data/text/llama2c_tokenizer.h"
#include "evergreen/data/text/sentencepiece_tokenizer.h"
#include "test_support.h"

namespace evergreen::text {
namespace {

using evergreen::testing::input_error_of;
using evergreen::testing::read_text;

void expect_error_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

/// The path of a shared data file, or "" when the shared data is absent.
std::string shared_file(const std::string& relative) {
  const std::string root = testing::shared_data_dir();
  if (root.empty()) return "";
  const std::string file = root + "/" + relative;
  return std::filesystem::exists(file) ? file : "";
}

#define REQUIRE_SHARED(variable, relative)            \
  const std::string variable = shared_file(relative); \
  if (variable.empty()) GTEST_SKIP() << relative << " not found"

/// Skips where the SentencePiece library cannot be loaded (under AddressSanitizer).
#define REQUIRE_SENTENCEPIECE() \
  if (std::string why; !sentencepiece_available(&why)) GTEST_SKIP() << why

// ---------------------------------------------------------------------------------------------
// Hand-made llama2.c files

std::string int32_bytes(int32_t value) {
  std::string bytes(4, '\0');
  std::memcpy(bytes.data(), &value, 4);  // the test machines are little-endian, as the format
  return bytes;
}

std::string float_bytes(float value) {
  std::string bytes(4, '\0');
  std::memcpy(bytes.data(), &value, 4);
  return bytes;
}

struct Entry {
  std::string piece;
  float score = 0;
};

std::string llama2c_bytes(const std::vector<Entry>& entries, int32_t max_token_length = 8) {
  std::string bytes = int32_bytes(max_token_length);
  for (const Entry& entry : entries)
    bytes += float_bytes(entry.score) + int32_bytes(static_cast<int32_t>(entry.piece.size())) +
             entry.piece;
  return bytes;
}

/// A small vocabulary: specials 0..2, byte tokens for 'a' (3) and 0xff (4) only, then pieces.
std::vector<Entry> small_vocabulary() {
  return {{"<unk>"},  {"\n<s>\n"}, {"\n</s>\n"}, {"<0x61>"},     {"<0xFF>"},
          {" ", -5},  {"a", -5},   {"b", -5},    {"c", -5},      {"ab", -1},
          {"ba", -2}, {"bc", -2},  {" a", -3},   {"abc", -0.5f}, {"\xc3\xa9", -5},
          {" b", -4}, {"cc", -2},  {"\n", -5},   {"<0xFF>b", 9}};
}

Llama2cTokenizer small_tokenizer() {
  return Llama2cTokenizer::from_bytes(llama2c_bytes(small_vocabulary()), "small.bin");
}

TEST(Llama2cTokenizer, MergesTheBestScoringPairFirst) {
  const Llama2cTokenizer tokenizer = small_tokenizer();
  ASSERT_EQ(tokenizer.vocab_size(), 19);
  // " abc": pairs " a" -3, "ab" -1, "bc" -2: "ab" first, then "abc" -0.5; " " + "abc" is no piece.
  EXPECT_EQ(tokenizer.encode("abc", false), (std::vector<int64_t>{5, 13}));
  // " ab": "ab" -1 beats " a" -3.
  EXPECT_EQ(tokenizer.encode("ab", true), (std::vector<int64_t>{1, 5, 9}));
  // " ba": " b" -4, "ba" -2: "ba".
  EXPECT_EQ(tokenizer.encode("ba", false), (std::vector<int64_t>{5, 10}));
  // " a": one merge.
  EXPECT_EQ(tokenizer.encode("a", false), (std::vector<int64_t>{12}));
}

TEST(Llama2cTokenizer, TiesGoToTheLeftmostPair) {
  const Llama2cTokenizer tokenizer = small_tokenizer();
  // " bcc": "bc" -2 and "cc" -2 tie and beat " b" -4: the leftmost, "bc", wins, leaving "c"
  // (and " bc" is no piece, so " " stays alone).
  EXPECT_EQ(tokenizer.encode("bcc", false), (std::vector<int64_t>{5, 11, 8}));
  // " cbc": "cb" is no piece: " " "c" "bc".
  EXPECT_EQ(tokenizer.encode("cbc", false), (std::vector<int64_t>{5, 8, 11}));
  // " ccc": "cc" at 1 and at 2 tie: the left one, then "c".
  EXPECT_EQ(tokenizer.encode("ccc", false), (std::vector<int64_t>{5, 16, 8}));
}

TEST(Llama2cTokenizer, FallsBackToByteTokensAndThenUnk) {
  const Llama2cTokenizer tokenizer = small_tokenizer();
  EXPECT_EQ(tokenizer.byte_id('a'), 3);
  EXPECT_EQ(tokenizer.byte_id(0xff), 4);
  EXPECT_EQ(tokenizer.byte_id('b'), -1);
  EXPECT_EQ(tokenizer.byte_value(4), 0xff);
  EXPECT_EQ(tokenizer.byte_value(9), -1);
  // "é" (c3 a9) is a piece; "è" (c3 a8) is not, and neither byte has a byte token: <unk> twice.
  EXPECT_EQ(tokenizer.encode("\xc3\xa9", false), (std::vector<int64_t>{5, 14}));
  EXPECT_EQ(tokenizer.encode("\xc3\xa8", false), (std::vector<int64_t>{5, 0, 0}));
  // A malformed byte (0xff alone) is its byte token and merges with nothing, even where its
  // text "<0xFF>" followed by a piece spells one ("<0xFF>b" scores 9; run.c would merge it).
  EXPECT_EQ(tokenizer.encode("\xff"
                             "a",
                             false),
            (std::vector<int64_t>{5, 4, 6}));
  EXPECT_EQ(tokenizer.encode("\xff"
                             "b",
                             false),
            (std::vector<int64_t>{5, 4, 7}));
  // 0xc3 followed by 'a' is malformed: its byte has no byte token (<unk>), then "a".
  EXPECT_EQ(tokenizer.encode("\xc3"
                             "a",
                             false),
            (std::vector<int64_t>{5, 0, 6}));
  // The text "<s>" is text, never BOS: no piece of it exists here, each character <unk>.
  EXPECT_EQ(tokenizer.encode("<s>", false), (std::vector<int64_t>{5, 0, 0, 0}));
  EXPECT_EQ(tokenizer.encode("", false), (std::vector<int64_t>{}));
  EXPECT_EQ(tokenizer.encode("", true), (std::vector<int64_t>{1}));
}

TEST(Llama2cTokenizer, DecodesBytesAndDropsTheDummyPrefix) {
  const Llama2cTokenizer tokenizer = small_tokenizer();
  // The leading space goes at the start and after BOS, not elsewhere; BOS and EOS are silent.
  EXPECT_EQ(tokenizer.decode({12, 12, 15}), "a a b");
  EXPECT_EQ(tokenizer.decode({1, 12, 2, 12}), "a a");
  EXPECT_EQ(tokenizer.decode({6, 5, 1, 15}), "a b");
  EXPECT_EQ(tokenizer.decode({4, 3, 0}),
            "\xff"
            "a<unk>");
  EXPECT_EQ(tokenizer.decode_piece(1, 12), "a");
  EXPECT_EQ(tokenizer.decode_piece(-1, 12), "a");
  EXPECT_EQ(tokenizer.decode_piece(6, 12), " a");
  EXPECT_EQ(tokenizer.decode_piece(6, 4), "\xff");
  EXPECT_EQ(tokenizer.piece(4), "<0xFF>");
  EXPECT_FLOAT_EQ(tokenizer.score(13), -0.5f);
  expect_error_mentions(input_error_of([&] {
                          tokenizer.decode({5, 19});
                        }),
                        {"small.bin", "token id 19", "0..18"});
  expect_error_mentions(input_error_of([&] { tokenizer.piece(-1); }), {"small.bin", "token id -1"});
}

TEST(Llama2cTokenizer, EncodesLongTextsInLinearishTime) {
  const Llama2cTokenizer tokenizer = small_tokenizer();
  // 200,000 characters: run.c's rescan per merge would take minutes; the queue, milliseconds.
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "abcb";
  const std::vector<int64_t> ids = tokenizer.encode(text, false);
  // " abcbabcb...": "ab" (-1) beats "ba" and "bc" (-2) everywhere, and each "ab" then becomes
  // "abc" (-0.5): " " followed by "abc", "b" 50,000 times.
  ASSERT_EQ(ids.size(), 1u + 2 * 50000);
  EXPECT_EQ(ids[0], 5);
  EXPECT_EQ(ids[1], 13);
  EXPECT_EQ(ids[2], 7);
  EXPECT_EQ(tokenizer.decode(ids), text);
}

// ---------------------------------------------------------------------------------------------
// stories260K

/// The ids and the text of greedy_256_ids_and_text.txt: "ids [a, b, ...]\ntext: TEXT\n", the text
/// running over several lines up to the file's final newline.
std::pair<std::vector<int64_t>, std::string> read_greedy_sample(const std::string& file) {
  const std::string contents = read_text(file);
  const std::string ids_start = "ids [";
  const std::string text_start = "]\ntext: ";
  EXPECT_EQ(contents.compare(0, ids_start.size(), ids_start), 0);
  const size_t end_of_ids = contents.find(text_start);
  EXPECT_NE(end_of_ids, std::string::npos);
  std::vector<int64_t> ids;
  std::string list = contents.substr(ids_start.size(), end_of_ids - ids_start.size());
  for (size_t position = 0; position < list.size();) {
    size_t comma = list.find(',', position);
    if (comma == std::string::npos) comma = list.size();
    ids.push_back(std::stoll(list.substr(position, comma - position)));
    position = comma + 1;
  }
  std::string text = contents.substr(end_of_ids + text_start.size());
  EXPECT_EQ(text.back(), '\n');
  text.pop_back();
  return {ids, text};
}

TEST(Llama2cTokenizer, Stories260KVocabularyLayout) {
  REQUIRE_SHARED(file, "lm/stories260K/tok512.bin");
  const Llama2cTokenizer tokenizer(file, 512);
  EXPECT_EQ(tokenizer.vocab_size(), 512);
  EXPECT_EQ(tokenizer.max_token_length(), 7);
  EXPECT_EQ(tokenizer.piece(0), "<unk>");
  EXPECT_EQ(tokenizer.piece(1), "\n<s>\n");
  EXPECT_EQ(tokenizer.piece(2), "\n</s>\n");
  for (int value = 0; value < 256; ++value) {
    EXPECT_EQ(tokenizer.byte_id(static_cast<uint8_t>(value)), 3 + value) << value;
    EXPECT_EQ(tokenizer.byte_value(3 + value), value);
  }
  EXPECT_EQ(tokenizer.piece(259), " t");
  EXPECT_FLOAT_EQ(tokenizer.score(260), -1.0f);
  EXPECT_EQ(tokenizer.piece(410), " ");
  EXPECT_FLOAT_EQ(tokenizer.score(511), -252.0f);
  // Read until the end of the file, the same 512 tokens.
  EXPECT_EQ(Llama2cTokenizer(file).vocab_size(), 512);
}

TEST(Llama2cTokenizer, Stories260KDecodesTheGreedySampleToItsText) {
  REQUIRE_SHARED(file, "lm/stories260K/tok512.bin");
  REQUIRE_SHARED(sample, "lm/stories260K/greedy_256_ids_and_text.txt");
  const auto [ids, text] = read_greedy_sample(sample);
  ASSERT_EQ(ids.size(), 257u);
  ASSERT_EQ(text.substr(0, 26), "Once upon a time, there wa");
  const Llama2cTokenizer tokenizer(file, 512);
  // The sample starts after BOS, whose follower " Once" loses its space.
  EXPECT_EQ(tokenizer.piece(ids[0]), " Once");
  EXPECT_EQ(tokenizer.decode(ids), text);
  std::vector<int64_t> with_bos = ids;
  with_bos.insert(with_bos.begin(), tokenizer.bos_id());
  EXPECT_EQ(tokenizer.decode(with_bos), text);
  // Streamed as run.c prints it, one token at a time after BOS.
  std::string streamed;
  int64_t previous = tokenizer.bos_id();
  for (int64_t id : ids) {
    streamed += tokenizer.decode_piece(previous, id);
    previous = id;
  }
  EXPECT_EQ(streamed, text);
  // The newlines of the text are the byte token <0x0A> (13), which no merge absorbs.
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 13), std::count(text.begin(), text.end(), '\n'));
}

TEST(Llama2cTokenizer, Stories260KEncodesTheGreedyTextBackToItsIds) {
  REQUIRE_SHARED(file, "lm/stories260K/tok512.bin");
  REQUIRE_SHARED(sample, "lm/stories260K/greedy_256_ids_and_text.txt");
  const auto [ids, text] = read_greedy_sample(sample);
  const Llama2cTokenizer tokenizer(file, 512);
  // The model's greedy choices happen to be the BPE segmentation of their own text, all 257.
  std::vector<int64_t> expected = ids;
  expected.insert(expected.begin(), 1);
  EXPECT_EQ(tokenizer.encode(text, true), expected);
  EXPECT_EQ(tokenizer.encode("Once upon a time", true),
            (std::vector<int64_t>{1, 403, 407, 261, 378}));
}

// ---------------------------------------------------------------------------------------------
// llama2.c file errors

class Llama2cTokenizerErrors : public testing::FileTest {
 protected:
  std::string error_of(const std::string& bytes, int64_t vocab_size = 0) {
    const std::string file = write("tok.bin", bytes);
    return input_error_of([&] { Llama2cTokenizer tokenizer(file, vocab_size); });
  }
};

TEST_F(Llama2cTokenizerErrors, TruncatedTok512) {
  REQUIRE_SHARED(file, "lm/stories260K/tok512.bin");
  const std::string bytes = read_text(file);
  // Each record is 8 bytes then the piece: "<unk>" and "\n<s>\n" 5 bytes, "\n</s>\n" 6, then the
  // byte tokens "<0xXX>" 6 each; token 37 (<0x22>) starts at 4 + 13 + 13 + 14 + 14 * 34 = 520.
  const size_t token_37 = 4 + (8 + 5) + (8 + 5) + (8 + 6) + 14 * 34;
  ASSERT_EQ(bytes.compare(token_37 + 8, 6, "<0x22>"), 0);
  const std::string cut = directory_.file("tok512.bin");
  testing::write_text(cut, bytes.substr(0, token_37 + 2));
  expect_error_mentions(input_error_of([&] { Llama2cTokenizer tokenizer(cut, 512); }),
                        {"tok512.bin", "token 37", "score truncated", "2 of 4 bytes"});
  testing::write_text(cut, bytes.substr(0, token_37 + 6));
  expect_error_mentions(input_error_of([&] { Llama2cTokenizer tokenizer(cut); }),
                        {"tok512.bin", "token 37", "length truncated"});
  testing::write_text(cut, bytes.substr(0, token_37 + 11));
  expect_error_mentions(input_error_of([&] { Llama2cTokenizer tokenizer(cut); }),
                        {"tok512.bin", "token 37", "piece truncated", "length 6 but 3 bytes left"});
  expect_error_mentions(error_of(bytes.substr(0, 3)),
                        {"tok.bin", "truncated", "3 bytes", "max_token_length"});
}

TEST_F(Llama2cTokenizerErrors, AbsurdLengths) {
  REQUIRE_SHARED(file, "lm/stories260K/tok512.bin");
  std::string bytes = read_text(file);
  const size_t token_37_length = 4 + (8 + 5) + (8 + 5) + (8 + 6) + 14 * 34 + 4;
  const std::string original = bytes.substr(token_37_length, 4);
  bytes.replace(token_37_length, 4, int32_bytes(9));
  const std::string copy = directory_.file("tok512.bin");
  testing::write_text(copy, bytes);
  EXPECT_EQ(input_error_of([&] { Llama2cTokenizer tokenizer(copy, 512); }),
            copy + ": token 37: length 9 exceeds max_token_length 7");
  bytes.replace(token_37_length, 4, int32_bytes(-3));
  testing::write_text(copy, bytes);
  expect_error_mentions(input_error_of([&] { Llama2cTokenizer tokenizer(copy, 512); }),
                        {"tok512.bin", "token 37", "length -3 is negative"});
  bytes.replace(token_37_length, 4, int32_bytes(1 << 30));
  testing::write_text(copy, bytes);
  expect_error_mentions(input_error_of([&] { Llama2cTokenizer tokenizer(copy, 512); }),
                        {"tok512.bin", "token 37", "length 1073741824 exceeds max_token_length 7"});
  // max_token_length itself: zero, negative, beyond 1 MiB.
  bytes.replace(token_37_length, 4, original);
  bytes.replace(0, 4, int32_bytes(0));
  testing::write_text(copy, bytes);
  EXPECT_EQ(input_error_of([&] { Llama2cTokenizer tokenizer(copy, 512); }),
            copy + ": max_token_length is 0, expected > 0");
  expect_error_mentions(error_of(llama2c_bytes(small_vocabulary(), -1)),
                        {"tok.bin", "max_token_length is -1"});
  expect_error_mentions(error_of(llama2c_bytes(small_vocabulary(), (1 << 20) + 1)),
                        {"tok.bin", "max_token_length 1048577 exceeds the limit", "1 MiB"});
  // A piece longer than the declared maximum of a hand-made file: "<unk>" is 5 bytes.
  expect_error_mentions(error_of(llama2c_bytes(small_vocabulary(), 4)),
                        {"tok.bin: token 0: length 5 exceeds max_token_length 4"});
}

TEST_F(Llama2cTokenizerErrors, ScoresMustBeFinite) {
  std::vector<Entry> entries = small_vocabulary();
  entries[7].score = std::numeric_limits<float>::quiet_NaN();
  expect_error_mentions(error_of(llama2c_bytes(entries)),
                        {"tok.bin", "token 7", "score is nan", "finite"});
  entries[7].score = -std::numeric_limits<float>::infinity();
  expect_error_mentions(error_of(llama2c_bytes(entries)), {"tok.bin", "token 7", "score is -inf"});
}

TEST_F(Llama2cTokenizerErrors, FileShorterOrLongerThanTheVocabulary) {
  REQUIRE_SHARED(file, "lm/stories260K/tok512.bin");
  const std::string bytes = read_text(file);
  const std::string copy = write("tok512.bin", bytes);
  expect_error_mentions(input_error_of([&] { Llama2cTokenizer tokenizer(copy, 513); }),
                        {"tok512.bin", "token 512", "ends after 512 tokens", "has 513", "shorter"});
  // 511 tokens leave the last one (score, length 3, bytes e2 80 8a: 11 bytes) unread.
  expect_error_mentions(input_error_of([&] { Llama2cTokenizer tokenizer(copy, 511); }),
                        {"tok512.bin", "token 511", "11 bytes follow", "511 tokens", "longer"});
  expect_error_mentions(input_error_of([&] { Llama2cTokenizer tokenizer(copy, -512); }),
                        {"tok512.bin", "vocabulary size -512 is negative"});
  expect_error_mentions(error_of(llama2c_bytes({{"<unk>"}, {"<s>"}})),
                        {"tok.bin", "2 tokens, fewer than the 3 special tokens"});
  expect_error_mentions(error_of(llama2c_bytes({{"<unk>"}, {"<s>"}, {"</s>"}}), 2),
                        {"tok.bin", "vocabulary size 2 is below 3"});
}

TEST_F(Llama2cTokenizerErrors, MissingFile) {
  const std::string file = directory_.file("absent.bin");
  expect_error_mentions(input_error_of([&] { Llama2cTokenizer tokenizer(file); }),
                        {file, "not found"});
  expect_error_mentions(input_error_of([&] { load_tokenizer(file); }), {file, "not found"});
}

// ---------------------------------------------------------------------------------------------
// The factory and the vocabulary check

class TokenizerFactory : public testing::FileTest {};

TEST_F(TokenizerFactory, ChoosesByExtensionAndContent) {
  REQUIRE_SENTENCEPIECE();
  REQUIRE_SHARED(tok512, "lm/stories260K/tok512.bin");
  REQUIRE_SHARED(model, "lm/llama2_tokenizer/tokenizer.model");
  std::unique_ptr<Tokenizer> stories = load_tokenizer(tok512, 512);
  EXPECT_NE(dynamic_cast<Llama2cTokenizer*>(stories.get()), nullptr);
  EXPECT_EQ(stories->path(), tok512);
  std::unique_ptr<Tokenizer> llama = load_tokenizer(model);
  EXPECT_NE(dynamic_cast<SentencePieceTokenizer*>(llama.get()), nullptr);
  EXPECT_EQ(llama->vocab_size(), 32000);
  // A SentencePiece model under another name is still recognised by its bytes ...
  const std::string renamed = write("llama.bin", read_text(model));
  EXPECT_NE(dynamic_cast<SentencePieceTokenizer*>(load_tokenizer(renamed).get()), nullptr);
  // ... and a llama2.c file whose max_token_length is 10 (first byte 0x0a, as a ModelProto's) is
  // not taken for one.
  const std::string ten = write("ten.tok", llama2c_bytes(small_vocabulary(), 10));
  EXPECT_NE(dynamic_cast<Llama2cTokenizer*>(load_tokenizer(ten).get()), nullptr);
}

TEST_F(TokenizerFactory, NonSentencePieceFileAsModel) {
  REQUIRE_SENTENCEPIECE();
  const std::string file = write("fake.model", "this is not a protocol buffer\n");
  expect_error_mentions(input_error_of([&] { load_tokenizer(file); }),
                        {file, "not a SentencePiece model"});
  REQUIRE_SHARED(tok512, "lm/stories260K/tok512.bin");
  const std::string renamed = write("tok512.model", read_text(tok512));
  expect_error_mentions(input_error_of([&] { SentencePieceTokenizer tokenizer(renamed); }),
                        {renamed, "not a SentencePiece model"});
}

TEST_F(TokenizerFactory, VocabularyMismatchNamesBothFilesAndSizes) {
  const std::string file = write("tok.bin", llama2c_bytes(small_vocabulary()));
  std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(file);
  EXPECT_NO_THROW(check_vocabulary_matches(*tokenizer, 19, file, "model.bin"));
  EXPECT_EQ(input_error_of([&] { check_vocabulary_matches(*tokenizer, 512, file, "model.bin"); }),
            "tokenizer " + file +
                " has a vocabulary of 19 tokens but model model.bin has 512: they do not belong "
                "together");
}

// ---------------------------------------------------------------------------------------------
// The Llama 2 vocabulary in both formats

/// Strings of every kind, labelled by kind; a few hundred with the seeded combinations.
std::vector<std::pair<std::string, std::string>> varied_strings() {
  std::vector<std::pair<std::string, std::string>> strings = {
      {"empty", ""},
      {"spaces only", " "},
      {"spaces only", "  "},
      {"spaces only", "     "},
      {"ascii", "Hello world"},
      {"ascii", "The quick brown fox jumps over the lazy dog."},
      {"ascii", "Once upon a time, there was a little girl named Lily."},
      {"ascii", "supercalifragilisticexpialidocious antidisestablishmentarianism"},
      {"ascii", "I"},
      {"ascii", "a"},
      {"multiple spaces", "a  b"},
      {"multiple spaces", "two  spaces   three    four"},
      {"multiple spaces", "x                y"},
      {"leading/trailing spaces", " hello"},
      {"leading/trailing spaces", "hello "},
      {"leading/trailing spaces", "   hello world   "},
      {"newlines", "line one\nline two"},
      {"newlines", "\n"},
      {"newlines", "\n\n\nend"},
      {"newlines", "windows\r\nline"},
      {"newlines", "trailing\n"},
      {"tabs", "a\tb"},
      {"tabs", "\t\tindented"},
      {"tabs", "mixed \t \n whitespace"},
      {"digits", "12345"},
      {"digits", "3.14159 and 2.71828"},
      {"digits", "2023-10-01T12:34:56Z"},
      {"digits", "0"},
      {"punctuation", "!?.,;:'\"()[]{}<>@#$%^&*-_=+/\\|`~"},
      {"punctuation", "Wait... what?! (really)"},
      {"punctuation", "--"},
      {"code", "int main() { return 0; }"},
      {"code", "def f(x):\n    return x ** 2\n"},
      {"accented latin", "café naïve façade"},
      {"accented latin", "Ångström Øresund żółć Đặng"},
      {"accented latin", "Ça va? Très bien, merci."},
      {"greek/cyrillic", "Καλημέρα κόσμε"},
      {"greek/cyrillic", "Привет, мир!"},
      {"cjk", "你好，世界"},
      {"cjk", "日本語のテキストです。"},
      {"cjk", "한국어 문장"},
      {"other scripts", "مرحبا بالعالم"},
      {"other scripts", "नमस्ते दुनिया"},
      {"other scripts", "שלום עולם"},
      {"emoji", "😀"},
      {"emoji", "I love 🍕 and 🍣!"},
      {"emoji", "👩\u200d👩\u200d👧 family"},
      {"emoji", "🇫🇷🇯🇵"},
      {"byte fallback", "\U0001D11E"},         // musical symbol G clef
      {"byte fallback", "\U00010348 gothic"},  // hwair
      {"byte fallback", "\uE000 private use"},
      {"byte fallback", "\U0010FFFD"},
      {"byte fallback", "\U000E0041 tag"},
      {"byte fallback", "\u2028separator"},
      {"control characters", std::string("nul\0byte", 8)},
      {"control characters", "bell\x07 escape\x1b[0m"},
      {"special-looking text", "<s> </s> <unk>"},
      {"special-looking text", "<0x41> <0x0A>"},
      {"repetition", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
      {"repetition", "hahahahahahahahahaha"},
      {"repetition", "............................."},
  };
  const std::vector<std::string> fragments = {
      "the",    "Lily",   "said", "don't", "Hello", "WORLD", "x",    "1",  "42",     "1999",
      "3.5",    "é",      "ñ",    "ü",     "ß",     "世界",  "日本", "😀",  "🍕",      "\U0001D11E",
      ",",      ".",      "!",    "?",     "\"",    "'",     "(",    ")",  "-",      "_",
      "@",      "#",      "$",    "%",     "&",     "*",     "/",    "\\", "abc123", "naïve",
      "Привет", "中文",   "∑",    "π",     "→",     "€",     "£",    "¥",  "©",      "™",
      "\u00A0", "\u3000", "ﬁ",    "Ⅻ",     "①"};
  const std::vector<std::string> separators = {"", " ", " ", " ", "  ", "\n", "\t", "   ", " \n "};
  std::mt19937 random(20240501);
  for (int i = 0; i < 300; ++i) {
    std::string text;
    const int count = 1 + static_cast<int>(random() % 8);
    if (random() % 5 == 0) text += separators[random() % separators.size()];
    for (int j = 0; j < count; ++j) {
      if (j > 0) text += separators[random() % separators.size()];
      text += fragments[random() % fragments.size()];
    }
    if (random() % 5 == 0) text += separators[random() % separators.size()];
    strings.emplace_back("combined", text);
  }
  return strings;
}

class TokenizerLlama2Pair : public ::testing::Test {
 protected:
  void SetUp() override {
    model_file_ = shared_file("lm/llama2_tokenizer/tokenizer.model");
    bin_file_ = shared_file("lm/llama2_tokenizer/tokenizer.bin");
    if (model_file_.empty() || bin_file_.empty()) GTEST_SKIP() << "Llama 2 tokenizer not found";
    REQUIRE_SENTENCEPIECE();
    sentencepiece_ = std::make_unique<SentencePieceTokenizer>(model_file_);
    llama2c_ = std::make_unique<Llama2cTokenizer>(bin_file_, 32000);
  }
  std::string model_file_;
  std::string bin_file_;
  std::unique_ptr<SentencePieceTokenizer> sentencepiece_;
  std::unique_ptr<Llama2cTokenizer> llama2c_;
};

TEST_F(TokenizerLlama2Pair, SameVocabularyInBothFormats) {
  ASSERT_EQ(sentencepiece_->vocab_size(), 32000);
  ASSERT_EQ(llama2c_->vocab_size(), 32000);
  EXPECT_EQ(llama2c_->max_token_length(), 27);
  EXPECT_EQ(sentencepiece_->bos_id(), 1);
  EXPECT_EQ(sentencepiece_->eos_id(), 2);
  EXPECT_EQ(sentencepiece_->unk_id(), 0);
  EXPECT_EQ(sentencepiece_->piece(1), "<s>");
  EXPECT_EQ(llama2c_->piece(1), "\n<s>\n");
  EXPECT_EQ(sentencepiece_->piece(29871), "\xe2\x96\x81");
  EXPECT_EQ(llama2c_->piece(29871), " ");
  int differing = 0;
  for (int64_t id = 3; id < 32000; ++id) {
    std::string piece = sentencepiece_->piece(id);
    for (size_t at; (at = piece.find("\xe2\x96\x81")) != std::string::npos;)
      piece.replace(at, 3, " ");
    differing += piece != llama2c_->piece(id) || sentencepiece_->score(id) != llama2c_->score(id);
  }
  EXPECT_EQ(differing, 0);
  for (int value = 0; value < 256; ++value) EXPECT_EQ(llama2c_->byte_id(value), 3 + value);
}

TEST_F(TokenizerLlama2Pair, KnownIds) {
  EXPECT_EQ(sentencepiece_->encode("Hello world", true), (std::vector<int64_t>{1, 15043, 3186}));
  EXPECT_EQ(llama2c_->encode("Hello world", true), (std::vector<int64_t>{1, 15043, 3186}));
  // Byte fallback: U+1D11E is f0 9d 84 9e, bytes 3 + value.
  EXPECT_EQ(llama2c_->encode("\U0001D11E", false),
            (std::vector<int64_t>{29871, 3 + 0xf0, 3 + 0x9d, 3 + 0x84, 3 + 0x9e}));
}

TEST_F(TokenizerLlama2Pair, EncodeTheSameIdsAndRoundTrip) {
  std::map<std::string, std::pair<int, int>> agreement;  // kind -> (agreeing, total)
  int total = 0;
  for (const auto& [kind, text] : varied_strings()) {
    for (bool add_bos : {false, true}) {
      const std::vector<int64_t> expected = sentencepiece_->encode(text, add_bos);
      const std::vector<int64_t> got = llama2c_->encode(text, add_bos);
      EXPECT_EQ(got, expected) << kind << ": '" << text << "'";
      auto& [agreeing, count] = agreement[kind];
      agreeing += got == expected;
      ++count;
      ++total;
      EXPECT_EQ(llama2c_->decode(got), text) << kind << ": '" << text << "'";
      EXPECT_EQ(sentencepiece_->decode(expected), text) << kind << ": '" << text << "'";
    }
    // Streaming gives the same bytes.
    std::string streamed;
    int64_t previous = -1;
    for (int64_t id : sentencepiece_->encode(text, true)) {
      streamed += sentencepiece_->decode_piece(previous, id);
      previous = id;
    }
    EXPECT_EQ(streamed, text) << kind;
  }
  EXPECT_GE(total, 700);
  for (const auto& [kind, counts] : agreement)
    std::printf("  %-24s %d/%d agree\n", kind.c_str(), counts.first, counts.second);
}

// The two classes of text where the formats legitimately disagree, both because SentencePiece
// rewrites the text before its BPE (which is then the same as llama2.c's): U+2581 is its own
// spelling of a space, so one in the text is read as a space (and decodes to one); and its
// normaliser replaces each malformed UTF-8 byte with U+FFFD, where llama2.c keeps the byte as its
// byte token. llama2.c's tokens give both texts back exactly; SentencePiece's do not.
TEST_F(TokenizerLlama2Pair, DisagreeOnlyWhereSentencePieceRewritesTheText) {
  const std::string space_symbol = "\xe2\x96\x81";
  const std::string with_symbol = "a" + space_symbol + "b";
  EXPECT_EQ(sentencepiece_->encode(with_symbol, false), (std::vector<int64_t>{263, 289}));
  EXPECT_EQ(sentencepiece_->encode(with_symbol, false), sentencepiece_->encode("a b", false));
  EXPECT_EQ(sentencepiece_->decode(sentencepiece_->encode(with_symbol, false)), "a b");
  EXPECT_EQ(llama2c_->encode(with_symbol, false),
            (std::vector<int64_t>{263, 3 + 0xe2, 3 + 0x96, 3 + 0x81, 29890}));
  EXPECT_EQ(llama2c_->decode(llama2c_->encode(with_symbol, false)), with_symbol);

  const std::string malformed = "bad \xff utf8";
  EXPECT_EQ(sentencepiece_->encode(malformed, false),
            sentencepiece_->encode("bad \xef\xbf\xbd utf8", false));
  EXPECT_EQ(sentencepiece_->encode(malformed, false),
            (std::vector<int64_t>{4319, 29871, 30140, 23616, 29947}));  // 30140: U+FFFD
  EXPECT_EQ(llama2c_->encode(malformed, false),
            (std::vector<int64_t>{4319, 29871, 3 + 0xff, 23616, 29947}));
  EXPECT_EQ(llama2c_->decode(llama2c_->encode(malformed, false)), malformed);
}

TEST_F(TokenizerLlama2Pair, Llama2cRoundTripsAnyBytes) {
  std::mt19937 random(7);
  for (int i = 0; i < 200; ++i) {
    std::string bytes(static_cast<size_t>(random() % 40), '\0');
    for (char& byte : bytes) byte = static_cast<char>(random() % 256);
    EXPECT_EQ(llama2c_->decode(llama2c_->encode(bytes, true)), bytes);
  }
}

// ---------------------------------------------------------------------------------------------
// Training a SentencePiece model

/// Sentences from a small grammar, seeded: a corpus with repeated words to merge.
std::string generated_corpus(int sentences, uint32_t seed) {
  const std::vector<std::string> subjects = {
      "The cat", "A dog", "Lily", "The little bird", "Tom", "My friend", "The old man", "Everyone"};
  const std::vector<std::string> verbs = {"saw",         "liked",     "wanted",      "found",
                                          "played with", "talked to", "jumped over", "looked at"};
  const std::vector<std::string> objects = {"the ball",   "a red apple",    "the big tree",
                                            "her mother", "the sunny park", "a tiny box",
                                            "the café",   "3 cookies"};
  std::mt19937 random(seed);
  std::string corpus;
  for (int i = 0; i < sentences; ++i)
    corpus += subjects[random() % subjects.size()] + " " + verbs[random() % verbs.size()] + " " +
              objects[random() % objects.size()] + ".\n";
  return corpus;
}

class SentencePieceTraining : public testing::FileTest {
 protected:
  void SetUp() override { REQUIRE_SENTENCEPIECE(); }
  std::string corpus() { return write("corpus.txt", generated_corpus(2000, 11)); }
};

TEST_F(SentencePieceTraining, TrainsLoadsAndRoundTrips) {
  const std::string prefix = directory_.file("tok400");
  train_sentencepiece(corpus(), prefix, SentencePieceTrainingOptions().vocab_size(400).seed(3));
  ASSERT_TRUE(std::filesystem::exists(prefix + ".model"));
  ASSERT_TRUE(std::filesystem::exists(prefix + ".vocab"));
  SentencePieceTokenizer tokenizer(prefix + ".model");
  EXPECT_EQ(tokenizer.vocab_size(), 400);
  EXPECT_EQ(tokenizer.unk_id(), 0);
  EXPECT_EQ(tokenizer.bos_id(), 1);
  EXPECT_EQ(tokenizer.eos_id(), 2);
  // Byte fallback: the 256 byte tokens follow the specials, as in Llama 2.
  EXPECT_EQ(tokenizer.piece(3), "<0x00>");
  EXPECT_EQ(tokenizer.piece(258), "<0xFF>");
  // The .vocab file: one line per piece.
  const std::string vocabulary = read_text(prefix + ".vocab");
  EXPECT_EQ(std::count(vocabulary.begin(), vocabulary.end(), '\n'), 400);
  EXPECT_EQ(vocabulary.compare(0, 8, "<unk>\t0\n"), 0);
  for (const std::string text :
       {"The cat saw the ball.", "Lily  liked\tthe café", "  spaces  ", "unseen 😀 ♞ text",
        "Everyone jumped over 3 cookies.\nTom found a tiny box."}) {
    const std::vector<int64_t> ids = tokenizer.encode(text, true);
    EXPECT_EQ(ids.front(), 1);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), tokenizer.unk_id()), 0) << text;
    EXPECT_EQ(tokenizer.decode(ids), text);
  }
  // Frequent words become single pieces: far fewer tokens than characters.
  EXPECT_LT(tokenizer.encode("The little bird played with the ball.", false).size(), 15u);
  // The emoji is not in the corpus: its four bytes.
  EXPECT_EQ(tokenizer.encode("😀", false).size(), 5u);  // "▁" then f0 9f 98 80
}

TEST_F(SentencePieceTraining, SameOptionsGiveTheSameModel) {
  const std::string file = corpus();
  for (const std::string type : {"bpe", "unigram"}) {
    // 300: this corpus supports at most 325 unigram pieces.
    const auto options = SentencePieceTrainingOptions().vocab_size(300).model_type(type).seed(5);
    train_sentencepiece(file, directory_.file("first"), options);
    train_sentencepiece(file, directory_.file("second"), options);
    EXPECT_EQ(read_text(directory_.file("first.model")), read_text(directory_.file("second.model")))
        << type;
    SentencePieceTokenizer first(directory_.file("first.model"));
    SentencePieceTokenizer second(directory_.file("second.model"));
    ASSERT_EQ(first.vocab_size(), 300) << type;
    ASSERT_EQ(second.vocab_size(), 300) << type;
    for (int64_t id = 0; id < 300; ++id) {
      ASSERT_EQ(first.piece(id), second.piece(id)) << type << " " << id;
      ASSERT_EQ(first.score(id), second.score(id)) << type << " " << id;
    }
    EXPECT_EQ(first.decode(first.encode("The old man talked to her mother.", true)),
              "The old man talked to her mother.");
  }
}

TEST_F(SentencePieceTraining, UserDefinedSymbolsStayWhole) {
  const std::string prefix = directory_.file("symbols");
  train_sentencepiece(
      corpus(), prefix,
      SentencePieceTrainingOptions().vocab_size(400).user_defined_symbols({"<sep>", "<cls>"}));
  SentencePieceTokenizer tokenizer(prefix + ".model");
  // User-defined symbols come right after the specials, before the byte tokens.
  EXPECT_EQ(tokenizer.piece(3), "<sep>");
  EXPECT_EQ(tokenizer.piece(4), "<cls>");
  const std::vector<int64_t> ids = tokenizer.encode("Tom<sep>Lily", false);
  EXPECT_NE(std::find(ids.begin(), ids.end(), 3), ids.end());
  EXPECT_EQ(tokenizer.decode(ids), "Tom<sep>Lily");
}

TEST_F(SentencePieceTraining, RejectsBadCorpusAndOptions) {
  const std::string missing = directory_.file("absent.txt");
  expect_error_mentions(
      input_error_of([&] { train_sentencepiece(missing, directory_.file("m"), {}); }),
      {missing, "not found"});
  const std::string file = corpus();
  const auto error = [&](const SentencePieceTrainingOptions& options) {
    return input_error_of([&] { train_sentencepiece(file, directory_.file("m"), options); });
  };
  expect_error_mentions(error(SentencePieceTrainingOptions().model_type("wordpiece")),
                        {"corpus.txt", "model_type", "wordpiece", "bpe, unigram"});
  expect_error_mentions(error(SentencePieceTrainingOptions().vocab_size(0)),
                        {"corpus.txt", "vocab_size"});
  expect_error_mentions(error(SentencePieceTrainingOptions().character_coverage(1.5)),
                        {"corpus.txt", "character_coverage"});
  expect_error_mentions(error(SentencePieceTrainingOptions().vocab_size(300).bos_id(300)),
                        {"corpus.txt", "bos_id", "300"});
  expect_error_mentions(error(SentencePieceTrainingOptions().user_defined_symbols({"a,b"})),
                        {"corpus.txt", "user_defined_symbols", "comma"});
  // The trainer's own refusal: more pieces than this corpus can make.
  expect_error_mentions(error(SentencePieceTrainingOptions().vocab_size(100000)),
                        {"corpus.txt", "sentencepiece training failed",
                         "Vocabulary size too high (100000)", "<= 547"});
  expect_error_mentions(
      error(SentencePieceTrainingOptions().vocab_size(100000).model_type("unigram")),
      {"corpus.txt", "sentencepiece training failed", "<= 325"});
  EXPECT_FALSE(std::filesystem::exists(directory_.file("m.model")));
}

}  // namespace
}  // namespace evergreen::text
