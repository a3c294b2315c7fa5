#include "evergreen/models/lm/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "evergreen/core/error.h"
#include "test_support.h"

namespace evergreen::lm {
namespace {

using evergreen::testing::input_error_of;
using evergreen::testing::read_text;

// Every part must be in the message, and the message must be one line.
void expect_error_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

std::string little_endian(uint64_t value, int bytes) {
  std::string text;
  for (int i = 0; i < bytes; ++i) text += static_cast<char>((value >> (8 * i)) & 0xff);
  return text;
}

/// A safetensors file: the header's length, the header as given (no padding), the data.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return little_endian(header.size(), 8) + header + data;
}

/// `header` padded with spaces to a multiple of 8, as writers align the data section.
std::string padded(std::string header) {
  header.append((8 - header.size() % 8) % 8, ' ');
  return header;
}

std::string float_bytes(const std::vector<float>& values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::string half_bytes(const std::vector<uint16_t>& values) {
  std::string bytes;
  for (uint16_t value : values) bytes += little_endian(value, 2);
  return bytes;
}

uint32_t float_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

/// The bits of a float32 tensor, element by element.
std::vector<int32_t> bits_of(const torch::Tensor& tensor) {
  torch::Tensor flat = tensor.contiguous().view(torch::kInt32).reshape(-1);
  return std::vector<int32_t>(flat.data_ptr<int32_t>(), flat.data_ptr<int32_t>() + flat.numel());
}

/// A float32 tensor of awkward values: signed zeros, subnormals, infinities, NaN, extremes.
torch::Tensor awkward_values() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  return torch::tensor({0.0f, -0.0f, 1.0f, -2.5f, 1e-45f, -1e-40f, inf, -inf, nan,
                        std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(),
                        1.00390625f, 3.14159265f, 65504.0f, 65520.0f, 6e-8f});
}

class SafetensorsTest : public testing::FileTest {
 protected:
  std::string file_with(const std::string& header, const std::string& data = "") {
    return write("model.safetensors", safetensors_bytes(header, data));
  }
  std::string open_error(const std::string& header, const std::string& data = "") {
    const std::string file = file_with(header, data);
    return input_error_of([&] { SafetensorsFile::open(file); });
  }
  std::string roundtrip_file() { return directory_.file("roundtrip.safetensors"); }
};

TEST_F(SafetensorsTest, ReadsHandBuiltFileToExactValues) {
  const std::string header = padded(R"({"b":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},)"
                                    R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
                                    R"("__metadata__":{"format":"pt","note":"hand-made"}})");
  const std::string file = file_with(
      header, float_bytes({1.5f, -2.0f, 0.25f, 1e30f}) + half_bytes({0x3C00, 0xC100, 0x0000}));
  const SafetensorsFile safetensors = SafetensorsFile::open(file);
  EXPECT_EQ(safetensors.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(safetensors.metadata(),
            (std::map<std::string, std::string>{{"format", "pt"}, {"note", "hand-made"}}));
  EXPECT_EQ(safetensors.header_size(), header.size());
  EXPECT_EQ(safetensors.data_size(), 22u);

  const SafetensorsTensorInfo& a = safetensors.info("a");
  EXPECT_EQ(a.dtype_name, "F32");
  EXPECT_EQ(a.supported_dtype, SafetensorsDtype::kF32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(a.begin, 0u);
  EXPECT_EQ(a.end, 16u);
  torch::Tensor values = safetensors.tensor("a");
  EXPECT_EQ(values.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(values, torch::tensor({{1.5f, -2.0f}, {0.25f, 1e30f}})));

  torch::Tensor halves = safetensors.tensor("b");
  EXPECT_EQ(halves.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(halves, torch::tensor({1.0f, -2.5f, 0.0f})));
  EXPECT_EQ(safetensors.stored_tensor("b").scalar_type(), torch::kFloat16);
  EXPECT_TRUE(safetensors.contains("a"));
  EXPECT_FALSE(safetensors.contains("__metadata__"));
  expect_error_mentions(input_error_of([&] { safetensors.tensor("c"); }), {file, "no tensor 'c'"});
}

TEST_F(SafetensorsTest, ReadsMisalignedTensorsByCopying) {
  // A header of odd length puts the data at an odd address: readers must copy, not view.
  const std::string header = R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})";
  ASSERT_NE(header.size() % 4, 0u);
  const SafetensorsFile safetensors =
      SafetensorsFile::open(file_with(header, float_bytes({1.0f, -7.25f, 1e-45f})));
  torch::Tensor values = safetensors.tensor("x");
  EXPECT_EQ(bits_of(values),
            (std::vector<int32_t>{0x3f800000, static_cast<int32_t>(0xc0e80000), 1}));
  EXPECT_NE(values.data_ptr(), static_cast<const void*>(safetensors.bytes("x").data()));
}

TEST_F(SafetensorsTest, DecodesFloat16BitPatternsExactly) {
  // 1, -2.5, the smallest subnormal 2^-24, the largest subnormal, 65504, +-inf, NaN, -0.
  const std::vector<uint16_t> patterns = {0x3C00, 0xC100, 0x0001, 0x03FF, 0x7BFF,
                                          0x7C00, 0xFC00, 0x7E00, 0x8000};
  const std::string header = padded(R"({"h":{"dtype":"F16","shape":[9],"data_offsets":[0,18]}})");
  torch::Tensor values = SafetensorsFile::open(file_with(header, half_bytes(patterns))).tensor("h");
  const std::vector<uint32_t> expected = {float_bits(1.0f),
                                          float_bits(-2.5f),
                                          float_bits(std::ldexp(1.0f, -24)),
                                          float_bits(std::ldexp(1023.0f, -24)),
                                          float_bits(65504.0f),
                                          0x7f800000u,
                                          0xff800000u,
                                          0x7fc00000u,  // the quiet NaN keeps its payload's top bit
                                          0x80000000u};
  std::vector<int32_t> bits = bits_of(values);
  ASSERT_EQ(bits.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(static_cast<uint32_t>(bits[i]), expected[i])
        << "pattern 0x" << std::hex << patterns[i];
}

TEST_F(SafetensorsTest, DecodesBfloat16BitPatternsExactly) {
  // bfloat16 is float32's upper half: 1, -2.5, the smallest subnormal 2^-133, +-inf, NaN, -0.
  const std::vector<uint16_t> patterns = {0x3F80, 0xC020, 0x0001, 0x7F80, 0xFF80, 0x7FC0, 0x8000};
  const std::string header = padded(R"({"h":{"dtype":"BF16","shape":[7],"data_offsets":[0,14]}})");
  torch::Tensor values = SafetensorsFile::open(file_with(header, half_bytes(patterns))).tensor("h");
  std::vector<int32_t> bits = bits_of(values);
  ASSERT_EQ(bits.size(), patterns.size());
  for (size_t i = 0; i < patterns.size(); ++i)
    EXPECT_EQ(static_cast<uint32_t>(bits[i]), uint32_t{patterns[i]} << 16) << i;
  EXPECT_EQ(values[0].item<float>(), 1.0f);
  EXPECT_EQ(values[1].item<float>(), -2.5f);
  EXPECT_EQ(values[2].item<float>(), std::ldexp(1.0f, -133));
}

TEST_F(SafetensorsTest, Float32TensorIsAViewIntoTheMappingThatKeepsItAlive) {
  const std::string header = padded(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})");
  const std::string file = file_with(header, float_bytes({1, 2, 3, 4, 5, 6}));
  torch::Tensor view;
  {
    const SafetensorsFile safetensors = SafetensorsFile::open(file);
    view = safetensors.tensor("w");
    // No copy: the tensor's data is the file's bytes in the mapping.
    EXPECT_EQ(view.data_ptr(), static_cast<const void*>(safetensors.bytes("w").data()));
    EXPECT_EQ(safetensors.tensor("w").data_ptr(), view.data_ptr());
    const char* mapped_start = safetensors.bytes("w").data() - 8 - safetensors.header_size();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(mapped_start) % 4096, 0u) << "not a page-aligned map";
  }
  // The file object is gone; the view still holds the mapping.
  EXPECT_TRUE(torch::equal(view, torch::tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}})));
  EXPECT_TRUE(torch::equal(view.clone() * 2, view * 2));
}

