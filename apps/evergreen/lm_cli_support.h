// What the `evergreen lm` subcommands share: a model with its tokenizer, prompts given as text or
// ids, answers and subjects as tokens, and heat-map plots.
#pragma once

#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "evergreen/data/text/tokenizer.h"
#include "evergreen/models/lm/transformer.h"

namespace evergreen::cli {

/// The tokenizer of a model: the one given, else the one beside the model (tokenizer.model,
/// tokenizer.bin, or llama2.c's tok<vocab>.bin), else none ("").
std::string find_tokenizer(const std::string& given, const std::string& model_path,
                           int64_t vocab_size);

/// The tokenizer at `path`, checked against the model's vocabulary (both files named).
std::unique_ptr<text::Tokenizer> open_tokenizer(const std::string& path,
                                                const std::string& model_path, int64_t vocab_size);

/// "3,17,42" as ids; InputError naming `option` for anything else.
std::vector<int64_t> parse_ids(const std::string& text, const std::string& option = "--ids");

struct PromptOptions {
  std::string model, tokenizer, prompt, ids;
  bool bos = true;
};

/// --model, --tokenizer, --prompt, --ids, --no-bos.
void add_prompt_options(CLI::App* command, PromptOptions& options);

/// A model and its tokenizer (none when no tokenizer file is found).
struct PromptModel {
  lm::Transformer model{nullptr};
  std::unique_ptr<text::Tokenizer> tokenizer;
  /// The token's piece, or its id without a tokenizer.
  std::string piece(int64_t id) const;
};
PromptModel open_prompt_model(const PromptOptions& options);

/// The prompt's ids: --ids as given, else BOS + the encoded text (BOS alone without a prompt).
std::vector<int64_t> prompt_ids(const PromptOptions& options, const text::Tokenizer* tokenizer);

/// `text` as it continues a prompt: encoded without BOS, past a lone dummy-prefix space token.
/// InputError naming `option` without a tokenizer or when nothing is left.
std::vector<int64_t> continuation_tokens(const text::Tokenizer* tokenizer, const std::string& text,
                                         const std::string& option);

/// The positions [begin, end) where `subject` (continuation_tokens) occurs first in `ids`;
/// InputError listing both token sequences when it does not.
std::pair<int64_t, int64_t> find_subject(const std::vector<int64_t>& ids,
                                         const text::Tokenizer* tokenizer,
                                         const std::string& subject);

/// A heat map PNG of `values` [rows, columns] (row 0 at the bottom) through gnuplot; a note on
/// stderr when gnuplot is missing.
void plot_heat_map(const torch::Tensor& values, const std::vector<std::string>& row_labels,
                   const std::vector<std::string>& column_labels, const std::string& png,
                   const std::string& title, double low, double high);

/// The trace and edit subcommands (lm_creme_command.cpp).
void add_lm_creme_commands(CLI::App& lm);
/// The train subcommand (lm_train_command.cpp).
void add_lm_train(CLI::App& lm);
/// The eval subcommand (lm_eval_command.cpp).
void add_lm_eval(CLI::App& lm);

}  // namespace evergreen::cli
