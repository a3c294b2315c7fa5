// llama2.c's tokenizer files (`tok512.bin` of stories260K, `tokenizer.bin` of the Llama 2
// vocabulary): a byte-pair-encoding vocabulary with a score per piece, encoded as llama2.c's
// run.c encodes (dummy prefix, code points, best-scoring merges until none applies).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "evergreen/data/text/tokenizer.h"

namespace evergreen::text {

/// The longest piece, and the largest max_token_length, a file may declare: real vocabularies
/// stay below 64 bytes, so anything near this is a corrupt length field.
inline constexpr int64_t kMaxLlama2cPieceBytes = int64_t{1} << 20;

/// A llama2.c tokenizer.
///
/// File layout (little-endian): int32 max_token_length (> 0), then per token: float32 score,
/// int32 length (0..max_token_length), `length` bytes of the piece. The file does not say how
/// many tokens it holds: the model's header does, so the constructor reads exactly `vocab_size`
/// tokens when given one (a file shorter or longer is an error), and otherwise reads tokens until
/// the end of the file. Ids 0, 1, 2 are `<unk>`, BOS and EOS (llama2.c's convention; at least
/// three tokens are required); byte tokens are found by their piece text `<0xXX>` (in both
/// shared vocabularies ids 3..258), not assumed.
///
/// Encoding (as llama2.c's run.c): a non-empty text gets a space in front (the dummy prefix); it
/// is split into UTF-8 code points, each the token whose piece it is, or else (and for every byte
/// of malformed UTF-8) the byte tokens of its bytes; then, while any two adjacent tokens
/// concatenate to a piece of the vocabulary, the pair whose piece scores highest (the leftmost
/// among equals) is merged into it. Byte tokens and the special tokens 0..2 never take part in a
/// merge (SentencePiece's rule; run.c would compare their "<0xXX>" text, which no piece of the
/// shared vocabularies contains). A byte without a byte token becomes `<unk>`. The merges use a
/// priority queue: O(n log n) in the text's length, where run.c rescans every pair per merge.
///
/// Decoding: pieces concatenated, a byte token as its raw byte, BOS and EOS as nothing, `<unk>`
/// as its piece; the leading space of a piece is dropped at the start of a text and right after
/// BOS (run.c's rule), which undoes the dummy prefix.
///
/// Errors: InputError of one line naming the file, the token index and the field (truncated
/// file, negative length, a length above max_token_length or 1 MiB, a non-finite score, a
/// max_token_length <= 0, a file shorter or longer than `vocab_size`).
///
/// Example:
///   Llama2cTokenizer tokenizer(data + "/lm/stories260K/tok512.bin", /*vocab_size=*/512);
///   tokenizer.encode("Lily", /*add_bos=*/false);  // {317}, the piece " Lily"
class Llama2cTokenizer : public Tokenizer {
 public:
  /// Reads the file `path`; `vocab_size` 0 reads tokens until its end.
  explicit Llama2cTokenizer(const std::string& path, int64_t vocab_size = 0);

  /// Parses the bytes of a tokenizer file held in memory; `name` stands for the file in messages.
  static Llama2cTokenizer from_bytes(std::string_view bytes, const std::string& name,
                                     int64_t vocab_size = 0);

  std::vector<int64_t> encode(const std::string& text, bool add_bos) const override;
  std::string decode_piece(int64_t previous, int64_t id) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(pieces_.size()); }
  int64_t bos_id() const override { return kBosId; }
  int64_t eos_id() const override { return kEosId; }
  int64_t unk_id() const override { return kUnkId; }
  std::string piece(int64_t id) const override;
  float score(int64_t id) const override;
  const std::string& path() const override { return path_; }

  /// The file's max_token_length field.
  int64_t max_token_length() const { return max_token_length_; }
  /// The token of byte `value` (its `<0xXX>` piece), or -1 when the vocabulary has none.
  int64_t byte_id(uint8_t value) const { return byte_ids_[value]; }
  /// The byte that token `id` stands for, or -1 when it is not a byte token.
  int byte_value(int64_t id) const;
  /// The token whose piece is `text` (pieces text can become: not the special or byte tokens),
  /// or -1.
  int64_t piece_id(const std::string& text) const { return lookup(text); }

 private:
  static constexpr int64_t kUnkId = 0;
  static constexpr int64_t kBosId = 1;
  static constexpr int64_t kEosId = 2;

  Llama2cTokenizer() = default;
  void parse(std::string_view bytes, int64_t vocab_size);
  /// The id of the mergeable piece `text`, or -1.
  int64_t lookup(const std::string& text) const;

  std::string path_;
  int64_t max_token_length_ = 0;
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  /// Pieces that text can become: all but the special tokens and byte tokens (first id wins
  /// for a piece spelled twice).
  std::unordered_map<std::string, int64_t> piece_ids_;
  std::array<int64_t, 256> byte_ids_{};
  std::vector<int16_t> byte_of_id_;  // the byte of each byte token, -1 for the others
};

}  // namespace evergreen::text
