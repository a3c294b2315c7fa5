#include "evergreen/models/lm/safetensors.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/core/resource_bounds.h"

// Tensors are viewed and written in the host's byte order, which must be the format's.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors.cpp reads and writes little-endian data in place");

namespace evergreen::lm {

struct SafetensorsFile::Mapping {
  void* address = MAP_FAILED;
  size_t length = 0;
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (address != MAP_FAILED) ::munmap(address, length);
  }
  const char* bytes() const { return static_cast<const char*>(address); }
};

namespace {

/// The bound on a header: the reference implementation's, and far beyond any model's (a
/// 100 000-tensor header is about 10 MiB).
constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;
/// More dimensions than any weight has; the bound keeps a hostile header from building tensors
/// of thousands of dimensions.
constexpr size_t kMaxDimensions = 64;
constexpr const char* kSupportedDtypes = "F32, F16, BF16";

/// Bytes per element of each dtype of the format (sub-byte ones such as F4 are not known).
int64_t dtype_element_size(const std::string& dtype) {
  static const std::map<std::string, int64_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},     {"U32", 4},
      {"F32", 4},  {"F64", 8}, {"I64", 8}, {"U64", 8}};
  auto found = sizes.find(dtype);
  return found == sizes.end() ? 0 : found->second;
}

std::optional<SafetensorsDtype> supported_dtype_of(const std::string& dtype) {
  if (dtype == "F32") return SafetensorsDtype::kF32;
  if (dtype == "F16") return SafetensorsDtype::kF16;
  if (dtype == "BF16") return SafetensorsDtype::kBF16;
  return std::nullopt;
}

torch::ScalarType scalar_type_of(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::kF32:
      return torch::kFloat32;
    case SafetensorsDtype::kF16:
      return torch::kFloat16;
    case SafetensorsDtype::kBF16:
      return torch::kBFloat16;
  }
  EVERGREEN_ASSERT(false, "unknown SafetensorsDtype {}", static_cast<int>(dtype));
}

/// "a string", "an array", ...: what a JSON value is, for messages.
std::string json_value_kind(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
      return value.get<int64_t>() < 0 ? "a negative integer" : "an integer";
    case nlohmann::json::value_t::number_unsigned:
      return "an integer";
    case nlohmann::json::value_t::number_float:
      return "a number with a fraction or exponent";
    default:
      return "binary data";
  }
}

/// A JSON value as a message shows it: short, one line.
std::string json_text(const nlohmann::json& value) {
  return quote(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 60);
}

/// The message of a JSON parse error without nlohmann's "[json.exception...]" prefix.
std::string json_error_reason(const std::exception& error) {
  std::string message = error.what();
  if (!message.empty() && message.front() == '[') {
    size_t close = message.find("] ");
    if (close != std::string::npos) message = message.substr(close + 2);
  }
  // nlohmann echoes the offending bytes, which may be invalid UTF-8: escape all but ASCII.
  std::string ascii;
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    ascii += byte < 0x80 ? std::string(1, c) : fmt::format("\\x{:02x}", byte);
  }
  return quote(ascii, 200);
}

/// The header's JSON; duplicate tensor names are an error (nlohmann would keep the last).
nlohmann::json parse_safetensors_header(const std::string& path, std::string_view text) {
  std::string duplicate;
  std::set<std::string> keys;
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && duplicate.empty() &&
        parsed.is_string() && !keys.insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const nlohmann::json::exception& error) {
    throw InputError(
        fmt::format("{}: header is not valid JSON: {}", path, json_error_reason(error)));
  }
  EVERGREEN_CHECK_INPUT(header.is_object(), "{}: header is {}, expected a JSON object", path,
                        json_value_kind(header));
  EVERGREEN_CHECK_INPUT(duplicate.empty(), "{}: tensor '{}' appears twice in the header", path,
                        quote(duplicate));
  return header;
}

