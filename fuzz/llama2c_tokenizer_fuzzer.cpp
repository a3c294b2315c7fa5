// The llama2.c tokenizer reader (data/text/llama2c_tokenizer.h) on arbitrary files, then encoding
// and decoding a short text with whatever vocabulary it accepted.
//
// Input: an option byte (the vocabulary size: 0 reads tokens until the end of the file, else
// 4 to 514), a byte whose value modulo 64 is the length of the text, the text, then the file's
// contents.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "evergreen/data/text/llama2c_tokenizer.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  fuzz::FuzzInput input(data, size);
  const uint8_t size_choice = input.byte();
  const int64_t vocab_size = size_choice == 0 ? 0 : 2 + 2 * int64_t{size_choice};
  const size_t text_size = std::min<size_t>(input.byte() % 64, input.rest().size());
  const std::string text(input.rest().substr(0, text_size));
  const std::string_view file = input.rest().substr(text_size);
  fuzz::expect_only_input_errors([&] {
    const text::Llama2cTokenizer tokenizer =
        text::Llama2cTokenizer::from_bytes(file, "tokenizer.bin", vocab_size);
    const std::vector<int64_t> ids = tokenizer.encode(text, /*add_bos=*/true);
    const std::string decoded = tokenizer.decode(ids);
    tokenizer.decode_piece(ids.back(), tokenizer.vocab_size() - 1);
    // With a token for every byte and a " " piece (the dummy prefix), decoding gives the text
    // back whatever the pieces are.
    bool complete = tokenizer.piece_id(" ") >= 0;
    for (int value = 0; value < 256; ++value)
      complete = complete && tokenizer.byte_id(static_cast<uint8_t>(value)) >= 0;
    if (complete && decoded != text) {
      std::fprintf(stderr, "llama2c_tokenizer_fuzzer: decode(encode(text)) != text\n");
      std::abort();
    }
  });
  return 0;
}
