// A C interface to the SentencePiece library, built as its own shared library
// (libevergreen_sentencepiece.so) and loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) by
// data/text/sentencepiece_tokenizer.cpp. Why: Debian's libsentencepiece carries its own copy of
// protobuf; linked into a program that also loads LibTorch's libprotobuf, its symbols interpose
// libprotobuf's and the program crashes before main. Loaded locally and deep-bound, each copy
// keeps to itself.
//
// Conventions: functions returning int give 0 on success and otherwise write a NUL-terminated
// message of at most error_size bytes into `error`. Buffers returned through `out` pointers are
// malloc'd; free them with evergreen_spm_free_buffer.
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads a model file; nullptr on failure (message in `error`).
void* evergreen_spm_load(const char* path, char* error, size_t error_size);
/// Loads a model from its serialised protobuf bytes.
void* evergreen_spm_load_serialized(const char* bytes, size_t size, char* error, size_t error_size);
void evergreen_spm_free(void* processor);

int evergreen_spm_encode(void* processor, const char* text, size_t text_size, int** ids,
                         size_t* count, char* error, size_t error_size);
int evergreen_spm_decode(void* processor, const int* ids, size_t count, char** text,
                         size_t* text_size, char* error, size_t error_size);

int evergreen_spm_vocab_size(void* processor);
int evergreen_spm_bos_id(void* processor);
int evergreen_spm_eos_id(void* processor);
int evergreen_spm_unk_id(void* processor);
/// The piece of `id` (valid while the processor lives) and its length in bytes.
const char* evergreen_spm_piece(void* processor, int id, size_t* size);
float evergreen_spm_score(void* processor, int id);
/// 1 when `id` is a byte-fallback token (<0xXX>), a control token or unknown, by type.
int evergreen_spm_is_byte(void* processor, int id);
int evergreen_spm_is_control(void* processor, int id);
int evergreen_spm_is_unknown(void* processor, int id);

/// Trains with SentencePieceTrainer's options as `count` key/value pairs (the keys of its
/// flags without "--": "input", "vocab_size", ...), after seeding the trainer's generator with
/// `seed`. The model's serialised bytes come back in `model`; the caller writes them.
int evergreen_spm_train(const char* const* keys, const char* const* values, size_t count,
                        unsigned int seed, char** model, size_t* model_size, char* error,
                        size_t error_size);

void evergreen_spm_free_buffer(void* buffer);

#ifdef __cplusplus
}
#endif
