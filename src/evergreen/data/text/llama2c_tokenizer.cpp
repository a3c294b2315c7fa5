#include "evergreen/data/text/llama2c_tokenizer.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <queue>
#include <utility>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/io/input_file.h"

namespace evergreen::text {
namespace {

/// Bytes a token record needs before its piece: float32 score, int32 length.
constexpr size_t kFieldBytes = 4;
/// Memory per byte of the file, at most: pieces, the lookup table and the per-token vectors
/// take about 100 bytes per token, and a token takes at least 8 bytes of the file.
constexpr double kMemoryPerFileByte = 16.0;

uint32_t little_endian_uint32(const char* bytes) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes);
  return uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// The byte a piece "<0xXX>" stands for, or -1.
int byte_piece_value(const std::string& piece) {
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>') return -1;
  const int high = hex_digit(piece[3]);
  const int low = hex_digit(piece[4]);
  return high < 0 || low < 0 ? -1 : 16 * high + low;
}

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

/// The length of the well-formed UTF-8 sequence at `text[position]` (1 to 4), or 0 when the byte
/// there does not start one (a stray continuation byte, an overlong form, a surrogate, a code
/// point above U+10FFFF, a sequence cut short).
size_t utf8_sequence_length(const std::string& text, size_t position) {
  const auto at = [&](size_t i) { return static_cast<unsigned char>(text[position + i]); };
  const size_t left = text.size() - position;
  const unsigned char lead = at(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;   // overlong
    if (lead == 0xED) second_high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;   // overlong
    if (lead == 0xF4) second_high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (left < length || at(1) < second_low || at(1) > second_high) return 0;
  for (size_t i = 2; i < length; ++i)
    if (!is_continuation(at(i))) return 0;
  return length;
}

/// A token of a text being encoded: the bytes text[start, start + length) it covers.
struct Symbol {
  int64_t id = 0;
  size_t start = 0;
  size_t length = 0;
  int previous = -1;
  int next = -1;
  bool mergeable = false;  // false for byte tokens and after being merged away
};

/// Two adjacent symbols whose concatenation is the piece `id`.
struct MergeCandidate {
  float score = 0;
  size_t start = 0;  // of the left symbol: the leftmost merge wins a tie, as in run.c
  int left = -1;
  int right = -1;
  size_t length = 0;  // of the merged piece: a symbol that grew since makes this stale
  int64_t id = -1;
};

struct LowerPriority {
  bool operator()(const MergeCandidate& a, const MergeCandidate& b) const {
    if (a.score != b.score) return a.score < b.score;
    return a.start > b.start;
  }
};

}  // namespace

Llama2cTokenizer::Llama2cTokenizer(const std::string& path, int64_t vocab_size) : path_(path) {
  check_readable_file(path);
  std::error_code error;
  const auto file_bytes = std::filesystem::file_size(path, error);
  EVERGREEN_CHECK_INPUT(!error, "{}: cannot read the size: {}", path, error.message());
  check_allocation(kMemoryPerFileByte * static_cast<double>(file_bytes),
                   fmt::format("{}: llama2.c tokenizer of {} bytes", path, file_bytes));
  parse(read_whole_file(path), vocab_size);
}

Llama2cTokenizer Llama2cTokenizer::from_bytes(std::string_view bytes, const std::string& name,
                                              int64_t vocab_size) {
  check_allocation(kMemoryPerFileByte * static_cast<double>(bytes.size()),
                   fmt::format("{}: llama2.c tokenizer of {} bytes", name, bytes.size()));
  Llama2cTokenizer tokenizer;
  tokenizer.path_ = name;
  tokenizer.parse(bytes, vocab_size);
  return tokenizer;
}

void Llama2cTokenizer::parse(std::string_view bytes, int64_t vocab_size) {
  const std::string& file = path_;
  EVERGREEN_CHECK_INPUT(vocab_size >= 0, "{}: vocabulary size {} is negative", file, vocab_size);
  EVERGREEN_CHECK_INPUT(vocab_size == 0 || vocab_size >= 3,
                        "{}: vocabulary size {} is below 3 (ids 0, 1, 2 are <unk>, BOS, EOS)", file,
                        vocab_size);
  EVERGREEN_CHECK_INPUT(bytes.size() >= kFieldBytes,
                        "{}: truncated: {} bytes, shorter than the 4-byte max_token_length field",
                        file, bytes.size());
  const auto declared_max = static_cast<int32_t>(little_endian_uint32(bytes.data()));
  EVERGREEN_CHECK_INPUT(declared_max > 0, "{}: max_token_length is {}, expected > 0", file,
                        declared_max);
  EVERGREEN_CHECK_INPUT(declared_max <= kMaxLlama2cPieceBytes,
                        "{}: max_token_length {} exceeds the limit of {} bytes (1 MiB)", file,
                        declared_max, kMaxLlama2cPieceBytes);
  max_token_length_ = declared_max;

  size_t offset = kFieldBytes;
  const auto left = [&] { return bytes.size() - offset; };
  for (int64_t token = 0; vocab_size > 0 ? token < vocab_size : offset < bytes.size(); ++token) {
    EVERGREEN_CHECK_INPUT(left() > 0,
                          "{}: token {}: the file ends after {} tokens, but the vocabulary has {} "
                          "(a file shorter than the model's vocabulary)",
                          file, token, token, vocab_size);
    EVERGREEN_CHECK_INPUT(left() >= kFieldBytes,
                          "{}: token {}: score truncated: {} of 4 bytes left", file, token, left());
    const uint32_t score_bits = little_endian_uint32(bytes.data() + offset);
    float score = 0;
    std::memcpy(&score, &score_bits, sizeof score);
    EVERGREEN_CHECK_INPUT(std::isfinite(score),
                          "{}: token {}: score is {}, expected a finite number", file, token,
                          score);
    offset += kFieldBytes;
    EVERGREEN_CHECK_INPUT(left() >= kFieldBytes,
                          "{}: token {}: length truncated: {} of 4 bytes left", file, token,
                          left());
    const auto length = static_cast<int32_t>(little_endian_uint32(bytes.data() + offset));
    offset += kFieldBytes;
    EVERGREEN_CHECK_INPUT(length >= 0, "{}: token {}: length {} is negative", file, token, length);
    EVERGREEN_CHECK_INPUT(length <= max_token_length_,
                          "{}: token {}: length {} exceeds max_token_length {}", file, token,
                          length, max_token_length_);
    EVERGREEN_CHECK_INPUT(static_cast<size_t>(length) <= left(),
                          "{}: token {}: piece truncated: length {} but {} bytes left", file, token,
                          length, left());
    pieces_.emplace_back(bytes.substr(offset, static_cast<size_t>(length)));
    scores_.push_back(score);
    offset += static_cast<size_t>(length);
  }
  EVERGREEN_CHECK_INPUT(offset == bytes.size(),
                        "{}: token {}: {} bytes follow the last of the {} tokens of the vocabulary "
                        "(a file longer than the model's vocabulary)",
                        file, vocab_size, left(), vocab_size);
  EVERGREEN_CHECK_INPUT(pieces_.size() >= 3,
                        "{}: {} tokens, fewer than the 3 special tokens <unk>, BOS, EOS (ids 0, 1, "
                        "2)",
                        file, pieces_.size());

  byte_ids_.fill(-1);
  byte_of_id_.assign(pieces_.size(), -1);
  piece_ids_.reserve(pieces_.size());
  for (size_t id = 0; id < pieces_.size(); ++id) {
    const auto token = static_cast<int64_t>(id);
    if (token == kUnkId || token == kBosId || token == kEosId) continue;
    const int value = byte_piece_value(pieces_[id]);
    if (value >= 0) {
      if (byte_ids_[value] < 0) byte_ids_[value] = token;
      byte_of_id_[id] = static_cast<int16_t>(value);
    } else {
      piece_ids_.emplace(pieces_[id], token);  // keeps the first of a piece spelled twice
    }
  }
}

int64_t Llama2cTokenizer::lookup(const std::string& text) const {
  const auto found = piece_ids_.find(text);
  return found == piece_ids_.end() ? -1 : found->second;
}

std::vector<int64_t> Llama2cTokenizer::encode(const std::string& text, bool add_bos) const {
  std::vector<int64_t> ids;
  if (add_bos) ids.push_back(kBosId);
  if (text.empty()) return ids;
  EVERGREEN_CHECK_INPUT(text.size() < size_t{1} << 30,
                        "{}: cannot encode a text of {} bytes, the limit is 1 GiB", path_,
                        text.size());
  const std::string prefixed = " " + text;  // the dummy prefix

  // Code points, or the byte tokens of those without a piece and of malformed bytes.
  std::vector<Symbol> symbols;
  symbols.reserve(prefixed.size());
  std::string scratch;
  for (size_t position = 0; position < prefixed.size();) {
    const size_t length = utf8_sequence_length(prefixed, position);
    int64_t id = -1;
    if (length > 0) {
      scratch.assign(prefixed, position, length);
      id = lookup(scratch);
    }
    if (id >= 0) {
      symbols.push_back({id, position, length, -1, -1, true});
      position += length;
      continue;
    }
    for (size_t i = 0; i < std::max<size_t>(length, 1); ++i, ++position) {
      const int64_t byte_token = byte_ids_[static_cast<unsigned char>(prefixed[position])];
      symbols.push_back({byte_token >= 0 ? byte_token : kUnkId, position, 1, -1, -1, false});
    }
  }
  for (size_t i = 0; i < symbols.size(); ++i) {
    symbols[i].previous = static_cast<int>(i) - 1;
    symbols[i].next = i + 1 < symbols.size() ? static_cast<int>(i) + 1 : -1;
  }

  std::priority_queue<MergeCandidate, std::vector<MergeCandidate>, LowerPriority> candidates;
  const auto consider = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& a = symbols[left];
    const Symbol& b = symbols[right];
    if (!a.mergeable || !b.mergeable) return;
    scratch.assign(prefixed, a.start, a.length + b.length);
    const int64_t id = lookup(scratch);
    if (id < 0) return;
    candidates.push({scores_[id], a.start, left, right, a.length + b.length, id});
  };
  for (size_t i = 0; i + 1 < symbols.size(); ++i)
    consider(static_cast<int>(i), static_cast<int>(i) + 1);

