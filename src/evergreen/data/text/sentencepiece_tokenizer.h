// SentencePiece models (`tokenizer.model` of Llama 2, or one trained here from a corpus) through
// the SentencePiece library, and the trainer that gives a from-scratch model its vocabulary.
//
// The library is reached through evergreen_sentencepiece/sentencepiece_shim.h, a C interface in
// its own shared library loaded at the first use with dlopen(RTLD_LOCAL | RTLD_DEEPBIND):
// Debian's libsentencepiece carries its own copy of protobuf, which linked normally would
// interpose the libprotobuf of LibTorch and crash the program before main.
#pragma once

#include <torch/arg.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "evergreen/data/text/tokenizer.h"

namespace evergreen::text {

/// Whether the SentencePiece library can be used in this process; when not, `why` (if given)
/// says why: the shim library is missing (its path is the build's, or the environment variable
/// EVERGREEN_SENTENCEPIECE_LIBRARY), or the process runs under AddressSanitizer, whose runtime
/// refuses RTLD_DEEPBIND. Everything below throws EnvironmentError with that reason then.
bool sentencepiece_available(std::string* why = nullptr);

/// A SentencePiece model (BPE or unigram), encoded and decoded by the library itself.
///
/// piece() spells a space as SentencePiece does, U+2581 ("▁"); decode() is the library's (it
/// turns byte tokens that do not form valid UTF-8 into U+FFFD, and `<unk>` into " ⁇ ");
/// decode_piece() gives the raw bytes of one token, dropping the leading space at the start of a
/// text and after BOS as llama2.c does.
///
/// Example:
///   SentencePieceTokenizer tokenizer(data + "/lm/llama2_tokenizer/tokenizer.model");
///   tokenizer.encode("Hello world", /*add_bos=*/true);  // {1, 15043, 3186}
class SentencePieceTokenizer : public Tokenizer {
 public:
  /// Loads the model in `path`: InputError naming the file and SentencePiece's status message
  /// when it is missing or not a SentencePiece model.
  explicit SentencePieceTokenizer(const std::string& path);
  ~SentencePieceTokenizer() override;
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  std::vector<int64_t> encode(const std::string& text, bool add_bos) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  std::string decode_piece(int64_t previous, int64_t id) const override;
  int64_t vocab_size() const override;
  int64_t bos_id() const override;
  int64_t eos_id() const override;
  int64_t unk_id() const override;
  std::string piece(int64_t id) const override;
  float score(int64_t id) const override;
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  void* processor_ = nullptr;  // the shim's handle
  int64_t vocab_size_ = 0;
  int64_t bos_id_ = -1;
  int64_t eos_id_ = -1;
  int64_t unk_id_ = -1;
};

/// How train_sentencepiece builds a vocabulary. The defaults follow Llama 2's tokenizer (BPE,
/// byte fallback, digits split, no normalisation, whitespace kept), so that any valid UTF-8 text
/// without U+2581 round-trips exactly and ids 0..2 are <unk>, BOS, EOS as llama2.c expects.
///
/// Example:
///   train_sentencepiece(corpus, dir + "/tok1k",
///                       SentencePieceTrainingOptions().vocab_size(1000).seed(7));
///   SentencePieceTokenizer tokenizer(dir + "/tok1k.model");
struct SentencePieceTrainingOptions {
  /// Tokens in the vocabulary, the special and the byte tokens included (259 of them with byte
  /// fallback and the default ids), so it must exceed that.
  TORCH_ARG(int64_t, vocab_size) = 8000;
  /// "bpe" or "unigram".
  TORCH_ARG(std::string, model_type) = "bpe";
  /// The share of the corpus's characters that get their own piece, in (0, 1]; the rarest rest
  /// are spelled with byte tokens (byte_fallback) or become <unk>.
  TORCH_ARG(double, character_coverage) = 1.0;
  /// Characters outside the vocabulary become their UTF-8 bytes (tokens <0x00>..<0xFF>), never
  /// <unk>.
  TORCH_ARG(bool, byte_fallback) = true;
  /// Pieces kept whole wherever they occur (markers such as "<sep>"); none may contain a comma.
  TORCH_ARG(std::vector<std::string>, user_defined_symbols) = {};
  /// Ids of the special tokens; -1 leaves one out (<unk> cannot be left out).
  TORCH_ARG(int64_t, unk_id) = 0;
  TORCH_ARG(int64_t, bos_id) = 1;
  TORCH_ARG(int64_t, eos_id) = 2;
  TORCH_ARG(int64_t, pad_id) = -1;
  /// Every digit its own token (Llama 2 does), so numbers are spelled digit by digit.
  TORCH_ARG(bool, split_digits) = true;
  /// SentencePiece's normalisation rule: "identity" (none) keeps the text as it is; "nmt_nfkc"
  /// (the library's default) applies NFKC, which decoding does not undo.
  TORCH_ARG(std::string, normalization_rule_name) = "identity";
  /// Collapse runs of whitespace and strip it at both ends (lossy; off as in Llama 2).
  TORCH_ARG(bool, remove_extra_whitespaces) = false;
  /// Lines of the corpus longer than this many bytes are skipped by the trainer.
  TORCH_ARG(int64_t, max_sentence_length) = 4192;
  /// Lines sampled from the corpus (seeded); 0 trains on every line.
  TORCH_ARG(int64_t, input_sentence_size) = 0;
  /// Seed of the trainer's random generator (the sampling above, unigram's seed pieces): the
  /// same corpus, options and seed give the same model.
  TORCH_ARG(int64_t, seed) = 0;
  TORCH_ARG(int64_t, num_threads) = 1;
  /// Let the trainer log its progress to stderr (it is silenced otherwise).
  TORCH_ARG(bool, verbose) = false;
};

/// Trains a SentencePiece model on `corpus_path` (UTF-8 text, one sentence per line) and writes
/// `model_prefix`.model (atomically) and `model_prefix`.vocab (a piece and its score per line).
/// InputError for a missing corpus, an option out of range (named), or the trainer's refusal
/// (its status message, e.g. a vocab_size larger than the corpus supports).
void train_sentencepiece(const std::string& corpus_path, const std::string& model_prefix,
                         const SentencePieceTrainingOptions& options);

}  // namespace evergreen::text
