#include "evergreen/data/text/tokenizer.h"

#include <fmt/format.h>

#include <array>
#include <fstream>

#include "evergreen/core/error.h"
#include "evergreen/data/io/input_file.h"
#include "evergreen/data/text/llama2c_tokenizer.h"
#include "evergreen/data/text/sentencepiece_tokenizer.h"

namespace evergreen::text {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Whether the file starts as a serialized SentencePiece ModelProto does: field 1 (the pieces,
/// length-delimited: tag 0x0a), a non-zero varint length, then the piece's own field 1 (tag 0x0a,
/// its text). A llama2.c file starts with its int32 max_token_length: 0a 00 00 00 for 10, whose
/// second byte (a zero length) tells it apart.
bool looks_like_sentencepiece_model(const std::string& path) {
  std::ifstream in = open_input_file(path);
  std::array<unsigned char, 8> head{};
  in.read(reinterpret_cast<char*>(head.data()), head.size());
  const auto got = static_cast<size_t>(in.gcount());
  if (got < 3 || head[0] != 0x0a || head[1] == 0) return false;
  size_t position = 1;
  while (position < got && (head[position] & 0x80) != 0) ++position;  // the varint's bytes
  return position + 1 < got && head[position + 1] == 0x0a;
}

}  // namespace

void Tokenizer::check_id(int64_t id) const {
  EVERGREEN_CHECK_INPUT(id >= 0 && id < vocab_size(),
                        "{}: token id {} is outside the vocabulary 0..{}", path(), id,
                        vocab_size() - 1);
}

std::string Tokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string text;
  int64_t previous = -1;
  for (int64_t id : ids) {
    text += decode_piece(previous, id);
    previous = id;
  }
  return text;
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path, int64_t vocab_size) {
  check_readable_file(path);
  if (ends_with(path, ".model") || looks_like_sentencepiece_model(path))
    return std::make_unique<SentencePieceTokenizer>(path);
  return std::make_unique<Llama2cTokenizer>(path, vocab_size);
}

void check_vocabulary_matches(const Tokenizer& tokenizer, int64_t model_vocab_size,
                              const std::string& tokenizer_path, const std::string& model_path) {
  EVERGREEN_CHECK_INPUT(tokenizer.vocab_size() == model_vocab_size,
                        "tokenizer {} has a vocabulary of {} tokens but model {} has {}: they do "
                        "not belong together",
                        tokenizer_path, tokenizer.vocab_size(), model_path, model_vocab_size);
}

}  // namespace evergreen::text