  while (!candidates.empty()) {
    const MergeCandidate best = candidates.top();
    candidates.pop();
    Symbol& left = symbols[best.left];
    Symbol& right = symbols[best.right];
    // Stale when either side was merged away or grew since the candidate was made.
    if (!left.mergeable || !right.mergeable || left.next != best.right ||
        left.length + right.length != best.length)
      continue;
    left.id = best.id;
    left.length = best.length;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].previous = best.left;
    right.mergeable = false;
    right.length = 0;
    consider(left.previous, best.left);
    consider(best.left, left.next);
  }

  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) ids.push_back(symbols[i].id);
  return ids;
}

std::string Llama2cTokenizer::decode_piece(int64_t previous, int64_t id) const {
  check_id(id);
  if (id == kBosId || id == kEosId) return "";
  const int value = byte_of_id_[static_cast<size_t>(id)];
  if (value >= 0) return std::string(1, static_cast<char>(value));
  const std::string& text = pieces_[static_cast<size_t>(id)];
  if ((previous < 0 || previous == kBosId) && !text.empty() && text[0] == ' ')
    return text.substr(1);
  return text;
}

std::string Llama2cTokenizer::piece(int64_t id) const {
  check_id(id);
  return pieces_[static_cast<size_t>(id)];
}

float Llama2cTokenizer::score(int64_t id) const {
  check_id(id);
  return scores_[static_cast<size_t>(id)];
}

int Llama2cTokenizer::byte_value(int64_t id) const {
  check_id(id);
  return byte_of_id_[static_cast<size_t>(id)];
}

}  // namespace evergreen::text
