#include "evergreen/run/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/io/zip_archive.h"
#include "evergreen/green/green_meter.h"
#include "evergreen/run/trainer.h"

namespace evergreen {
namespace {

constexpr const char* kIdentityKey = "run_identity";
constexpr const char* kRecordKey = "run_record";
constexpr const char* kGreenKey = "green_state";

/// The bytes of `file`, read with checked POSIX calls.
std::string read_bytes(const std::string& file) {
  int fd;
  do {
    fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw_file_error(file, "read the checkpoint", errno);
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    int error = errno;
    ::close(fd);
    throw_file_error(file, "read the checkpoint", error);
  }
  if (S_ISDIR(status.st_mode)) {
    ::close(fd);
    throw_file_error(file, "read the checkpoint", EISDIR);
  }
  try {
    check_allocation(static_cast<double>(status.st_size), file + ": reading the checkpoint");
  } catch (...) {
    ::close(fd);
    throw;
  }
  std::string bytes;
  bytes.reserve(static_cast<size_t>(status.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t count = ::read(fd, buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      int error = errno;
      ::close(fd);
      throw_file_error(file, "read the checkpoint", error);
    }
    if (count == 0) break;
    bytes.append(buffer, static_cast<size_t>(count));
  }
  ::close(fd);
  return bytes;
}

/// The JSON text stored under `key`; InputError naming what is missing.
nlohmann::json read_json(torch::serialize::InputArchive& archive, const char* key,
                         const char* what) {
  c10::IValue value;
  EVERGREEN_CHECK_INPUT(archive.try_read(key, value) && value.isString(), "no {} in the checkpoint",
                        what);
  return nlohmann::json::parse(value.toStringRef());
}

RunIdentity read_identity(torch::serialize::InputArchive& archive) {
  c10::IValue value;
  EVERGREEN_CHECK_INPUT(archive.try_read(kIdentityKey, value) && value.isString(),
                        "written without a run identity (by an older evergreen?): start the run "
                        "afresh in a new --out");
  return RunIdentity::from_json(nlohmann::json::parse(value.toStringRef()));
}

/// The record must fit the stream the identity names, or later steps would index past it.
void check_record(const RunRecord& record, int64_t trained, int64_t experiences) {
  EVERGREEN_CHECK_INPUT(trained >= 0 && trained <= experiences,
                        "damaged checkpoint: {} experiences trained of {}", trained, experiences);
  EVERGREEN_CHECK_INPUT(static_cast<int64_t>(record.initial.size()) == experiences,
                        "damaged run record: {} initial evaluations for {} experiences",
                        record.initial.size(), experiences);
  EVERGREEN_CHECK_INPUT(static_cast<int64_t>(record.matrix.size()) == trained,
                        "damaged run record: {} rows of results after {} experiences trained",
                        record.matrix.size(), trained);
  for (const auto& row : record.matrix)
    EVERGREEN_CHECK_INPUT(static_cast<int64_t>(row.size()) == experiences,
                          "damaged run record: a row of {} results for {} experiences", row.size(),
                          experiences);
  EVERGREEN_CHECK_INPUT(record.evaluations.is_array(),
                        "damaged run record: the evaluations are not a list");
}

/// Loads the archive in `data`, checks its identity against `expected`, restores the state.
/// Errors are thrown without the name; the caller adds it.
void restore(const char* data, size_t size, const RunIdentity* expected, Trainer& trainer,
             RunRecord& record, GreenMeter& meter) {
  try {
    verify_checkpoint_archive(data, size);
  } catch (const InputError& error) {
    throw InputError(fmt::format("not an evergreen checkpoint, or a damaged one ({})",
                                 quote(error.what(), 160)));
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(data, size);
  } catch (const c10::Error& error) {
    throw InputError(fmt::format("not an evergreen checkpoint ({})",
                                 quote(error.what_without_backtrace(), 160)));
  }
  RunIdentity identity = read_identity(archive);
  if (expected) {
    std::string difference = run_identity_difference(identity, *expected);
    EVERGREEN_CHECK_INPUT(difference.empty(), "{}", difference);
  }
  trainer.load(archive);
  record = RunRecord::from_json(read_json(archive, kRecordKey, "run record"));
  meter.restore(read_json(archive, kGreenKey, "green meter state"));
  check_record(record, trainer.experiences_trained(), identity.experiences);
}

}  // namespace

void verify_checkpoint_archive(const char* data, size_t size) {
  ZipArchive zip("archive", std::string(data, size), "an evergreen checkpoint");
  for (const ZipEntry& entry : zip.entries()) zip.extract(entry);  // CRC-32 checked
}

nlohmann::json RunRecord::to_json() const {
  return {{"initial", initial}, {"matrix", matrix}, {"evaluations", evaluations}};
}

RunRecord RunRecord::from_json(const nlohmann::json& json) {
  RunRecord record;
  record.initial = json.at("initial").get<std::vector<double>>();
  record.matrix = json.at("matrix").get<MetricMatrix>();
  record.evaluations = json.at("evaluations");
  return record;
}

std::string checkpoint_bytes(const RunIdentity& identity, const Trainer& trainer,
                             const RunRecord& record, const GreenMeter& meter) {
  torch::serialize::OutputArchive archive;
  trainer.save(archive);
  archive.write(kRecordKey, c10::IValue(record.to_json().dump()));
  archive.write(kGreenKey, c10::IValue(meter.state().dump()));
  archive.write(kIdentityKey, c10::IValue(identity.to_json().dump()));
  // Into memory: the archive's own file writer throws from its destructor when the disk fills,
  // which aborts the process; our writer reports the OS's error instead.
  std::string bytes;
  archive.save_to([&bytes](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  return bytes;
}

void write_checkpoint(const std::string& file, const RunIdentity& identity, const Trainer& trainer,
                      const RunRecord& record, const GreenMeter& meter) {
  write_file_atomically(file, checkpoint_bytes(identity, trainer, record, meter));
}

RunIdentity read_checkpoint_identity(const std::string& file) {
  std::string bytes = read_bytes(file);
  try {
    verify_checkpoint_archive(bytes.data(), bytes.size());
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size());
    return read_identity(archive);
  } catch (const InputError& error) {
    throw InputError(fmt::format("{}: {}", file, error.what()));
  } catch (const std::exception& error) {
    throw InputError(
        fmt::format("{}: not an evergreen checkpoint ({})", file, quote(error.what(), 160)));
  }
}

void read_checkpoint(const std::string& file, const RunIdentity* expected, Trainer& trainer,
                     RunRecord& record, GreenMeter& meter) {
  std::string bytes = read_bytes(file);
  read_checkpoint(bytes.data(), bytes.size(), file, expected, trainer, record, meter);
}

void read_checkpoint(const char* data, size_t size, const std::string& name,
                     const RunIdentity* expected, Trainer& trainer, RunRecord& record,
                     GreenMeter& meter) {
  // Whatever a damaged or foreign file makes the loaders throw is bad input, reported against
  // the file: LibTorch's c10::Error, a JSON parser's, a strategy's own checks.
  try {
    restore(data, size, expected, trainer, record, meter);
  } catch (const InputError& error) {
    throw InputError(fmt::format("{}: {}", name, error.what()));
  } catch (const c10::Error& error) {
    // The identity matched, so the archive was meant for this model: its contents are damaged.
    throw InputError(fmt::format("{}: damaged checkpoint ({})", name,
                                 quote(error.what_without_backtrace(), 160)));
  } catch (const nlohmann::json::exception& error) {
    throw InputError(fmt::format("{}: damaged run record ({})", name, quote(error.what(), 160)));
  } catch (const std::exception& error) {
    throw InputError(fmt::format("{}: damaged checkpoint ({})", name, quote(error.what(), 160)));
  }
}

}  // namespace evergreen
