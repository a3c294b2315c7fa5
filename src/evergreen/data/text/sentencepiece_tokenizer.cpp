#include "evergreen/data/text/sentencepiece_tokenizer.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstdlib>
#include <limits>
#include <type_traits>
#include <utility>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/io/input_file.h"
#include "evergreen_sentencepiece/sentencepiece_shim.h"

#if defined(__SANITIZE_ADDRESS__)
#define EVERGREEN_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EVERGREEN_UNDER_ASAN 1
#endif
#endif

namespace evergreen::text {
namespace {

/// SentencePiece's spelling of a space.
constexpr std::string_view kSpaceSymbol = "\xe2\x96\x81";
/// SentencePiece's log levels: 0 info, 1 warning, 2 error.
constexpr int kQuietLogLevel = 2;
/// Room for the shim's error messages.
constexpr size_t kErrorBytes = 1024;

/// The shim's functions, looked up once in the library loaded with RTLD_DEEPBIND.
struct Shim {
  decltype(&evergreen_spm_load) load = nullptr;
  decltype(&evergreen_spm_load_serialized) load_serialized = nullptr;
  decltype(&evergreen_spm_free) free = nullptr;
  decltype(&evergreen_spm_encode) encode = nullptr;
  decltype(&evergreen_spm_decode) decode = nullptr;
  decltype(&evergreen_spm_vocab_size) vocab_size = nullptr;
  decltype(&evergreen_spm_bos_id) bos_id = nullptr;
  decltype(&evergreen_spm_eos_id) eos_id = nullptr;
  decltype(&evergreen_spm_unk_id) unk_id = nullptr;
  decltype(&evergreen_spm_piece) piece = nullptr;
  decltype(&evergreen_spm_score) score = nullptr;
  decltype(&evergreen_spm_is_byte) is_byte = nullptr;
  decltype(&evergreen_spm_is_control) is_control = nullptr;
  decltype(&evergreen_spm_is_unknown) is_unknown = nullptr;
  decltype(&evergreen_spm_train) train = nullptr;
  decltype(&evergreen_spm_free_buffer) free_buffer = nullptr;
};

/// Loads the shim; on failure returns false with the reason in `why`.
bool load_shim(Shim& shim, std::string& why) {
#ifdef EVERGREEN_UNDER_ASAN
  why =
      "SentencePiece is unavailable under AddressSanitizer: its library must be loaded with "
      "RTLD_DEEPBIND (it carries its own protobuf), which the sanitizer runtime refuses";
  return false;
#else
  const char* from_environment = std::getenv("EVERGREEN_SENTENCEPIECE_LIBRARY");
#ifdef EVERGREEN_SENTENCEPIECE_LIBRARY
  const char* built = EVERGREEN_SENTENCEPIECE_LIBRARY;
#else
  const char* built = "libevergreen_sentencepiece.so";  // found on the library path
#endif
  const std::string path = from_environment && *from_environment ? from_environment : built;
  // Never closed: the processors it makes live as long as their tokenizers, and a library with
  // protobuf's static state is not safe to unload.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (handle == nullptr) {
    const char* reason = dlerror();
    why = fmt::format(
        "cannot load the SentencePiece library {} (set EVERGREEN_SENTENCEPIECE_LIBRARY to "
        "libevergreen_sentencepiece.so of the build): {}",
        path, reason ? reason : "unknown error");
    return false;
  }
  bool complete = true;
  const auto find = [&](auto& function, const char* name) {
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(dlsym(handle, name));
    if (function == nullptr && complete) {
      complete = false;
      why = fmt::format("the SentencePiece library {} lacks the function {}", path, name);
    }
  };
  find(shim.load, "evergreen_spm_load");
  find(shim.load_serialized, "evergreen_spm_load_serialized");
  find(shim.free, "evergreen_spm_free");
  find(shim.encode, "evergreen_spm_encode");
  find(shim.decode, "evergreen_spm_decode");
  find(shim.vocab_size, "evergreen_spm_vocab_size");
  find(shim.bos_id, "evergreen_spm_bos_id");
  find(shim.eos_id, "evergreen_spm_eos_id");
  find(shim.unk_id, "evergreen_spm_unk_id");
  find(shim.piece, "evergreen_spm_piece");
  find(shim.score, "evergreen_spm_score");
  find(shim.is_byte, "evergreen_spm_is_byte");
  find(shim.is_control, "evergreen_spm_is_control");
  find(shim.is_unknown, "evergreen_spm_is_unknown");
  find(shim.train, "evergreen_spm_train");
  find(shim.free_buffer, "evergreen_spm_free_buffer");
  return complete;
#endif
}

struct ShimState {
  Shim shim;
  bool loaded = false;
  std::string why;
};

const ShimState& shim_state() {
  static const ShimState state = [] {
    ShimState loading;
    loading.loaded = load_shim(loading.shim, loading.why);
    return loading;
  }();
  return state;
}

/// The shim, or EnvironmentError saying why it cannot be had.
const Shim& shim() {
  const ShimState& state = shim_state();
  if (!state.loaded) throw EnvironmentError(state.why);
  return state.shim;
}

/// A buffer the shim allocated, freed through it.
template <typename T>
struct ShimBuffer {
  T* data = nullptr;
  size_t size = 0;
  ~ShimBuffer() {
    if (data != nullptr) shim().free_buffer(data);
  }
};

/// The piece of `id` as the library spells it.
std::string shim_piece(void* processor, int64_t id) {
  size_t size = 0;
  const char* data = shim().piece(processor, static_cast<int>(id), &size);
  return std::string(data, size);
}

std::string replace_space_symbols(const std::string& piece) {
  std::string text;
  text.reserve(piece.size());
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, kSpaceSymbol.size(), kSpaceSymbol) == 0) {
      text += ' ';
      i += kSpaceSymbol.size();
    } else {
      text += piece[i++];
    }
  }
  return text;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void check_training_options(const std::string& corpus_path,
                            const SentencePieceTrainingOptions& options) {
  const std::string where = corpus_path + ": sentencepiece training option";
  EVERGREEN_CHECK_INPUT(
      options.vocab_size() > 0 && options.vocab_size() <= std::numeric_limits<int32_t>::max(),
      "{} vocab_size: {} is not a positive int32", where, options.vocab_size());
  EVERGREEN_CHECK_INPUT(options.model_type() == "bpe" || options.model_type() == "unigram",
                        "{} model_type: {} is not one of bpe, unigram", where,
                        quote(options.model_type()));
  EVERGREEN_CHECK_INPUT(options.character_coverage() > 0 && options.character_coverage() <= 1,
                        "{} character_coverage: {} is outside (0, 1]", where,
                        options.character_coverage());
  EVERGREEN_CHECK_INPUT(options.unk_id() >= 0, "{} unk_id: {} (the unknown token is required)",
                        where, options.unk_id());
  for (const auto& [name, id] : {std::pair<const char*, int64_t>{"unk_id", options.unk_id()},
                                 {"bos_id", options.bos_id()},
                                 {"eos_id", options.eos_id()},
                                 {"pad_id", options.pad_id()}})
    EVERGREEN_CHECK_INPUT(id >= -1 && id < options.vocab_size(),
                          "{} {}: {} is outside -1..{} (vocab_size - 1)", where, name, id,
                          options.vocab_size() - 1);
  for (const std::string& symbol : options.user_defined_symbols())
    EVERGREEN_CHECK_INPUT(!symbol.empty() && symbol.find(',') == std::string::npos,
                          "{} user_defined_symbols: {} is empty or holds a comma", where,
                          quote(symbol));
  EVERGREEN_CHECK_INPUT(options.max_sentence_length() > 0 &&
                            options.max_sentence_length() <= std::numeric_limits<int32_t>::max(),
                        "{} max_sentence_length: {} is not a positive int32", where,
                        options.max_sentence_length());
  EVERGREEN_CHECK_INPUT(options.input_sentence_size() >= 0, "{} input_sentence_size: {} < 0", where,
                        options.input_sentence_size());
  // SentencePiece reserves the seed 2^32 - 1 for "seed from std::random_device".
  EVERGREEN_CHECK_INPUT(
      options.seed() >= 0 && options.seed() < std::numeric_limits<uint32_t>::max(),
      "{} seed: {} is outside 0..{}", where, options.seed(),
      std::numeric_limits<uint32_t>::max() - 1);
  EVERGREEN_CHECK_INPUT(options.num_threads() >= 1, "{} num_threads: {} < 1", where,
                        options.num_threads());
  check_thread_count(options.num_threads(), /*forced=*/false, where + " num_threads");
}

}  // namespace

