// Hugging Face's safetensors files: an 8-byte little-endian header length N, N bytes of JSON
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}},
// then the tensors' bytes, row-major and little-endian, at offsets relative to the end of the
// header. Reading maps the file and validates the whole header before handing out any tensor, so
// that no offset the file declares is ever followed outside it; float32 tensors are then views
// into the mapping (no copy), float16 and bfloat16 ones are converted once.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evergreen::lm {

/// The element types this reader converts and the writer writes.
enum class SafetensorsDtype { kF32, kF16, kBF16 };

/// "F32", "F16" or "BF16", as the header spells them.
const char* safetensors_dtype_name(SafetensorsDtype dtype);
/// Bytes of one element: 4 or 2.
int64_t safetensors_dtype_size(SafetensorsDtype dtype);
/// The dtype named `name` ("F32" | "F16" | "BF16", also "f32", "fp16", "float16", "bf16",
/// "bfloat16", as a command line may write them); InputError naming `where` otherwise.
SafetensorsDtype parse_safetensors_dtype(const std::string& name, const std::string& where);
/// "float32", "float16" or "bfloat16": the torch_dtype of a config.json.
const char* safetensors_torch_dtype_name(SafetensorsDtype dtype);

/// One tensor entry of a header, validated: its extent matches its shape and lies in the data.
struct SafetensorsTensorInfo {
  std::string name;
  /// As the header spells it: "F32", "I64", ... Any dtype of the format is accepted by open();
  /// only F32, F16 and BF16 can be read as tensors (see `supported_dtype`).
  std::string dtype_name;
  /// Set when the dtype is one SafetensorsFile::tensor() reads.
  std::optional<SafetensorsDtype> supported_dtype;
  std::vector<int64_t> shape;
  /// Offsets of the first byte and one past the last in the data section.
  uint64_t begin = 0;
  uint64_t end = 0;

  int64_t numel() const;
  uint64_t byte_size() const { return end - begin; }
};

/// "[2, 3]": a shape as messages print it.
std::string format_shape(const std::vector<int64_t>& shape);
std::string format_shape(torch::IntArrayRef shape);

/// A safetensors file, memory-mapped read-only. Copies share the mapping, which lives as long as
/// the last copy or the last tensor viewing it.
///
/// Example:
///   SafetensorsFile file = SafetensorsFile::open("stories15M/model.safetensors");
///   for (const std::string& name : file.names())
///     fmt::print("{} {}\n", name, format_shape(file.info(name).shape));
///   torch::Tensor embedding = file.tensor("model.embed_tokens.weight");  // float32
class SafetensorsFile {
 public:
  /// Maps and validates `path`. Every defect of the header is an InputError of one line naming
  /// the file and the tensor or field: a file shorter than 8 bytes, a header length beyond the
  /// file or the 100 MiB bound, invalid JSON or not an object, duplicate names, an entry without
  /// dtype, shape or data_offsets or with a field of the wrong type, an unknown dtype, negative
  /// dimensions or an element count beyond 2^63, data_offsets reversed, outside the data section,
  /// not matching the shape, overlapping another tensor or leaving unused bytes (the format has
  /// no holes), a __metadata__ that is not an object of strings. The OS refusing to open or map
  /// it: throw_file_error's kinds (atomic_file.h).
  static SafetensorsFile open(const std::string& path);

  const std::string& path() const { return path_; }
  /// The tensor names, sorted.
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  size_t size() const { return tensors_.size(); }
  /// InputError "FILE: no tensor 'NAME'" when absent.
  const SafetensorsTensorInfo& info(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  /// The tensor as float32: for an F32 tensor a read-only view into the mapping (writing into it
  /// faults: clone() it first), copied only when the file places it at an address not aligned
  /// for floats; F16 and BF16 converted into a new tensor. Other dtypes are an InputError
  /// "FILE: dtype X of tensor 'NAME' is not supported (F32, F16, BF16 are)".
  torch::Tensor tensor(const std::string& name) const;
  /// The tensor in its stored dtype (float32, float16 or bfloat16), a read-only view into the
  /// mapping (an aligned copy when misaligned); same errors as tensor().
  torch::Tensor stored_tensor(const std::string& name) const;
  /// Copies the tensor into `destination` (any floating dtype and device), converting on the
  /// way: the one copy a model owning its parameters needs. InputError naming the tensor and
  /// both shapes when they differ.
  void copy_into(const std::string& name, torch::Tensor destination) const;
  /// The tensor's bytes as stored (any dtype), a view into the mapping.
  std::string_view bytes(const std::string& name) const;

  /// Bytes of the header (the N of its first 8 bytes) and of the data section.
  uint64_t header_size() const { return header_size_; }
  uint64_t data_size() const { return data_size_; }

 private:
  struct Mapping;
  SafetensorsFile() = default;
  const SafetensorsTensorInfo& supported_info(const std::string& name) const;
  const char* data(const SafetensorsTensorInfo& info) const;

  std::string path_;
  std::shared_ptr<const Mapping> mapping_;
  uint64_t header_size_ = 0;
  uint64_t data_size_ = 0;
  std::map<std::string, SafetensorsTensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

/// Writes `tensors` to `path` as a safetensors file of element type `dtype`: each made a
/// contiguous float32 CPU tensor, then converted as torch converts (float16: IEEE round to
/// nearest even; bfloat16: round to nearest even of the upper 16 bits, NaN kept a quiet NaN).
/// Names are sorted and laid out in that order, the header padded with spaces to a multiple of 8
/// so that every tensor is aligned; the file is written atomically (atomic_file.h). InputError for
/// a duplicate name, an undefined or non-floating tensor, a name that is not UTF-8; NaN and
/// infinities are data like any other.
///
/// Example:
///   write_safetensors("out/model.safetensors", {{"w", torch::ones({2, 3})}},
///                     SafetensorsDtype::kBF16);
void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       SafetensorsDtype dtype = SafetensorsDtype::kF32,
                       const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

/// The first difference between the tensors of two safetensors files, comparing names, dtypes,
/// shapes and bytes (metadata and layout are not compared), as one line naming the tensor and the
/// first differing element; std::nullopt when they hold the same tensors bit for bit.
///
/// Example:
///   if (auto difference = safetensors_difference("ours.safetensors", "theirs.safetensors"))
///     throw InputError(*difference);
std::optional<std::string> safetensors_difference(const std::string& file_a,
                                                  const std::string& file_b);

}  // namespace evergreen::lm