TEST_F(SafetensorsTest, ReadsEmptyAndScalarTensorsAndAnEmptyFile) {
  const std::string header =
      padded(R"({"empty":{"dtype":"F32","shape":[0,5],"data_offsets":[0,0]},)"
             R"("scalar":{"dtype":"BF16","shape":[],"data_offsets":[0,2]}})");
  const SafetensorsFile safetensors =
      SafetensorsFile::open(file_with(header, half_bytes({0x4040})));
  EXPECT_EQ(safetensors.tensor("empty").sizes(), (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(safetensors.tensor("scalar").dim(), 0);
  EXPECT_EQ(safetensors.tensor("scalar").item<float>(), 3.0f);

  const SafetensorsFile none = SafetensorsFile::open(file_with("{}"));
  EXPECT_TRUE(none.names().empty());
  EXPECT_TRUE(none.metadata().empty());
}

TEST_F(SafetensorsTest, Float32RoundTripIsBitForBit) {
  torch::manual_seed(11);
  torch::Tensor awkward = awkward_values();
  torch::Tensor matrix = torch::randn({7, 5});
  torch::Tensor transposed = torch::randn({4, 6}).t();  // not contiguous
  torch::Tensor doubles = torch::randn({3}, torch::kFloat64);
  write_safetensors(roundtrip_file(), {{"z.awkward", awkward},
                                       {"a.matrix", matrix},
                                       {"m.transposed", transposed},
                                       {"d.doubles", doubles}});
  const SafetensorsFile read = SafetensorsFile::open(roundtrip_file());
  EXPECT_EQ(read.names(),
            (std::vector<std::string>{"a.matrix", "d.doubles", "m.transposed", "z.awkward"}));
  EXPECT_EQ(read.metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
  EXPECT_EQ(bits_of(read.tensor("z.awkward")), bits_of(awkward));
  EXPECT_EQ(bits_of(read.tensor("a.matrix")), bits_of(matrix));
  EXPECT_EQ(read.tensor("m.transposed").sizes(), transposed.sizes());
  EXPECT_EQ(bits_of(read.tensor("m.transposed")), bits_of(transposed));
  EXPECT_EQ(bits_of(read.tensor("d.doubles")), bits_of(doubles.to(torch::kFloat32)));
  for (const std::string& name : read.names()) EXPECT_EQ(read.info(name).dtype_name, "F32");
}

TEST_F(SafetensorsTest, HalfPrecisionRoundTripsEqualTorchsConversion) {
  torch::manual_seed(12);
  torch::Tensor values = torch::cat({awkward_values(), torch::randn({64}) * 100});
  for (SafetensorsDtype dtype : {SafetensorsDtype::kF16, SafetensorsDtype::kBF16}) {
    const torch::ScalarType type =
        dtype == SafetensorsDtype::kF16 ? torch::kFloat16 : torch::kBFloat16;
    write_safetensors(roundtrip_file(), {{"values", values}}, dtype);
    const SafetensorsFile read = SafetensorsFile::open(roundtrip_file());
    EXPECT_EQ(read.info("values").dtype_name, safetensors_dtype_name(dtype));
    EXPECT_EQ(bits_of(read.tensor("values")), bits_of(values.to(type).to(torch::kFloat32)))
        << safetensors_dtype_name(dtype);
  }
}

TEST_F(SafetensorsTest, Bfloat16WritingRoundsToNearestEven) {
  // 1 + 2^-8 lies halfway between bfloat16's 1 and 1 + 2^-7: ties go to the even 0x3F80;
  // 1 + 3 * 2^-8 lies halfway between 0x3F81 and 0x3F82: to 0x3F82; just above half rounds up.
  const std::vector<uint32_t> inputs = {0x3F808000, 0x3F818000, 0x3F808001, 0x3F807FFF};
  const std::vector<uint16_t> expected = {0x3F80, 0x3F82, 0x3F81, 0x3F80};
  std::vector<float> values;
  for (uint32_t bits : inputs) {
    float value;
    std::memcpy(&value, &bits, sizeof value);
    values.push_back(value);
  }
  write_safetensors(roundtrip_file(), {{"r", torch::tensor(values)}}, SafetensorsDtype::kBF16);
  const SafetensorsFile read = SafetensorsFile::open(roundtrip_file());
  EXPECT_EQ(std::string(read.bytes("r")), half_bytes(expected));
}

TEST_F(SafetensorsTest, WriterPadsTheHeaderAndLaysTensorsOutInNameOrder) {
  write_safetensors(roundtrip_file(),
                    {{"b", torch::ones({3})}, {"a", torch::zeros({1})}, {"c", torch::ones({2, 2})}},
                    SafetensorsDtype::kF16, {{"format", "pt"}, {"source", "evergreen"}});
  const std::string bytes = read_text(roundtrip_file());
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i)
    header_size = header_size << 8 | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(header_size % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + header_size + 2 * (1 + 3 + 4));
  const SafetensorsFile read = SafetensorsFile::open(roundtrip_file());
  EXPECT_EQ(read.info("a").begin, 0u);
  EXPECT_EQ(read.info("b").begin, 2u);
  EXPECT_EQ(read.info("c").begin, 8u);
  EXPECT_EQ(read.metadata().at("source"), "evergreen");
  // Aligned data: every tensor is a view.
  EXPECT_EQ(read.stored_tensor("c").data_ptr(), static_cast<const void*>(read.bytes("c").data()));
}

TEST_F(SafetensorsTest, WriterRefusesDuplicatesAndNonFloatTensors) {
  const std::string file = roundtrip_file();
  expect_error_mentions(input_error_of([&] {
                          write_safetensors(file, {{"w", torch::ones(2)}, {"w", torch::ones(2)}});
                        }),
                        {file, "tensor 'w'", "twice"});
  expect_error_mentions(input_error_of([&] {
                          write_safetensors(file, {{"ids", torch::arange(3)}});
                        }),
                        {file, "tensor 'ids'", "Long", "floating-point"});
  expect_error_mentions(input_error_of([&] {
                          write_safetensors(file, {{"u", torch::Tensor()}});
                        }),
                        {file, "tensor 'u'", "undefined"});
  expect_error_mentions(input_error_of([&] {
                          write_safetensors(file, {{"__metadata__", torch::ones(1)}});
                        }),
                        {file, "__metadata__"});
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
}

TEST_F(SafetensorsTest, WriterNamesAMissingDirectory) {
  const std::string file = directory_.file("no/such/dir/model.safetensors");
  expect_error_mentions(input_error_of([&] {
                          write_safetensors(file, {{"w", torch::ones(1)}});
                        }),
                        {file});
}

TEST_F(SafetensorsTest, UnsupportedDtypesAreListedButRefusedWhenRead) {
  const std::string header =
      padded(R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},)"
             R"("mask":{"dtype":"BOOL","shape":[3],"data_offsets":[24,27]},)"
             R"("wide":{"dtype":"F64","shape":[1],"data_offsets":[16,24]}})");
  const std::string file = file_with(header, std::string(27, '\x01'));
  const SafetensorsFile safetensors = SafetensorsFile::open(file);
  EXPECT_EQ(safetensors.names().size(), 3u);
  EXPECT_FALSE(safetensors.info("ids").supported_dtype.has_value());
  EXPECT_EQ(safetensors.bytes("mask"), std::string(3, '\x01'));
  for (const auto& [tensor_name, dtype] : std::vector<std::pair<std::string, std::string>>{
           {"ids", "I64"}, {"mask", "BOOL"}, {"wide", "F64"}}) {
    // A copy: C++17 lambdas cannot capture a structured binding (clang refuses it).
    const std::string name = tensor_name;
    const std::string message = input_error_of([&] { safetensors.tensor(name); });
    expect_error_mentions(message, {file});
    EXPECT_NE(message.find("dtype " + dtype + " of tensor '" + name +
                           "' is not supported (F32, F16, BF16 are)"),
              std::string::npos)
        << message;
  }
}

