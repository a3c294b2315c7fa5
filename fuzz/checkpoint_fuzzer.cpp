// The checkpoint loader (run/checkpoint.h): a LibTorch archive read from memory, the run
// identity, the trainer's state (model, optimiser, an experience-replay memory, generator), the
// run record and the green meter's state, as `evergreen run --resume` reads checkpoint.pt.
//
// Input: one byte (odd: check the identity against this run's, as --resume does; even: don't),
// then the checkpoint's bytes. Seeds are real checkpoints of a tiny run, written by this program
// when EVERGREEN_FUZZ_WRITE_SEEDS names a directory (scripts/fuzz.sh does so before fuzzing), so
// they always match the current checkpoint layout.
#include <sanitizer/lsan_interface.h>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "evergreen/data/experience.h"
#include "evergreen/data/io/little_endian.h"
#include "evergreen/data/io/zip_archive.h"
#include "evergreen/green/green_meter.h"
#include "evergreen/models/forecast/mlp_forecaster.h"
#include "evergreen/run/checkpoint.h"
#include "evergreen/run/trainer.h"
#include "evergreen/strategies/experience_replay.h"
#include "fuzz_support.h"

namespace evergreen::fuzz {
namespace {

constexpr const char* kConfig =
    "experiment: fuzz\nseed: 0\nthreads: 1\nmodel: {name: mlp}\nstrategies: [{name: er}]\n"
    "train: {epochs: 1, batch_size: 8}\n";

// Two experiences of 16 windows (length 6, horizon 2), the same on every run.
Stream tiny_stream() {
  Stream stream;
  stream.name = "fuzz";
  auto generator = at::make_generator<at::CPUGeneratorImpl>(7);
  for (int64_t i = 0; i < 2; ++i) {
    auto make = [&](int64_t rows) {
      auto x = torch::randn({rows, 6}, generator);
      return Batch{{"x", x}, {"y", x.narrow(1, 0, 2) * static_cast<double>(i + 1)}};
    };
    Experience experience;
    experience.id = i + 1;
    experience.name = "experience " + std::to_string(i + 1);
    experience.train = make(16);
    experience.test = make(8);
    stream.experiences.push_back(experience);
  }
  return stream;
}

const Stream& stream() {
  static const Stream instance = tiny_stream();
  return instance;
}

const RunIdentity& identity() {
  static const RunIdentity instance =
      make_run_identity(YAML::Load(kConfig), stream(), stream_data_digest(stream()));
  return instance;
}

// What a run holds while it reads a checkpoint: a fresh one per input.
struct Run {
  MlpForecaster model{MlpForecasterOptions(6, 2).hidden_size(8).layers(1)};
  ExperienceReplayStrategy strategy{
      ExperienceReplayOptions().memory(ReplayMemoryOptions().capacity(10))};
  Trainer trainer{*model, strategy, TrainOptions().epochs(1).batch_size(8), 0};
  RunRecord record;
  GreenMeter meter{GreenOptions(), fuzz_directory() + "/no-rapl"};
};

// Checkpoints after one and after both experiences, each with and without the identity check.
void write_seeds(const std::string& directory) {
  Run run;
  run.record.initial = {1.0, 2.0};
  for (int64_t i = 0; i < 2; ++i) {
    {
      auto scope = run.meter.measure("train");
      run.trainer.train(stream().experiences[i]);
    }
    run.record.matrix.push_back({0.5 + static_cast<double>(i), 1.5});
    run.record.evaluations.push_back({{"after_experience", i + 1}});
    const std::string bytes = checkpoint_bytes(identity(), run.trainer, run.record, run.meter);
    for (const char check : {'\0', '\1'}) {
      const std::string path =
          directory + "/after-" + std::to_string(i + 1) + (check ? "-checked" : "") + ".ckpt";
      std::FILE* out = std::fopen(path.c_str(), "wb");
      if (out == nullptr || std::fputc(check, out) == EOF ||
          std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size() ||
          std::fclose(out) != 0) {
        std::perror(("checkpoint_fuzzer: cannot write " + path).c_str());
        std::exit(1);
      }
    }
  }
}

// How a pickle opcode's argument is laid out (protocols 2 to 5, as Python's pickletools lists
// them): `fixed` bytes, or a little-endian length of `length_bytes` and that many bytes, or
// `lines` newline-terminated lines. `known` is false for an opcode LibTorch refuses anyway.
struct PickleArgument {
  size_t fixed = 0;
  size_t length_bytes = 0;
  int lines = 0;
  bool known = true;
};

PickleArgument pickle_argument(unsigned char opcode) {
  auto one_of = [&](std::string_view opcodes) {
    return opcode != 0 && opcodes.find(static_cast<char>(opcode)) != std::string_view::npos;
  };
  if (one_of("Kqh\x80\x82")) return {1, 0, 0};
  if (one_of("M\x83")) return {2, 0, 0};
  if (one_of("Jrj\x84")) return {4, 0, 0};
  if (one_of("G\x95")) return {8, 0, 0};
  if (one_of("UC\x8c\x8a")) return {0, 1, 0};    // short strings and bytes, LONG1
  if (one_of("TXB\x8b")) return {0, 4, 0};       // strings and bytes, LONG4
  if (one_of("\x8d\x8e\x96")) return {0, 8, 0};  // 8-byte lengths
  if (one_of("ILFSVPpg")) return {0, 0, 1};
  if (one_of("ci")) return {0, 0, 2};  // GLOBAL, INST: module and name
  if (one_of("()}]tueasRb012NQldo\x81\x85\x86\x87\x88\x89\x8f\x90\x91\x92\x93\x94"))
    return {0, 0, 0};
  return {0, 0, 0, false};
}

// True when the opcodes of `pickle` hold a length-prefixed argument (string, bytes, long) longer
// than what follows it, or store into a memo slot (LONG_BINPUT) beyond any the pickle could fill:
// LibTorch grows its memo table to the slot, 16 bytes an entry (a 4-byte slot number reaches
// 64 GiB). The walk ends at STOP or an opcode it does not know.
bool pickle_declares_more_than_it_holds(std::string_view pickle) {
  size_t at = 0;
  while (at < pickle.size()) {
    const auto opcode = static_cast<unsigned char>(pickle[at++]);
    const PickleArgument argument = pickle_argument(opcode);
    if (opcode == '.' || !argument.known) return false;
    const size_t left = pickle.size() - at;
    if (argument.length_bytes > 0) {
      if (argument.length_bytes > left) return false;
      const uint64_t length = read_little_endian(pickle, at, argument.length_bytes);
      at += argument.length_bytes;
      if (length > pickle.size() - at) return true;
      at += length;
    } else if (argument.lines > 0) {
      for (int line = 0; line < argument.lines; ++line) {
        const size_t end = pickle.find('\n', at);
        if (end == std::string_view::npos) return false;
        at = end + 1;
      }
    } else {
      if (argument.fixed > left) return false;
      if (opcode == 'r' && read_little_endian(pickle, at, 4) > pickle.size()) return true;
      at += argument.fixed;
    }
  }
  return false;
}

// True when the archive in `bytes` declares more than it can hold: an entry larger than deflate
// could expand the whole input to, or a pickle (a stored entry named *.pkl, read as LibTorch
// reads it: without checking its CRC) with an argument longer than the pickle. LibTorch 1.13
// allocates such sizes before it finds the data missing (getRecord the entry's size, the
// unpickler each length, zero-filled: an 11 KB checkpoint declaring 1 GiB made it touch 1.5 GB
// in 6 s; 32-bit lengths reach 4 GiB). That is LibTorch's to bound, not evergreen's, and it
// would end every fuzzing run as out-of-memory, so such inputs are left out.
bool archive_declares_more_than_it_holds(std::string_view bytes) {
  bool oversized = false;
  expect_only_input_errors([&] {
    ZipArchive zip(write_fuzz_file("checkpoint.pt", bytes));
    for (const ZipEntry& entry : zip.entries()) {
      // PyTorchStreamReader::getRecord allocates the size the central directory declares, too;
      // deflate cannot expand more than 1032 times.
      if (entry.size / 1032 > bytes.size()) {
        oversized = true;
        return;
      }
      const std::string suffix = ".pkl";
      if (entry.method != 0 || entry.name.size() < suffix.size() ||
          entry.name.compare(entry.name.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      const uint64_t header = entry.local_header_offset;
      if (header > bytes.size() || bytes.size() - header < 30) continue;
      const uint64_t start = header + 30 + read_little_endian(bytes, header + 26, 2) +
                             read_little_endian(bytes, header + 28, 2);
      if (start > bytes.size() || entry.size > bytes.size() - start) continue;
      oversized = oversized || pickle_declares_more_than_it_holds(bytes.substr(start, entry.size));
    }
  });
  return oversized;
}

// True when LibTorch's archive reader takes `bytes` (whatever evergreen then makes of them).
bool libtorch_accepts_archive(std::string_view bytes) {
  __lsan::ScopedDisabler leaks_of_a_refused_archive_are_libtorchs;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size());
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace
}  // namespace evergreen::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  if (const char* directory = std::getenv("EVERGREEN_FUZZ_WRITE_SEEDS")) {
    evergreen::fuzz::write_seeds(directory);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  fuzz::FuzzInput input(data, size);
  const bool check_identity = (input.byte() & 1) != 0;
  const std::string_view bytes = input.rest();
  fuzz::Run run;
  auto read = [&] {
    fuzz::expect_only_input_errors([&] {
      read_checkpoint(bytes.data(), bytes.size(), "checkpoint.pt",
                      check_identity ? &fuzz::identity() : nullptr, run.trainer, run.record,
                      run.meter);
    });
  };
  // Archives whose entries fail their checksums are refused by evergreen before LibTorch reads
  // them (verify_checkpoint_archive): read them through it, and nothing else.
  bool verified = true;
  try {
    verify_checkpoint_archive(bytes.data(), bytes.size());
  } catch (const InputError&) {
    verified = false;
  }
  if (!verified) {
    read();
    return 0;
  }
  if (fuzz::archive_declares_more_than_it_holds(bytes)) return 0;
  // LibTorch 1.13 leaks its ZIP reader's state (mz_zip_reader_init, in PyTorchStreamReader's
  // constructor, which throws and so never runs the destructor) for an archive it refuses. Its
  // frames have no frame pointers, so a suppression cannot name them; instead leaks are not
  // tracked while an archive LibTorch refuses is read. Every archive it accepts is read with
  // leak detection on: evergreen's own reading starts there.
  if (!fuzz::libtorch_accepts_archive(bytes)) {
    __lsan::ScopedDisabler leaks_of_a_refused_archive_are_libtorchs;
    read();
    return 0;
  }
  read();
  return 0;
}
