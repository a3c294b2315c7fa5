// llama2.c checkpoints (Karpathy's llama2.c, the format of the tinyllamas models such as
// stories260K): read into a Llama Transformer, and written back.
//
// Two layouts are read:
//  - legacy (version 0, what run.c reads): 7 int32 (dim, hidden_dim, n_layers, n_heads,
//    n_kv_heads, vocab_size — negative when an unshared classifier follows —, seq_len), then
//    float32 token embedding, attention norms, wq, wk, wv, wo, FFN norms, w1, w2, w3, final norm,
//    the rotary tables freq_cis_real / freq_cis_imag (seq_len x head_dim/2 each, recomputed here
//    and ignored), and the classifier when unshared;
//  - version 1 (export.py's "ak42" header): uint32 magic 0x616b3432, int32 version 1, the same 7
//    int32 (vocab_size positive), uint8 shared_classifier, zero padding to 256 bytes; then float32
//    attention norms, FFN norms, final norm, token embedding, wq, wk, wv, wo, w1, w2, w3, and the
//    classifier when unshared.
// llama2.c rotates interleaved pairs (x[2i], x[2i+1]); the model here uses Hugging Face's
// rotate-half layout, so q and k rows are permuted on load and back on save (attention scores
// are unchanged: the same permutation applies to queries and keys).
#pragma once

#include <string>

#include "evergreen/models/lm/transformer.h"

namespace evergreen::lm {

/// Reads a llama2.c checkpoint; InputError naming the file and field for a bad header, a size
/// that does not match the header, or non-finite weights.
///
/// Example:
///   Transformer model = load_llama2c("../shared/data/lm/stories260K/stories260K.bin");
Transformer load_llama2c(const std::string& path);

/// The options a llama2.c header at `path` declares (nothing else read).
TransformerOptions read_llama2c_options(const std::string& path);

/// Writes `model` (Llama architecture) as a legacy llama2.c checkpoint that run.c reads,
/// atomically (temporary file + rename).
void save_llama2c(TransformerImpl& model, const std::string& path);

/// Hugging Face rotate-half rows of a q or k projection [heads * d, in] from llama2.c's
/// interleaved layout, and back.
torch::Tensor interleaved_to_rotate_half(const torch::Tensor& weight, int64_t heads);
torch::Tensor rotate_half_to_interleaved(const torch::Tensor& weight, int64_t heads);

}  // namespace evergreen::lm