std::map<std::string, std::string> parse_metadata(const std::string& path,
                                                  const nlohmann::json& metadata) {
  EVERGREEN_CHECK_INPUT(metadata.is_object(), "{}: __metadata__ is {}, expected an object", path,
                        json_value_kind(metadata));
  std::map<std::string, std::string> result;
  for (auto item = metadata.begin(); item != metadata.end(); ++item) {
    EVERGREEN_CHECK_INPUT(item.value().is_string(),
                          "{}: __metadata__ entry '{}' is {}, expected a string", path,
                          quote(item.key()), json_value_kind(item.value()));
    result[item.key()] = item.value().get<std::string>();
  }
  return result;
}

/// One header entry checked against the data section of `data_size` bytes.
SafetensorsTensorInfo parse_entry(const std::string& path, const std::string& name,
                                  const nlohmann::json& entry, uint64_t data_size) {
  const std::string where = fmt::format("{}: tensor '{}'", path, quote(name));
  EVERGREEN_CHECK_INPUT(entry.is_object(), "{}: entry is {}, expected an object", where,
                        json_value_kind(entry));
  for (const char* field : {"dtype", "shape", "data_offsets"})
    EVERGREEN_CHECK_INPUT(entry.contains(field), "{}: field '{}' is missing", where, field);

  SafetensorsTensorInfo info;
  info.name = name;
  const nlohmann::json& dtype = entry["dtype"];
  EVERGREEN_CHECK_INPUT(dtype.is_string(), "{}: field 'dtype' is {}, expected a string", where,
                        json_value_kind(dtype));
  info.dtype_name = dtype.get<std::string>();
  const int64_t element_size = dtype_element_size(info.dtype_name);
  EVERGREEN_CHECK_INPUT(element_size > 0,
                        "{}: dtype '{}' is not a safetensors dtype (F32, F16, BF16 are read; F64, "
                        "I64, I32, I16, I8, U8, BOOL, F8_E4M3, ... are known)",
                        where, quote(info.dtype_name, 20));
  info.supported_dtype = supported_dtype_of(info.dtype_name);

  const nlohmann::json& shape = entry["shape"];
  EVERGREEN_CHECK_INPUT(shape.is_array(), "{}: field 'shape' is {}, expected an array", where,
                        json_value_kind(shape));
  EVERGREEN_CHECK_INPUT(shape.size() <= kMaxDimensions,
                        "{}: field 'shape' has {} dimensions, more than the {} this reader takes",
                        where, shape.size(), kMaxDimensions);
  // The product of the non-zero dimensions must fit too: torch multiplies them all, so a shape
  // such as [2^62, 2^62, 0] is no more representable than [2^62, 2^62].
  uint64_t elements = 1;
  bool overflow = false, empty = false;
  for (const nlohmann::json& dimension : shape) {
    EVERGREEN_CHECK_INPUT(dimension.is_number_unsigned(),
                          "{}: field 'shape' {}: dimension {} is {}, expected a non-negative "
                          "integer",
                          where, json_text(shape), json_text(dimension),
                          json_value_kind(dimension));
    const auto size = dimension.get<uint64_t>();
    EVERGREEN_CHECK_INPUT(size <= uint64_t{std::numeric_limits<int64_t>::max()},
                          "{}: field 'shape' {}: dimension {} is more than 2^63", where,
                          json_text(shape), json_text(dimension));
    info.shape.push_back(static_cast<int64_t>(size));
    if (size == 0) {
      empty = true;
      continue;
    }
    overflow = overflow || __builtin_mul_overflow(elements, size, &elements);
  }
  uint64_t needed = 0;
  overflow = overflow || elements > uint64_t{std::numeric_limits<int64_t>::max()} ||
             __builtin_mul_overflow(elements, static_cast<uint64_t>(element_size), &needed);
  EVERGREEN_CHECK_INPUT(!overflow, "{}: shape {} has more than 2^63 bytes of elements", where,
                        format_shape(info.shape));
  if (empty) needed = 0;

  const nlohmann::json& offsets = entry["data_offsets"];
  EVERGREEN_CHECK_INPUT(offsets.is_array() && offsets.size() == 2,
                        "{}: field 'data_offsets' is {}, expected an array [begin, end]", where,
                        offsets.is_array() ? fmt::format("an array of {}", offsets.size())
                                           : json_value_kind(offsets));
  for (const nlohmann::json& offset : offsets)
    EVERGREEN_CHECK_INPUT(offset.is_number_unsigned(),
                          "{}: field 'data_offsets' {}: {} is {}, expected a non-negative integer",
                          where, json_text(offsets), json_text(offset), json_value_kind(offset));
  info.begin = offsets[0].get<uint64_t>();
  info.end = offsets[1].get<uint64_t>();
  EVERGREEN_CHECK_INPUT(info.begin <= info.end, "{}: data_offsets [{}, {}] end before they begin",
                        where, info.begin, info.end);
  EVERGREEN_CHECK_INPUT(info.end <= data_size,
                        "{}: data_offsets [{}, {}] overrun the data section of {} bytes", where,
                        info.begin, info.end, data_size);
  EVERGREEN_CHECK_INPUT(info.end - info.begin == needed,
                        "{}: data_offsets [{}, {}] hold {} bytes, shape {} of {} needs {}", where,
                        info.begin, info.end, info.end - info.begin, format_shape(info.shape),
                        info.dtype_name, needed);
  return info;
}

