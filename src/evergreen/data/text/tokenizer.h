// The tokenizers of the language-model family: one interface over llama2.c's tokenizer files
// (llama2c_tokenizer.h) and SentencePiece models (sentencepiece_tokenizer.h), so that a model,
// a prompt and a decoded sample never care which file the vocabulary came from.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace evergreen::text {

/// Text to token ids and back.
///
/// Both implementations follow the Llama convention: encode() puts a "dummy prefix" space in
/// front of a non-empty text (so that "Hello" at the start is the same token as " Hello" inside a
/// sentence), and decoding drops the leading space of the first piece of a text (and, as llama2.c
/// does, of the piece right after a BOS), so that decode(encode(s, add_bos)) == s: for every byte
/// string with llama2.c files; with SentencePiece, for valid UTF-8 without U+2581 (its normaliser
/// reads U+2581 as a space and replaces malformed bytes with U+FFFD). On all other text the two
/// formats of the Llama 2 vocabulary give the same ids.
///
/// Example:
///   std::unique_ptr<Tokenizer> tokenizer = load_tokenizer("tok512.bin", /*vocab_size=*/512);
///   std::vector<int64_t> ids = tokenizer->encode("Once upon a time", /*add_bos=*/true);
///   // ids == {1, 403, 407, 261, 378}
///   std::string text = tokenizer->decode(ids);  // "Once upon a time"
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  /// The ids of `text` (UTF-8; bytes that are not, and characters outside the vocabulary, become
  /// byte tokens where the vocabulary has them), with BOS in front when `add_bos`. The empty text
  /// is no token at all ({BOS} with add_bos).
  virtual std::vector<int64_t> encode(const std::string& text, bool add_bos) const = 0;

  /// The text of `ids`: pieces concatenated, byte tokens as their bytes, BOS and EOS as nothing,
  /// the leading space of the first piece and of a piece after BOS dropped. InputError naming the
  /// file for an id outside 0..vocab_size()-1.
  virtual std::string decode(const std::vector<int64_t>& ids) const;

  /// The text of token `id` when it follows token `previous` (-1 when it starts the text), for
  /// streaming: concatenating decode_piece(ids[i-1], ids[i]) over a sequence (with -1 before the
  /// first) gives its bytes. A character spread over byte tokens arrives one byte at a time.
  virtual std::string decode_piece(int64_t previous, int64_t id) const = 0;

  /// The number of tokens; ids are 0..vocab_size()-1.
  virtual int64_t vocab_size() const = 0;
  /// The beginning-of-sequence token, or -1 when the vocabulary has none.
  virtual int64_t bos_id() const = 0;
  /// The end-of-sequence token, or -1 when the vocabulary has none.
  virtual int64_t eos_id() const = 0;
  /// The unknown token, or -1 when the vocabulary has none.
  virtual int64_t unk_id() const = 0;

  /// The piece of token `id` as the vocabulary spells it: llama2.c files hold a space as ' ',
  /// SentencePiece models as U+2581 ("▁"); byte tokens are "<0xXX>". InputError for a bad id.
  virtual std::string piece(int64_t id) const = 0;
  /// The merge score (BPE) or log-probability (unigram) of token `id`. InputError for a bad id.
  virtual float score(int64_t id) const = 0;

  /// The file the vocabulary was read from, for messages.
  virtual const std::string& path() const = 0;

 protected:
  /// InputError "PATH: token id ID is outside the vocabulary 0..V-1" unless 0 <= id < V.
  void check_id(int64_t id) const;
};

/// The tokenizer in `path`: a SentencePiece model when the name ends in `.model` or the bytes
/// look like one (a serialized ModelProto), else a llama2.c tokenizer file (`tok512.bin`,
/// `tokenizer.bin`). `vocab_size` is the model's vocabulary size: a llama2.c file does not hold
/// it, so it is read exactly that many tokens (0 reads until the end of the file); a SentencePiece
/// model holds its own (compare it with check_vocabulary_matches).
///
/// Example:
///   auto tokenizer = load_tokenizer(data + "/lm/llama2_tokenizer/tokenizer.model");
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path, int64_t vocab_size = 0);

/// InputError, one line naming both files and both sizes, when the tokenizer's vocabulary size
/// differs from the model's (the model would index embeddings the tokenizer never produces, or
/// produce ids the tokenizer cannot decode).
void check_vocabulary_matches(const Tokenizer& tokenizer, int64_t model_vocab_size,
                              const std::string& tokenizer_path, const std::string& model_path);

}  // namespace evergreen::text