TEST_F(SafetensorsTest, RefusesFilesShorterThanTheirHeaderLength) {
  std::string file = write("short.safetensors", std::string("\x10\x00\x00", 3));
  expect_error_mentions(input_error_of([&] { SafetensorsFile::open(file); }),
                        {file, "3 bytes", "too short"});
  file = write("empty.safetensors", "");
  expect_error_mentions(input_error_of([&] { SafetensorsFile::open(file); }), {file, "0 bytes"});
  file = write("cut.safetensors", little_endian(100, 8) + "{}");
  expect_error_mentions(input_error_of([&] { SafetensorsFile::open(file); }),
                        {file, "header length 100", "past the end of the file (10 bytes)"});
  file = write("huge.safetensors", little_endian(200ull << 20, 8) + "{}");
  expect_error_mentions(input_error_of([&] { SafetensorsFile::open(file); }),
                        {file, "header length 209715200", "100 MiB"});
  file = write("wild.safetensors", little_endian(~0ull, 8) + "{}");
  expect_error_mentions(input_error_of([&] { SafetensorsFile::open(file); }), {file, "100 MiB"});
}

TEST_F(SafetensorsTest, RefusesAFileDeclaringMoreDataThanItHoldsBeforeReadingIt) {
  // 2^40 bytes declared, 8 held: refused when opened, so no read can follow the offsets out of
  // the file (past the mapping a read would fault).
  const std::string header =
      padded(R"({"w":{"dtype":"F32","shape":[274877906944],"data_offsets":[0,1099511627776]}})");
  const std::string message = open_error(header, float_bytes({1, 2}));
  EXPECT_NE(message.find(directory_.file("model.safetensors") +
                         ": tensor 'w': data_offsets [0, 1099511627776] overrun the data section "
                         "of 8 bytes"),
            std::string::npos)
      << message;
}