/// The tensors must tile the data section: no overlap, no hole, nothing after the last.
void check_layout(const std::string& path,
                  const std::map<std::string, SafetensorsTensorInfo>& tensors, uint64_t data_size) {
  std::vector<const SafetensorsTensorInfo*> order;
  for (const auto& [name, info] : tensors) order.push_back(&info);
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return std::tie(a->begin, a->end, a->name) < std::tie(b->begin, b->end, b->name);
  });
  uint64_t position = 0;
  const SafetensorsTensorInfo* previous = nullptr;
  for (const SafetensorsTensorInfo* info : order) {
    EVERGREEN_CHECK_INPUT(info->begin >= position,
                          "{}: tensor '{}': data_offsets [{}, {}] overlap tensor '{}' at [{}, {}]",
                          path, quote(info->name), info->begin, info->end,
                          previous ? quote(previous->name) : "", previous ? previous->begin : 0,
                          position);
    EVERGREEN_CHECK_INPUT(info->begin == position,
                          "{}: tensor '{}': data_offsets [{}, {}] leave bytes [{}, {}) of the data "
                          "section unused (a safetensors file has no holes)",
                          path, quote(info->name), info->begin, info->end, position, info->begin);
    position = info->end;
    previous = info;
  }
  EVERGREEN_CHECK_INPUT(position == data_size,
                        "{}: the data section holds {} bytes but its tensors end at byte {}", path,
                        data_size, position);
}

/// Closes a descriptor when leaving scope, as long as nobody closed it before.
struct FileDescriptor {
  int fd = -1;
  explicit FileDescriptor(int descriptor) : fd(descriptor) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

/// Writes all of `size` bytes, naming `path` (the target, not the temporary file) on failure.
void write_all(int fd, const void* data, size_t size, const std::string& path) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    // Linux writes at most about 2 GiB at a time.
    const size_t chunk = std::min<size_t>(size, size_t{1} << 30);
    ssize_t count = ::write(fd, bytes, chunk);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) throw_file_error(path, "write", errno);
    if (count == 0) throw_file_error(path, "write", EIO);
    bytes += count;
    size -= static_cast<size_t>(count);
  }
}

/// An element's bits, as an unsigned number, and its value where it is a float.
std::string describe_element(const char* bytes, int64_t element_size, const std::string& dtype) {
  uint64_t bits = 0;
  std::memcpy(&bits, bytes, static_cast<size_t>(element_size));
  std::string text = fmt::format("0x{:0{}x}", bits, 2 * element_size);
  if (dtype == "F32") {
    float value;
    std::memcpy(&value, bytes, sizeof value);
    text += fmt::format(" ({})", value);
  } else if (dtype == "F16") {
    text += fmt::format(" ({})", static_cast<float>(c10::Half(static_cast<uint16_t>(bits),
                                                              c10::Half::from_bits())));
  } else if (dtype == "BF16") {
    text += fmt::format(" ({})", static_cast<float>(c10::BFloat16(static_cast<uint16_t>(bits),
                                                                  c10::BFloat16::from_bits())));
  }
  return text;
}

}  // namespace

