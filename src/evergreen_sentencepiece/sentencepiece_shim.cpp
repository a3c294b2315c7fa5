#include "sentencepiece_shim.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using Processor = sentencepiece::SentencePieceProcessor;

void set_error(char* error, size_t error_size, const std::string& message) {
  if (error == nullptr || error_size == 0) return;
  const size_t length = std::min(message.size(), error_size - 1);
  std::memcpy(error, message.data(), length);
  error[length] = '\0';
}

template <typename T>
T* copy_to_malloc(const T* data, size_t count) {
  T* buffer = static_cast<T*>(std::malloc(std::max<size_t>(1, count) * sizeof(T)));
  if (buffer != nullptr && count > 0) std::memcpy(buffer, data, count * sizeof(T));
  return buffer;
}

Processor& processor_of(void* handle) { return *static_cast<Processor*>(handle); }

}  // namespace

extern "C" {

void* evergreen_spm_load(const char* path, char* error, size_t error_size) {
  auto processor = std::make_unique<Processor>();
  const auto status = processor->Load(path);
  if (!status.ok()) {
    set_error(error, error_size, status.ToString());
    return nullptr;
  }
  return processor.release();
}

void* evergreen_spm_load_serialized(const char* bytes, size_t size, char* error,
                                    size_t error_size) {
  auto processor = std::make_unique<Processor>();
  const auto status = processor->LoadFromSerializedProto(std::string(bytes, size));
  if (!status.ok()) {
    set_error(error, error_size, status.ToString());
    return nullptr;
  }
  return processor.release();
}

void evergreen_spm_free(void* processor) { delete static_cast<Processor*>(processor); }

int evergreen_spm_encode(void* processor, const char* text, size_t text_size, int** ids,
                         size_t* count, char* error, size_t error_size) {
  std::vector<int> result;
  const auto status = processor_of(processor).Encode(std::string(text, text_size), &result);
  if (!status.ok()) {
    set_error(error, error_size, status.ToString());
    return 1;
  }
  *ids = copy_to_malloc(result.data(), result.size());
  *count = result.size();
  return 0;
}

int evergreen_spm_decode(void* processor, const int* ids, size_t count, char** text,
                         size_t* text_size, char* error, size_t error_size) {
  std::string result;
  const auto status = processor_of(processor).Decode(std::vector<int>(ids, ids + count), &result);
  if (!status.ok()) {
    set_error(error, error_size, status.ToString());
    return 1;
  }
  *text = copy_to_malloc(result.data(), result.size());
  *text_size = result.size();
  return 0;
}

int evergreen_spm_vocab_size(void* processor) { return processor_of(processor).GetPieceSize(); }
int evergreen_spm_bos_id(void* processor) { return processor_of(processor).bos_id(); }
int evergreen_spm_eos_id(void* processor) { return processor_of(processor).eos_id(); }
int evergreen_spm_unk_id(void* processor) { return processor_of(processor).unk_id(); }

const char* evergreen_spm_piece(void* processor, int id, size_t* size) {
  const std::string& piece = processor_of(processor).IdToPiece(id);
  *size = piece.size();
  return piece.data();
}

float evergreen_spm_score(void* processor, int id) { return processor_of(processor).GetScore(id); }
int evergreen_spm_is_byte(void* processor, int id) { return processor_of(processor).IsByte(id); }
int evergreen_spm_is_control(void* processor, int id) {
  return processor_of(processor).IsControl(id);
}
int evergreen_spm_is_unknown(void* processor, int id) {
  return processor_of(processor).IsUnknown(id);
}

int evergreen_spm_train(const char* const* keys, const char* const* values, size_t count,
                        unsigned int seed, char** model, size_t* model_size, char* error,
                        size_t error_size) {
  std::unordered_map<std::string, std::string> arguments;
  for (size_t i = 0; i < count; ++i) arguments[keys[i]] = values[i];
  sentencepiece::SetRandomGeneratorSeed(seed);
  std::string serialized;
  const auto status = sentencepiece::SentencePieceTrainer::Train(arguments, nullptr, &serialized);
  if (!status.ok()) {
    set_error(error, error_size, status.ToString());
    return 1;
  }
  *model = copy_to_malloc(serialized.data(), serialized.size());
  *model_size = serialized.size();
  return 0;
}

void evergreen_spm_free_buffer(void* buffer) { std::free(buffer); }

}  // extern "C"