bool sentencepiece_available(std::string* why) {
  const ShimState& state = shim_state();
  if (why != nullptr) *why = state.why;
  return state.loaded;
}

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& path) : path_(path) {
  check_readable_file(path);
  const Shim& library = shim();
  char error[kErrorBytes] = "";
  processor_ = library.load(path.c_str(), error, sizeof error);
  EVERGREEN_CHECK_INPUT(processor_ != nullptr, "{}: not a SentencePiece model: {}", path,
                        one_line(error, 300));
  vocab_size_ = library.vocab_size(processor_);
  bos_id_ = library.bos_id(processor_);
  eos_id_ = library.eos_id(processor_);
  unk_id_ = library.unk_id(processor_);
  if (vocab_size_ <= 0) {
    library.free(processor_);
    processor_ = nullptr;
    throw InputError(fmt::format("{}: SentencePiece model has no pieces", path));
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  if (processor_ != nullptr) shim().free(processor_);
}

std::vector<int64_t> SentencePieceTokenizer::encode(const std::string& text, bool add_bos) const {
  ShimBuffer<int> pieces;
  char error[kErrorBytes] = "";
  const int status = shim().encode(processor_, text.data(), text.size(), &pieces.data, &pieces.size,
                                   error, sizeof error);
  EVERGREEN_CHECK_INPUT(status == 0, "{}: SentencePiece cannot encode {}: {}", path_, quote(text),
                        one_line(error, 300));
  std::vector<int64_t> ids;
  ids.reserve(pieces.size + 1);
  if (add_bos) {
    EVERGREEN_CHECK_INPUT(bos_id_ >= 0, "{}: the model has no BOS token (bos_id is -1)", path_);
    ids.push_back(bos_id_);
  }
  ids.insert(ids.end(), pieces.data, pieces.data + pieces.size);
  return ids;
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::vector<int> pieces;
  pieces.reserve(ids.size());
  for (int64_t id : ids) {
    check_id(id);
    pieces.push_back(static_cast<int>(id));
  }
  ShimBuffer<char> text;
  char error[kErrorBytes] = "";
  const int status = shim().decode(processor_, pieces.data(), pieces.size(), &text.data, &text.size,
                                   error, sizeof error);
  EVERGREEN_CHECK_INPUT(status == 0, "{}: SentencePiece cannot decode {} ids: {}", path_,
                        ids.size(), one_line(error, 300));
  return std::string(text.data, text.size);
}

std::string SentencePieceTokenizer::decode_piece(int64_t previous, int64_t id) const {
  check_id(id);
  const Shim& library = shim();
  const int token = static_cast<int>(id);
  if (library.is_control(processor_, token)) return "";
  const std::string spelled = shim_piece(processor_, id);
  if (library.is_byte(processor_, token) && spelled.size() == 6) {
    const int high = hex_digit(spelled[3]);
    const int low = hex_digit(spelled[4]);
    if (high >= 0 && low >= 0) return std::string(1, static_cast<char>(16 * high + low));
  }
  if (library.is_unknown(processor_, token)) return decode({id});
  std::string text = replace_space_symbols(spelled);
  if ((previous < 0 || previous == bos_id_) && !text.empty() && text[0] == ' ') text.erase(0, 1);
  return text;
}

int64_t SentencePieceTokenizer::vocab_size() const { return vocab_size_; }
int64_t SentencePieceTokenizer::bos_id() const { return bos_id_; }
int64_t SentencePieceTokenizer::eos_id() const { return eos_id_; }
int64_t SentencePieceTokenizer::unk_id() const { return unk_id_; }

std::string SentencePieceTokenizer::piece(int64_t id) const {
  check_id(id);
  return shim_piece(processor_, id);
}

float SentencePieceTokenizer::score(int64_t id) const {
  check_id(id);
  return shim().score(processor_, static_cast<int>(id));
}

void train_sentencepiece(const std::string& corpus_path, const std::string& model_prefix,
                         const SentencePieceTrainingOptions& options) {
  check_readable_file(corpus_path);
  check_training_options(corpus_path, options);
  EVERGREEN_CHECK_INPUT(!model_prefix.empty(), "{}: sentencepiece training: empty model_prefix",
                        corpus_path);
  std::string symbols;
  for (const std::string& symbol : options.user_defined_symbols())
    symbols += (symbols.empty() ? "" : ",") + symbol;
  const auto flag = [](bool value) { return std::string(value ? "true" : "false"); };
  std::vector<std::pair<std::string, std::string>> arguments = {
      {"input", corpus_path},
      {"vocab_size", std::to_string(options.vocab_size())},
      {"model_type", options.model_type()},
      {"character_coverage", fmt::format("{}", options.character_coverage())},
      {"byte_fallback", flag(options.byte_fallback())},
      {"unk_id", std::to_string(options.unk_id())},
      {"bos_id", std::to_string(options.bos_id())},
      {"eos_id", std::to_string(options.eos_id())},
      {"pad_id", std::to_string(options.pad_id())},
      {"split_digits", flag(options.split_digits())},
      {"normalization_rule_name", options.normalization_rule_name()},
      {"remove_extra_whitespaces", flag(options.remove_extra_whitespaces())},
      {"max_sentence_length", std::to_string(options.max_sentence_length())},
      {"input_sentence_size", std::to_string(options.input_sentence_size())},
      {"num_threads", std::to_string(options.num_threads())},
      {"minloglevel", std::to_string(options.verbose() ? 0 : kQuietLogLevel)},
  };
  if (!symbols.empty()) arguments.emplace_back("user_defined_symbols", symbols);
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [key, value] : arguments) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  const Shim& library = shim();
  // The model comes back serialized rather than written by the trainer, so that the .model file
  // is written atomically (a crash never leaves half a model).
  ShimBuffer<char> model;
  char error[kErrorBytes] = "";
  const int status =
      library.train(keys.data(), values.data(), keys.size(), static_cast<unsigned>(options.seed()),
                    &model.data, &model.size, error, sizeof error);
  EVERGREEN_CHECK_INPUT(status == 0, "{}: sentencepiece training failed: {}", corpus_path,
                        one_line(error, 300));
  const std::string serialized(model.data, model.size);
  write_file_atomically(model_prefix + ".model", serialized);

  void* processor =
      library.load_serialized(serialized.data(), serialized.size(), error, sizeof error);
  EVERGREEN_ASSERT(processor != nullptr, "the trained model does not load: {}", error);
  std::string vocabulary;
  const int pieces = library.vocab_size(processor);
  for (int id = 0; id < pieces; ++id)
    vocabulary += fmt::format("{}\t{}\n", shim_piece(processor, id), library.score(processor, id));
  library.free(processor);
  write_file_atomically(model_prefix + ".vocab", vocabulary);
}

}  // namespace evergreen::text