TEST_F(SafetensorsTest, RefusesDirectoriesAndMissingFiles) {
  expect_error_mentions(input_error_of([&] { SafetensorsFile::open(directory_.path()); }),
                        {directory_.path(), "directory"});
  const std::string missing = directory_.file("missing.safetensors");
  expect_error_mentions(input_error_of([&] { SafetensorsFile::open(missing); }), {missing});
}

struct MalformedCase {
  const char* label;
  std::string header;
  std::string data;
  std::vector<std::string> parts;  // besides the file's path
};

TEST_F(SafetensorsTest, EveryMalformedHeaderIsOneInputErrorNamingFileAndField) {
  const std::string f32x2 = R"("dtype":"F32","shape":[2])";
  const std::vector<MalformedCase> cases = {
      {"not JSON", R"({"w": {)", "", {"not valid JSON"}},
      {"invalid UTF-8", "{\"w\xff\": 1}", "", {"not valid JSON", "\\xff"}},
      {"not an object", R"([1, 2])", "", {"header is an array, expected a JSON object"}},
      {"duplicate",
       R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
       R"("w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})",
       "",
       {"tensor 'w' appears twice"}},
      {"entry not object", R"({"w": [1]})", "", {"tensor 'w'", "an array, expected an object"}},
      {"no dtype",
       R"({"w":{"shape":[2],"data_offsets":[0,8]}})",
       "",
       {"tensor 'w'", "'dtype' is missing"}},
      {"no shape",
       R"({"w":{"dtype":"F32","data_offsets":[0,8]}})",
       "",
       {"tensor 'w'", "'shape' is missing"}},
      {"no offsets",
       R"({"w":{"dtype":"F32","shape":[2]}})",
       "",
       {"tensor 'w'", "'data_offsets' is missing"}},
      {"dtype number",
       R"({"w":{"dtype":32,"shape":[2],"data_offsets":[0,8]}})",
       "",
       {"tensor 'w'", "field 'dtype' is an integer, expected a string"}},
      {"unknown dtype",
       R"({"w":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}})",
       "",
       {"tensor 'w'", "dtype 'F99' is not a safetensors dtype"}},
      {"shape string",
       R"({"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}})",
       "",
       {"tensor 'w'", "field 'shape' is a string, expected an array"}},
      {"negative dim",
       R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
       "",
       {"tensor 'w'", "field 'shape'", "-2", "negative", "expected a non-negative integer"}},
      {"fractional dim",
       R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})",
       "",
       {"tensor 'w'", "field 'shape'", "2.5"}},
      {"dim beyond int64",
       R"({"w":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,8]}})",
       "",
       {"tensor 'w'", "more than 2^63"}},
      {"product overflow",
       R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})",
       "",
       {"tensor 'w'", "shape [4294967296, 4294967296, 16]", "more than 2^63"}},
      {"overflow beside a zero",
       R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}})",
       "",
       {"tensor 'w'", "shape [4294967296, 4294967296, 0]", "more than 2^63"}},
      {"bytes overflow",
       R"({"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8]}})",
       "",
       {"tensor 'w'", "more than 2^63"}},
      {"offsets not array",
       R"({"w":{)" + f32x2 + R"(,"data_offsets":8}})",
       "",
       {"tensor 'w'", "field 'data_offsets' is an integer, expected an array [begin, end]"}},
      {"three offsets",
       R"({"w":{)" + f32x2 + R"(,"data_offsets":[0,4,8]}})",
       "",
       {"tensor 'w'", "field 'data_offsets' is an array of 3"}},
      {"negative offset",
       R"({"w":{)" + f32x2 + R"(,"data_offsets":[-8,0]}})",
       "",
       {"tensor 'w'", "field 'data_offsets'", "-8", "non-negative integer"}},
      {"reversed",
       R"({"w":{)" + f32x2 + R"(,"data_offsets":[8,0]}})",
       float_bytes({1, 2}),
       {"tensor 'w'", "data_offsets [8, 0] end before they begin"}},
      {"overrun",
       R"({"w":{)" + f32x2 + R"(,"data_offsets":[0,8]}})",
       float_bytes({1}),
       {"tensor 'w': data_offsets [0, 8] overrun the data section of 4 bytes"}},
      {"extent",
       R"({"w":{)" + f32x2 + R"(,"data_offsets":[0,4]}})",
       float_bytes({1}),
       {"tensor 'w'", "data_offsets [0, 4] hold 4 bytes, shape [2] of F32 needs 8"}},
      {"overlap",
       R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,8]},"b":{)" + f32x2 +
           R"(,"data_offsets":[4,12]}})",
       float_bytes({1, 2, 3}),
       {"tensor 'b': data_offsets [4, 12] overlap tensor 'a' at [0, 8]"}},
      {"hole",
       R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,8]},"b":{)" + f32x2 +
           R"(,"data_offsets":[12,20]}})",
       float_bytes({1, 2, 3, 4, 5}),
       {"tensor 'b'", "leave bytes [8, 12)", "no holes"}},
      {"trailing bytes",
       R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,8]}})",
       float_bytes({1, 2, 3}),
       {"the data section holds 12 bytes but its tensors end at byte 8"}},
      {"metadata not object", R"({"__metadata__":[1]})", "", {"__metadata__ is an array"}},
      {"metadata value",
       R"({"__metadata__":{"format":1}})",
       "",
       {"__metadata__ entry 'format' is an integer, expected a string"}},
      {"control bytes in name",
       "{\"w\\r\\n\":{\"dtype\":\"F99\",\"shape\":[],\"data_offsets\":[0,0]}}",
       "",
       {"tensor 'w\\r\\n'"}},
  };
  for (const MalformedCase& test : cases) {
    SCOPED_TRACE(test.label);
    const std::string message = open_error(test.header, test.data);
    ASSERT_NE(message, "no error");
    std::vector<std::string> parts = test.parts;
    parts.push_back(directory_.file("model.safetensors") + ": ");
    expect_error_mentions(message, parts);
    for (const char c : message) EXPECT_LT(static_cast<unsigned char>(c), 0x80) << message;
  }
}

