// The safetensors reader (models/lm/safetensors.h) on arbitrary bytes, as a file (it maps its
// input): the header length, the JSON header, every entry's dtype, shape and offsets, the layout
// of the data section; then every tensor read and summed, so that an offset the validation let
// through outside the mapping faults here.
//
// Input: the .safetensors bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evergreen/models/lm/safetensors.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  const std::string file = fuzz::write_fuzz_file(
      "fuzz.safetensors", std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::expect_only_input_errors([&] {
    const lm::SafetensorsFile safetensors = lm::SafetensorsFile::open(file);
    for (const std::string& name : safetensors.names()) {
      const lm::SafetensorsTensorInfo& info = safetensors.info(name);
      volatile char last = 0;
      if (info.byte_size() > 0) last = safetensors.bytes(name).back();
      (void)last;
      if (!info.supported_dtype) continue;
      torch::Tensor values = safetensors.tensor(name);
      if (values.numel() != info.numel()) std::abort();
      (void)values.sum().item<double>();
    }
    if (lm::safetensors_difference(file, file)) std::abort();  // a file equals itself
  });
  return 0;
}
