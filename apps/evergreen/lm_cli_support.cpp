#include "lm_cli_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/gnuplot.h"
#include "evergreen/core/quoting.h"
#include "evergreen/models/lm/model_file.h"

namespace evergreen::cli {

using namespace evergreen::lm;
using namespace evergreen::text;

std::string find_tokenizer(const std::string& given, const std::string& model_path,
                           int64_t vocab_size) {
  if (!given.empty()) return given;
  std::filesystem::path directory = std::filesystem::is_directory(model_path)
                                        ? std::filesystem::path(model_path)
                                        : std::filesystem::path(model_path).parent_path();
  for (const std::string& name : {std::string("tokenizer.model"), std::string("tokenizer.bin"),
                                  "tok" + std::to_string(vocab_size) + ".bin"}) {
    if (std::filesystem::exists(directory / name)) return (directory / name).string();
  }
  return "";
}

std::unique_ptr<Tokenizer> open_tokenizer(const std::string& path, const std::string& model_path,
                                          int64_t vocab_size) {
  std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(path, vocab_size);
  check_vocabulary_matches(*tokenizer, vocab_size, path, model_path);
  return tokenizer;
}

std::vector<int64_t> parse_ids(const std::string& text, const std::string& option) {
  std::vector<int64_t> ids;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    EVERGREEN_CHECK_INPUT(!item.empty() &&
                              item.find_first_not_of("0123456789") == std::string::npos &&
                              item.size() < 10,
                          "{}: expected comma-separated token ids, got {}", option, quote(item));
    ids.push_back(std::stoll(item));
  }
  EVERGREEN_CHECK_INPUT(!ids.empty(), "{}: no token id given", option);
  return ids;
}

void add_prompt_options(CLI::App* command, PromptOptions& options) {
  command
      ->add_option("--model", options.model,
                   "llama2.c checkpoint (.bin), Hugging Face directory or .safetensors file")
      ->required();
  command->add_option("--tokenizer", options.tokenizer,
                      "tokenizer (.model SentencePiece or llama2.c .bin; default: the one beside "
                      "the model: tokenizer.model, tokenizer.bin or tok<vocab>.bin)");
  command->add_option("--prompt", options.prompt, "prompt text");
  command->add_option("--ids", options.ids, "prompt as comma-separated token ids (no tokenizer)");
  command->add_flag("!--no-bos", options.bos, "do not put BOS in front of the prompt text");
}

std::string PromptModel::piece(int64_t id) const {
  return tokenizer ? tokenizer->piece(id) : std::to_string(id);
}

PromptModel open_prompt_model(const PromptOptions& options) {
  PromptModel opened;
  opened.model = load_model(options.model);
  const int64_t vocab = opened.model->options().vocab_size();
  const std::string path = find_tokenizer(options.tokenizer, options.model, vocab);
  if (!path.empty()) opened.tokenizer = open_tokenizer(path, options.model, vocab);
  return opened;
}

std::vector<int64_t> prompt_ids(const PromptOptions& options, const Tokenizer* tokenizer) {
  EVERGREEN_CHECK_INPUT(options.ids.empty() || options.prompt.empty(),
                        "--prompt and --ids: give one of them");
  if (!options.ids.empty()) return parse_ids(options.ids);
  if (options.prompt.empty()) return {tokenizer ? tokenizer->bos_id() : 1};
  EVERGREEN_CHECK_INPUT(tokenizer != nullptr,
                        "--prompt: no tokenizer given and none found beside {} (use --tokenizer "
                        "or --ids)",
                        options.model);
  return tokenizer->encode(options.prompt, options.bos);
}

std::vector<int64_t> continuation_tokens(const Tokenizer* tokenizer, const std::string& text,
                                         const std::string& option) {
  EVERGREEN_CHECK_INPUT(tokenizer != nullptr, "{}: needs a tokenizer", option);
  std::vector<int64_t> encoded = tokenizer->encode(text, false);
  // The dummy-prefix space may come out as a token of its own.
  if (encoded.size() > 1 && tokenizer->piece(encoded[0]) == " ") encoded.erase(encoded.begin());
  EVERGREEN_CHECK_INPUT(!encoded.empty(), "{} '{}': encodes to no token", option, quote(text));
  return encoded;
}

std::pair<int64_t, int64_t> find_subject(const std::vector<int64_t>& ids,
                                         const Tokenizer* tokenizer, const std::string& subject) {
  const std::vector<int64_t> wanted = continuation_tokens(tokenizer, subject, "--subject");
  auto found = std::search(ids.begin(), ids.end(), wanted.begin(), wanted.end());
  if (found == ids.end()) {
    auto list = [](const std::vector<int64_t>& tokens) {
      std::string text;
      for (size_t i = 0; i < tokens.size(); ++i) text += (i ? "," : "") + std::to_string(tokens[i]);
      return text;
    };
    throw InputError(fmt::format(
        "--subject '{}': its tokens [{}] are not in the prompt's [{}] (tokenised differently in "
        "context? give --subject-positions BEGIN:END)",
        quote(subject), list(wanted), list(ids)));
  }
  const auto begin = static_cast<int64_t>(found - ids.begin());
  return {begin, begin + static_cast<int64_t>(wanted.size())};
}

void plot_heat_map(const torch::Tensor& values, const std::vector<std::string>& row_labels,
                   const std::vector<std::string>& column_labels, const std::string& png,
                   const std::string& title, double low, double high) {
  const std::string data = png + ".dat";
  std::string rows;
  for (int64_t r = 0; r < values.size(0); ++r) {
    for (int64_t t = 0; t < values.size(1); ++t)
      rows += fmt::format("{} {} {:.6g}\n", t, r, values[r][t].item<double>());
    rows += "\n";
  }
  write_file_atomically(data, rows);
  std::string xtics, ytics;
  for (size_t t = 0; t < column_labels.size(); ++t)
    xtics += fmt::format("{}\"{}\" {}", t ? ", " : "", quote(column_labels[t], 12), t);
  for (size_t r = 0; r < row_labels.size(); ++r)
    ytics += fmt::format("{}\"{}\" {}", r ? ", " : "", row_labels[r], r);
  const std::string script = fmt::format(
      "set terminal pngcairo size 1000,500\nset output '{}'\nset title \"{}\"\n"
      "set xtics ({}) rotate by 45 right\nset ytics ({})\nset cbrange [{}:{}]\n"
      "set palette rgb 21,22,23\nunset key\nplot '{}' using 1:2:3 with image\n",
      png, title, xtics, ytics, low, high, data);
  if (!run_gnuplot(png + ".gp", script))
    std::cerr << "evergreen lm: gnuplot unavailable or failed; no plot written\n";
}

}  // namespace evergreen::cli
