// Text as a stream of experiences for causal language modelling: each file one experience, its
// documents tokenised, packed and cut into rows of a fixed number of tokens.
//
// Every experience's batches hold "tokens" int64 [N, T] and "mask" float [N, T] (1 for a real
// token, 0 for the padding that ends the last row).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/data/experience.h"
#include "evergreen/data/text/tokenizer.h"

namespace evergreen {

/// Token rows of one split.
struct TokenRows {
  torch::Tensor tokens;  ///< int64 [N, T]
  torch::Tensor mask;    ///< float32 [N, T]
};

/// `ids` cut into consecutive rows of `context` tokens; the last, shorter row is padded with
/// token 0 and mask 0. No rows for no ids.
TokenRows token_rows(const std::vector<int64_t>& ids, int64_t context);

/// The documents of `file`: its non-empty lines, or with `field` > 0 the field-th tab-separated
/// field of each line (after `skip_header` lines). InputError naming file and line.
std::vector<std::string> read_documents(const std::string& file, int64_t field,
                                        int64_t skip_header);

/// The documents encoded (BOS in front of each, when the vocabulary has one) and concatenated,
/// at most `max_tokens` of them (InputError naming `file` beyond).
std::vector<int64_t> encode_documents(const std::vector<std::string>& documents,
                                      const text::Tokenizer& tokenizer, int64_t max_tokens,
                                      const std::string& file);

/// `text`: one experience per file of `files`, in order. Options: files, tokenizer (a
/// SentencePiece .model or llama2.c tokenizer.bin), context (tokens per row, 64), test_fraction
/// (the last rows of each file, 0.1), field (tab-separated field of the text, 1-based; 0: the
/// whole line), skip_header (lines, 0), max_tokens (per file, 10,000,000).
///
/// Example (YAML):
///   stream: {name: text, files: [news.txt, reviews.txt], tokenizer: tokenizer.model, context: 128}
Stream make_text_stream(Options& options);

}  // namespace evergreen