TEST_F(SafetensorsTest, CopyIntoConvertsOnceAndChecksTheShape) {
  write_safetensors(roundtrip_file(), {{"w", torch::tensor({{1.0f, -0.5f}, {2.0f, 3.0f}})}},
                    SafetensorsDtype::kBF16);
  const SafetensorsFile read = SafetensorsFile::open(roundtrip_file());
  torch::Tensor parameter = torch::zeros({2, 2}, torch::requires_grad());
  read.copy_into("w", parameter);
  EXPECT_TRUE(torch::equal(parameter.detach(), torch::tensor({{1.0f, -0.5f}, {2.0f, 3.0f}})));
  torch::Tensor wrong = torch::zeros({4});
  expect_error_mentions(input_error_of([&] { read.copy_into("w", wrong); }),
                        {roundtrip_file(), "tensor 'w'", "expected shape [4], found [2, 2]"});
}

TEST_F(SafetensorsTest, DifferenceNamesTheFirstDifferingTensorAndElement) {
  const std::string a = directory_.file("a.safetensors"), b = directory_.file("b.safetensors");
  torch::Tensor values = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f});
  write_safetensors(a, {{"x", values}, {"y", torch::ones({2})}});
  write_safetensors(b, {{"y", torch::ones({2})}, {"x", values.clone()}}, SafetensorsDtype::kF32,
                    {{"format", "pt"}, {"other", "metadata"}});
  EXPECT_EQ(safetensors_difference(a, b), std::nullopt);

  torch::Tensor changed = values.clone();
  changed[2] = std::nextafter(3.0f, 4.0f);
  write_safetensors(b, {{"x", changed}, {"y", torch::ones({2})}});
  std::optional<std::string> difference = safetensors_difference(a, b);
  ASSERT_TRUE(difference.has_value());
  expect_error_mentions(*difference,
                        {"tensor 'x'", "element 2", "0x40400000 (3)", "0x40400001", a, b});

  write_safetensors(b, {{"x", values}});
  expect_error_mentions(safetensors_difference(a, b).value_or(""),
                        {"tensor 'y' is in " + a + " but not in " + b});
  write_safetensors(b, {{"x", values}, {"y", torch::ones({2})}}, SafetensorsDtype::kF16);
  expect_error_mentions(safetensors_difference(a, b).value_or(""),
                        {"tensor 'x'", "dtype F32", "F16"});
  write_safetensors(b, {{"x", values.view({2, 2})}, {"y", torch::ones({2})}});
  expect_error_mentions(safetensors_difference(a, b).value_or(""),
                        {"tensor 'x'", "shape [4]", "[2, 2]"});
}

TEST(SafetensorsDtype, NamesAndParsing) {
  EXPECT_STREQ(safetensors_dtype_name(SafetensorsDtype::kBF16), "BF16");
  EXPECT_EQ(safetensors_dtype_size(SafetensorsDtype::kF32), 4);
  EXPECT_EQ(safetensors_dtype_size(SafetensorsDtype::kF16), 2);
  EXPECT_EQ(parse_safetensors_dtype("bf16", "--dtype"), SafetensorsDtype::kBF16);
  EXPECT_EQ(parse_safetensors_dtype("F16", "--dtype"), SafetensorsDtype::kF16);
  EXPECT_EQ(parse_safetensors_dtype("float32", "--dtype"), SafetensorsDtype::kF32);
  expect_error_mentions(input_error_of([] { parse_safetensors_dtype("int8", "--dtype"); }),
                        {"--dtype", "'int8'", "F32, F16 or BF16"});
  EXPECT_EQ(format_shape(std::vector<int64_t>{2, 3}), "[2, 3]");
  EXPECT_EQ(format_shape(std::vector<int64_t>{}), "[]");
}

}  // namespace
}  // namespace evergreen::lm