const char* safetensors_dtype_name(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::kF32:
      return "F32";
    case SafetensorsDtype::kF16:
      return "F16";
    case SafetensorsDtype::kBF16:
      return "BF16";
  }
  EVERGREEN_ASSERT(false, "unknown SafetensorsDtype {}", static_cast<int>(dtype));
}

const char* safetensors_torch_dtype_name(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::kF32:
      return "float32";
    case SafetensorsDtype::kF16:
      return "float16";
    case SafetensorsDtype::kBF16:
      return "bfloat16";
  }
  EVERGREEN_ASSERT(false, "unknown SafetensorsDtype {}", static_cast<int>(dtype));
}

int64_t safetensors_dtype_size(SafetensorsDtype dtype) {
  return dtype == SafetensorsDtype::kF32 ? 4 : 2;
}

SafetensorsDtype parse_safetensors_dtype(const std::string& name, const std::string& where) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "f32" || lower == "fp32" || lower == "float32") return SafetensorsDtype::kF32;
  if (lower == "f16" || lower == "fp16" || lower == "float16") return SafetensorsDtype::kF16;
  if (lower == "bf16" || lower == "bfloat16") return SafetensorsDtype::kBF16;
  throw InputError(
      fmt::format("{}: dtype '{}': expected F32, F16 or BF16", where, quote(name, 20)));
}

int64_t SafetensorsTensorInfo::numel() const {
  int64_t elements = 1;
  for (int64_t dimension : shape) {
    if (dimension == 0) return 0;
    elements *= dimension;  // open() checked that the product of the non-zero ones fits
  }
  return elements;
}

std::string format_shape(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

std::string format_shape(torch::IntArrayRef shape) {
  return format_shape(std::vector<int64_t>(shape.begin(), shape.end()));
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.fd < 0) throw_file_error(path, "open", errno);
  struct stat status {};
  if (::fstat(file.fd, &status) != 0) throw_file_error(path, "read", errno);
  EVERGREEN_CHECK_INPUT(!S_ISDIR(status.st_mode),
                        "{}: is a directory, expected a .safetensors file", path);
  EVERGREEN_CHECK_INPUT(S_ISREG(status.st_mode),
                        "{}: not a regular file, expected a .safetensors file", path);
  const auto file_size = static_cast<uint64_t>(status.st_size);
  EVERGREEN_CHECK_INPUT(file_size >= 8,
                        "{}: {} bytes, too short for a safetensors file (an 8-byte header length "
                        "comes first)",
                        path, file_size);

  auto mapping = std::make_shared<Mapping>();
  mapping->address = ::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (mapping->address == MAP_FAILED) throw_file_error(path, "map", errno);
  mapping->length = file_size;

  const auto* bytes = reinterpret_cast<const unsigned char*>(mapping->bytes());
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = header_size << 8 | bytes[i];
  EVERGREEN_CHECK_INPUT(header_size <= kMaxHeaderBytes,
                        "{}: header length {} is more than the 100 MiB a safetensors header may "
                        "hold (is this a safetensors file?)",
                        path, header_size);
  EVERGREEN_CHECK_INPUT(header_size <= file_size - 8,
                        "{}: header length {} runs past the end of the file ({} bytes)", path,
                        header_size, file_size);

  SafetensorsFile result;
  result.path_ = path;
  result.header_size_ = header_size;
  result.data_size_ = file_size - 8 - header_size;
  const nlohmann::json header =
      parse_safetensors_header(path, std::string_view(mapping->bytes() + 8, header_size));
  for (auto item = header.begin(); item != header.end(); ++item) {
    if (item.key() == "__metadata__") {
      result.metadata_ = parse_metadata(path, item.value());
      continue;
    }
    result.tensors_.emplace(item.key(),
                            parse_entry(path, item.key(), item.value(), result.data_size_));
  }
  check_layout(path, result.tensors_, result.data_size_);
  result.mapping_ = std::move(mapping);
  return result;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> result;
  result.reserve(tensors_.size());
  for (const auto& [name, info] : tensors_) result.push_back(name);
  return result;
}

