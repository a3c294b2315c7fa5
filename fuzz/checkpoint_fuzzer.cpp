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
