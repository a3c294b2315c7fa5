#include "evergreen/data/text/text_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/io/input_file.h"

namespace evergreen {
namespace {

// The field-th (1-based) tab-separated field of `line`, or nullopt when it has fewer.
std::optional<std::string> tab_field(const std::string& line, int64_t field) {
  size_t start = 0;
  for (int64_t index = 1; index < field; ++index) {
    const size_t tab = line.find('\t', start);
    if (tab == std::string::npos) return std::nullopt;
    start = tab + 1;
  }
  const size_t end = line.find('\t', start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

Batch rows_batch(const TokenRows& rows, int64_t begin, int64_t end) {
  return Batch{{"tokens", rows.tokens.slice(0, begin, end).clone()},
               {"mask", rows.mask.slice(0, begin, end).clone()}};
}

}  // namespace

TokenRows token_rows(const std::vector<int64_t>& ids, int64_t context) {
  EVERGREEN_CHECK_INPUT(context >= 2, "token rows: a row needs at least 2 tokens, got {}", context);
  const auto count = static_cast<int64_t>(ids.size());
  const int64_t rows = (count + context - 1) / context;
  TokenRows result;
  result.tokens = torch::zeros({rows, context}, torch::kInt64);
  result.mask = torch::zeros({rows, context}, torch::kFloat32);
  if (count == 0) return result;
  result.tokens.view(-1).narrow(0, 0, count).copy_(torch::tensor(ids, torch::kInt64));
  result.mask.view(-1).narrow(0, 0, count).fill_(1.0);
  return result;
}

std::vector<std::string> read_documents(const std::string& file, int64_t field,
                                        int64_t skip_header) {
  std::ifstream in = open_input_file(file);
  std::vector<std::string> documents;
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number <= skip_header) continue;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (field > 0) {
      std::optional<std::string> text = tab_field(line, field);
      EVERGREEN_CHECK_INPUT(text.has_value() || line.empty(),
                            "{}:{}: no tab-separated field {} (the line has {})", file, number,
                            field, std::count(line.begin(), line.end(), '\t') + 1);
      if (text) line = *text;
    }
    if (line.find_first_not_of(" \t") != std::string::npos) documents.push_back(line);
  }
  EVERGREEN_CHECK_INPUT(!in.bad(), "{}: read error", file);
  EVERGREEN_CHECK_INPUT(!documents.empty(), "{}: no text (every line is empty{})", file,
                        skip_header > 0 ? " after the header" : "");
  return documents;
}

std::vector<int64_t> encode_documents(const std::vector<std::string>& documents,
                                      const text::Tokenizer& tokenizer, int64_t max_tokens,
                                      const std::string& file) {
  std::vector<int64_t> ids;
  const bool bos = tokenizer.bos_id() >= 0;
  for (const std::string& document : documents) {
    std::vector<int64_t> encoded = tokenizer.encode(document, bos);
    ids.insert(ids.end(), encoded.begin(), encoded.end());
    EVERGREEN_CHECK_INPUT(static_cast<int64_t>(ids.size()) <= max_tokens,
                          "{}: more than max_tokens = {} tokens (raise max_tokens or cut the file)",
                          file, max_tokens);
  }
  return ids;
}

Stream make_text_stream(Options& options) {
  auto files =
      options.get<std::vector<std::string>>("files", {}, "text files, one experience each");
  auto tokenizer_path = options.get<std::string>(
      "tokenizer", "", "tokenizer: a SentencePiece .model or a llama2.c tokenizer.bin");
  auto context = options.get<int64_t>("context", 64, "tokens per row");
  auto test_fraction =
      options.get<double>("test_fraction", 0.1, "share of each file's rows (its last) for testing");
  auto field = options.get<int64_t>(
      "field", 0, "tab-separated field holding the text, 1-based (0: the whole line)");
  auto skip_header = options.get<int64_t>("skip_header", 0, "lines skipped at each file's start");
  auto max_tokens = options.get<int64_t>("max_tokens", 10'000'000, "tokens read per file at most");
  EVERGREEN_CHECK_INPUT(context >= 2 && context <= 1'000'000, "{}: must be 2..1000000, got {}",
                        options.where("context"), context);
  EVERGREEN_CHECK_INPUT(test_fraction > 0 && test_fraction < 1, "{}: must lie in (0, 1), got {}",
                        options.where("test_fraction"), test_fraction);
  EVERGREEN_CHECK_INPUT(field >= 0, "{}: must be >= 0", options.where("field"));
  EVERGREEN_CHECK_INPUT(skip_header >= 0, "{}: must be >= 0", options.where("skip_header"));
  EVERGREEN_CHECK_INPUT(max_tokens >= 1, "{}: must be >= 1", options.where("max_tokens"));
  if (options.listing_only()) return Stream{};
  EVERGREEN_CHECK_INPUT(!files.empty(), "{}: give at least one text file", options.where("files"));
  EVERGREEN_CHECK_INPUT(!tokenizer_path.empty(), "{}: give the tokenizer file",
                        options.where("tokenizer"));
  // Rows and masks of every file at the largest size max_tokens allows.
  check_allocation(static_cast<double>(files.size()) * static_cast<double>(max_tokens) * 12.0,
                   fmt::format("{} (files x max_tokens)", options.where("max_tokens")));
  std::unique_ptr<text::Tokenizer> tokenizer = text::load_tokenizer(tokenizer_path);

  Stream stream;
  stream.name = fmt::format("text ({} files)", files.size());
  stream.spec.kind = StreamKind::kTokenSequences;
  stream.spec.vocab_size = tokenizer->vocab_size();
  stream.spec.input_shape = {context};
  stream.metadata = {{"tokenizer", tokenizer_path}};
  for (size_t index = 0; index < files.size(); ++index) {
    const std::string& file = files[index];
    const std::vector<int64_t> ids =
        encode_documents(read_documents(file, field, skip_header), *tokenizer, max_tokens, file);
    const TokenRows rows = token_rows(ids, context);
    const int64_t count = rows.tokens.size(0);
    EVERGREEN_CHECK_INPUT(count >= 2,
                          "{}: {} tokens make {} row of {}; a train and a test split need at "
                          "least 2 rows",
                          file, ids.size(), count, context);
    const int64_t test = std::clamp<int64_t>(
        static_cast<int64_t>(std::llround(test_fraction * static_cast<double>(count))), 1,
        count - 1);
    Experience experience;
    experience.id = static_cast<int64_t>(index) + 1;
    experience.name = std::filesystem::path(file).filename().string();
    experience.train = rows_batch(rows, 0, count - test);
    experience.test = rows_batch(rows, count - test, count);
    stream.experiences.push_back(std::move(experience));
  }
  return stream;
}

}  // namespace evergreen