const SafetensorsTensorInfo& SafetensorsFile::info(const std::string& name) const {
  auto found = tensors_.find(name);
  EVERGREEN_CHECK_INPUT(found != tensors_.end(), "{}: no tensor '{}' (the file holds {})", path_,
                        quote(name), tensors_.size());
  return found->second;
}

const SafetensorsTensorInfo& SafetensorsFile::supported_info(const std::string& name) const {
  const SafetensorsTensorInfo& result = info(name);
  EVERGREEN_CHECK_INPUT(result.supported_dtype.has_value(),
                        "{}: dtype {} of tensor '{}' is not supported ({} are)", path_,
                        result.dtype_name, quote(name), kSupportedDtypes);
  return result;
}

const char* SafetensorsFile::data(const SafetensorsTensorInfo& info) const {
  return mapping_->bytes() + 8 + header_size_ + info.begin;
}

std::string_view SafetensorsFile::bytes(const std::string& name) const {
  const SafetensorsTensorInfo& found = info(name);
  return std::string_view(data(found), found.byte_size());
}

torch::Tensor SafetensorsFile::stored_tensor(const std::string& name) const {
  const SafetensorsTensorInfo& found = supported_info(name);
  const torch::ScalarType type = scalar_type_of(*found.supported_dtype);
  const char* address = data(found);
  if (reinterpret_cast<uintptr_t>(address) % safetensors_dtype_size(*found.supported_dtype) == 0) {
    // The tensor's storage holds the mapping: the file stays mapped while any view lives.
    std::shared_ptr<const Mapping> keep = mapping_;
    return torch::from_blob(
        const_cast<char*>(address), found.shape, [keep](void*) { (void)keep; },
        torch::TensorOptions().dtype(type));
  }
  // Misaligned (a header length that is not a multiple of the element size): one aligned copy.
  check_allocation(static_cast<double>(found.byte_size()),
                   fmt::format("{}: tensor '{}'", path_, quote(name)));
  torch::Tensor copy = torch::empty(found.shape, torch::TensorOptions().dtype(type));
  if (found.byte_size() > 0) std::memcpy(copy.data_ptr(), address, found.byte_size());
  return copy;
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
  torch::Tensor stored = stored_tensor(name);
  if (stored.scalar_type() == torch::kFloat32) return stored;
  check_allocation(static_cast<double>(stored.numel()) * 4,
                   fmt::format("{}: tensor '{}' as float32", path_, quote(name)));
  return stored.to(torch::kFloat32);
}

void SafetensorsFile::copy_into(const std::string& name, torch::Tensor destination) const {
  const SafetensorsTensorInfo& found = supported_info(name);
  EVERGREEN_CHECK_INPUT(destination.sizes() == torch::IntArrayRef(found.shape),
                        "{}: tensor '{}': expected shape {}, found {}", path_, quote(name),
                        format_shape(destination.sizes()), format_shape(found.shape));
  EVERGREEN_ASSERT(destination.is_floating_point(), "copy_into a {} tensor",
                   c10::toString(destination.scalar_type()));
  torch::NoGradGuard no_grad;
  destination.copy_(stored_tensor(name));
}

