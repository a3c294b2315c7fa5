#include "evergreen/run/checkpoint.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/data/io/little_endian.h"
#include "evergreen/data/io/zip_archive.h"
#include "evergreen/green/green_meter.h"
#include "evergreen/run/trainer.h"
#include "evergreen/strategies/naive.h"
#include "strategies/strategy_test_support.h"
#include "test_support.h"

namespace evergreen {
namespace {

const char* kConfig =
    "experiment: small\nseed: 0\nthreads: 1\nmodel: {name: mlp}\nstrategies: [{name: naive}]\n"
    "train: {epochs: 1, learning_rate: 0.001}\n";

/// A trainer with everything a checkpoint holds, on the tiny forecasting stream.
struct TrainedRun {
  Stream stream = testing::tiny_forecasting_stream(3, 16);
  MlpForecaster model = testing::tiny_mlp();
  NaiveStrategy strategy;
  Trainer trainer{*model, strategy, TrainOptions().epochs(1).batch_size(8), 0};
  RunRecord record;
  GreenMeter meter;
  RunIdentity identity = make_run_identity(YAML::Load(kConfig), stream, stream_data_digest(stream));

  /// Trains `experiences` experiences, recording results as a run does.
  void train(int64_t experiences) {
    record.initial = {1.0, 2.0, 3.0};
    for (int64_t i = 0; i < experiences; ++i) {
      auto scope = meter.measure("train");
      trainer.train(stream.experiences[i]);
      record.matrix.push_back({0.5 + i, 1.5, 2.5});
      record.evaluations.push_back({{"after_experience", i + 1}});
    }
  }
  std::string bytes() const { return checkpoint_bytes(identity, trainer, record, meter); }
};

/// The message of the InputError the bytes' restore throws; fails the test on any other error.
std::string restore_error(const std::string& bytes, const RunIdentity* expected = nullptr) {
  TrainedRun fresh;
  try {
    read_checkpoint(bytes.data(), bytes.size(), "ckpt", expected, fresh.trainer, fresh.record,
                    fresh.meter);
  } catch (const InputError& error) {
    return error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "not an InputError: " << error.what();
    return "other error";
  }
  return "no error";
}

TEST(Checkpoint, RestoresFromBytesBitForBit) {
  TrainedRun saved;
  saved.train(2);
  TrainedRun restored;
  std::string bytes = saved.bytes();
  read_checkpoint(bytes.data(), bytes.size(), "ckpt", &saved.identity, restored.trainer,
                  restored.record, restored.meter);
  EXPECT_EQ(restored.trainer.experiences_trained(), 2);
  EXPECT_TRUE(
      torch::equal(restored.trainer.parameters().values(), saved.trainer.parameters().values()));
  EXPECT_EQ(restored.record.to_json().dump(), saved.record.to_json().dump());
  EXPECT_EQ(restored.meter.state()["phases"].dump(), saved.meter.state()["phases"].dump());
  // Both continue alike.
  saved.trainer.train(saved.stream.experiences[2]);
  restored.trainer.train(restored.stream.experiences[2]);
  EXPECT_TRUE(
      torch::equal(restored.trainer.parameters().values(), saved.trainer.parameters().values()));
}

TEST(Checkpoint, AFullDiskKeepsThePreviousCheckpointByteForByte) {
  testing::TemporaryDirectory directory;
  const std::string file = directory.file("checkpoint.pt");
  TrainedRun run;
  run.train(1);
  write_checkpoint(file, run.identity, run.trainer, run.record, run.meter);
  const std::string previous = testing::read_text(file);
  run.train(1);
  for (int64_t operation : {1, 2, 3, 4, 5}) {
    inject_file_write_fault(operation, ENOSPC);
    try {
      write_checkpoint(file, run.identity, run.trainer, run.record, run.meter);
      ADD_FAILURE() << "the write succeeded";
    } catch (const EnvironmentError& error) {
      EXPECT_EQ(std::string(error.what()), file + ": cannot write: No space left on device");
    }
    inject_file_write_fault(0, 0);
    EXPECT_EQ(testing::read_text(file), previous);
    EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
  }
  TrainedRun restored;
  read_checkpoint(file, &run.identity, restored.trainer, restored.record, restored.meter);
  EXPECT_EQ(restored.trainer.experiences_trained(), 1);
}

TEST(Checkpoint, ACheckpointOfAnotherRunIsRefusedNamingTheDifference) {
  TrainedRun saved;
  saved.train(1);
  RunIdentity other =
      make_run_identity(YAML::Load(std::string(kConfig).replace(
                            std::string(kConfig).find("{name: naive}"), 13, "{name: er}")),
                        saved.stream, saved.identity.data_digest);
  EXPECT_EQ(restore_error(saved.bytes(), &other),
            "ckpt: written by strategy 'naive', this run is 'er'");
  EXPECT_EQ(restore_error(saved.bytes(), &saved.identity), "no error");
}

TEST(Checkpoint, ACheckpointWithoutAnIdentityIsRefused) {
  TrainedRun saved;
  saved.train(1);
  torch::serialize::OutputArchive archive;
  saved.trainer.save(archive);
  archive.write("run_record", c10::IValue(saved.record.to_json().dump()));
  archive.write("green_state", c10::IValue(saved.meter.state().dump()));
  std::string bytes;
  archive.save_to([&](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  EXPECT_EQ(restore_error(bytes),
            "ckpt: written without a run identity (by an older evergreen?): "
            "start the run afresh in a new --out");
}

TEST(Checkpoint, ARecordThatDoesNotFitTheStreamIsRefused) {
  TrainedRun saved;
  saved.train(2);
  saved.record.matrix.pop_back();
  EXPECT_EQ(restore_error(saved.bytes()),
            "ckpt: damaged run record: 1 rows of results after 2 experiences trained");
  TrainedRun short_initial;
  short_initial.train(1);
  short_initial.record.initial.pop_back();
  EXPECT_EQ(restore_error(short_initial.bytes()),
            "ckpt: damaged run record: 2 initial evaluations for 3 experiences");
}

// What the fuzz target does at scale: damaged bytes only ever give InputError.
TEST(Checkpoint, TruncatedOrDamagedBytesAreOnlyEverBadInput) {
  TrainedRun saved;
  saved.train(1);
  const std::string bytes = saved.bytes();
  EXPECT_NE(restore_error("").find("ckpt: not an evergreen checkpoint"), std::string::npos);
  EXPECT_NE(restore_error("PK\x03\x04 not really a zip").find("ckpt: "), std::string::npos);
  for (size_t length = 0; length < bytes.size(); length += bytes.size() / 37 + 1)
    EXPECT_NE(restore_error(bytes.substr(0, length)), "no error") << length;
  for (size_t at = 0; at < bytes.size(); at += bytes.size() / 53 + 1) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    restore_error(damaged);  // may load (a changed weight), must not throw anything else
  }
}

// LibTorch reads entries without their checksums, and some damaged TorchScript source in an
// archive crashes it: every entry is checked before LibTorch sees the bytes.
TEST(Checkpoint, AChangedByteInAnyEntryIsRefusedByItsChecksumBeforeLibTorchReadsIt) {
  TrainedRun saved;
  saved.train(1);
  const std::string bytes = saved.bytes();
  EXPECT_NO_THROW(verify_checkpoint_archive(bytes.data(), bytes.size()));
  ZipArchive zip("ckpt", bytes, "an evergreen checkpoint");
  int checked = 0;
  for (const ZipEntry& entry : zip.entries()) {
    if (entry.size == 0) continue;
    const uint64_t header = entry.local_header_offset;
    const uint64_t data = header + 30 + read_little_endian(bytes, header + 26, 2) +
                          read_little_endian(bytes, header + 28, 2);
    // The middle of the entry's bytes as stored (deflated or not).
    const uint64_t at = data + entry.compressed_size / 2;
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
    const std::string error = restore_error(damaged);
    EXPECT_NE(error.find("ckpt: not an evergreen checkpoint, or a damaged one"), std::string::npos)
        << entry.name << ": " << error;
    // A stored entry fails its CRC-32; a deflated one its CRC-32 or, first, inflation.
    EXPECT_NE(error.find("entry '" + entry.name + "'"), std::string::npos) << error;
    EXPECT_TRUE(error.find("CRC-32") != std::string::npos ||
                error.find("deflated data") != std::string::npos)
        << error;
    ++checked;
  }
  EXPECT_GE(checked, 4);  // the pickle, TorchScript source and tensor data are all covered
}

TEST(Checkpoint, AMissingFileOrADirectoryIsBadInput) {
  testing::TemporaryDirectory directory;
  TrainedRun run;
  std::string message = testing::input_error_of([&] {
    read_checkpoint(directory.file("none.pt"), nullptr, run.trainer, run.record, run.meter);
  });
  EXPECT_NE(message.find("none.pt: cannot read the checkpoint: No such file or directory"),
            std::string::npos)
      << message;
  message = testing::input_error_of(
      [&] { read_checkpoint(directory.path(), nullptr, run.trainer, run.record, run.meter); });
  EXPECT_NE(message.find("cannot read the checkpoint: Is a directory"), std::string::npos)
      << message;
  message = testing::input_error_of([&] { read_checkpoint_identity(directory.file("none.pt")); });
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
}

}  // namespace
}  // namespace evergreen