void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       SafetensorsDtype dtype, const std::map<std::string, std::string>& metadata) {
  std::map<std::string, torch::Tensor> sorted;
  for (const auto& [name, tensor] : tensors) {
    EVERGREEN_CHECK_INPUT(name != "__metadata__",
                          "{}: a tensor cannot be named '__metadata__' (the header's metadata "
                          "entry)",
                          path);
    EVERGREEN_CHECK_INPUT(tensor.defined(), "{}: tensor '{}' is undefined", path, quote(name));
    EVERGREEN_CHECK_INPUT(tensor.is_floating_point(),
                          "{}: tensor '{}' holds {}, expected floating-point values", path,
                          quote(name), c10::toString(tensor.scalar_type()));
    EVERGREEN_CHECK_INPUT(sorted.emplace(name, tensor).second, "{}: tensor '{}' is given twice",
                          path, quote(name));
  }

  const int64_t element_size = safetensors_dtype_size(dtype);
  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (const auto& [name, tensor] : sorted) {
    const uint64_t size = static_cast<uint64_t>(tensor.numel()) * element_size;
    header[name] = {{"dtype", safetensors_dtype_name(dtype)},
                    {"shape", tensor.sizes().vec()},
                    {"data_offsets", {offset, offset + size}}};
    offset += size;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string header_text;
  try {
    header_text = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::type_error& error) {
    throw InputError(fmt::format("{}: a tensor name or metadata entry is not valid UTF-8: {}", path,
                                 json_error_reason(error)));
  }
  // Padding to 8 bytes aligns the data section, and with it every tensor, for any element type.
  header_text.append((8 - header_text.size() % 8) % 8, ' ');
  EVERGREEN_CHECK_INPUT(header_text.size() <= kMaxHeaderBytes,
                        "{}: the header would take {}, more than the 100 MiB readers accept", path,
                        format_bytes(static_cast<double>(header_text.size())));

  write_atomically_with(path, [&](const std::string& temporary) {
    FileDescriptor file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (file.fd < 0) throw_file_error(path, "write", errno);
    unsigned char length[8];
    for (int i = 0; i < 8; ++i)
      length[i] = static_cast<unsigned char>(static_cast<uint64_t>(header_text.size()) >> (8 * i));
    write_all(file.fd, length, sizeof length, path);
    write_all(file.fd, header_text.data(), header_text.size(), path);
    // One tensor at a time: converting the whole model first would hold a second copy of it.
    for (const auto& [name, tensor] : sorted) {
      torch::Tensor values =
          tensor.detach()
              .to(torch::TensorOptions().device(torch::kCPU).dtype(torch::kFloat32))
              .contiguous();
      if (dtype != SafetensorsDtype::kF32) values = values.to(scalar_type_of(dtype));
      write_all(file.fd, values.data_ptr(), static_cast<size_t>(values.numel()) * element_size,
                path);
    }
    const int fd = file.fd;
    file.fd = -1;
    if (::close(fd) != 0) throw_file_error(path, "write", errno);
  });
}

std::optional<std::string> safetensors_difference(const std::string& file_a,
                                                  const std::string& file_b) {
  const SafetensorsFile a = SafetensorsFile::open(file_a);
  const SafetensorsFile b = SafetensorsFile::open(file_b);
  std::set<std::string> names;
  for (const std::string& name : a.names()) names.insert(name);
  for (const std::string& name : b.names()) names.insert(name);
  for (const std::string& name : names) {
    if (!a.contains(name) || !b.contains(name)) {
      return fmt::format("tensor '{}' is in {} but not in {}", quote(name),
                         a.contains(name) ? file_a : file_b, a.contains(name) ? file_b : file_a);
    }
    const SafetensorsTensorInfo& info_a = a.info(name);
    const SafetensorsTensorInfo& info_b = b.info(name);
    if (info_a.dtype_name != info_b.dtype_name) {
      return fmt::format("tensor '{}': dtype {} in {}, {} in {}", quote(name), info_a.dtype_name,
                         file_a, info_b.dtype_name, file_b);
    }
    if (info_a.shape != info_b.shape) {
      return fmt::format("tensor '{}': shape {} in {}, {} in {}", quote(name),
                         format_shape(info_a.shape), file_a, format_shape(info_b.shape), file_b);
    }
    const std::string_view bytes_a = a.bytes(name);
    const std::string_view bytes_b = b.bytes(name);
    auto [at_a, at_b] = std::mismatch(bytes_a.begin(), bytes_a.end(), bytes_b.begin());
    if (at_a == bytes_a.end()) continue;
    const int64_t element_size = dtype_element_size(info_a.dtype_name);
    const auto element = static_cast<int64_t>(at_a - bytes_a.begin()) / element_size;
    const size_t start = static_cast<size_t>(element * element_size);
    return fmt::format(
        "tensor '{}': element {} (flat index) is {} in {}, {} in {}", quote(name), element,
        describe_element(bytes_a.data() + start, element_size, info_a.dtype_name), file_a,
        describe_element(bytes_b.data() + start, element_size, info_b.dtype_name), file_b);
  }
  return std::nullopt;
}

}  // namespace evergreen::lm
