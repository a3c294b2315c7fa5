#include "evergreen/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

// The fault hook: the countdown of checked calls before the armed one, and its errno.
std::atomic<int64_t> fault_countdown{0};
std::atomic<int> fault_error{0};

/// True (with errno set) when the fault hook says this call fails.
bool injected_fault() {
  if (fault_countdown.load() <= 0) return false;
  if (fault_countdown.fetch_sub(1) != 1) return false;
  errno = fault_error.load();
  return true;
}

/// Runs one file system call through the fault hook, retrying on EINTR; returns its result
/// (-1 with errno on failure).
template <typename Call>
auto checked_call(Call&& call) -> decltype(call()) {
  if (injected_fault()) return -1;
  decltype(call()) result;
  do {
    result = call();
  } while (result == -1 && errno == EINTR);
  return result;
}

/// close(2) through the fault hook; never retried (Linux frees the descriptor even on EINTR).
int checked_close(int fd) {
  bool fault = injected_fault();
  int error = errno;
  int result = ::close(fd);
  if (fault) {
    errno = error;
    return -1;
  }
  return result;
}

void remove_quietly(const std::string& path) { ::unlink(path.c_str()); }

/// Flushes the temporary file of `file` to the disk (its data must be there before the rename
/// makes it the target).
void sync_file(const std::string& temporary, const std::string& file) {
  int fd = checked_call([&] { return ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC); });
  if (fd < 0) throw_file_error(file, "write", errno);
  if (checked_call([&] { return ::fsync(fd); }) != 0) {
    int error = errno;
    ::close(fd);
    throw_file_error(file, "write", error);
  }
  if (checked_close(fd) != 0) throw_file_error(file, "write", errno);
}

/// Renames `temporary` onto `file`, then flushes the directory so the rename survives a crash.
void commit(const std::string& temporary, const std::string& file) {
  if (checked_call([&] { return ::rename(temporary.c_str(), file.c_str()); }) != 0)
    throw_file_error(file, "write", errno);
  std::string directory = std::filesystem::path(file).parent_path().string();
  if (directory.empty()) directory = ".";
  int fd =
      checked_call([&] { return ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  if (fd < 0) throw_file_error(file, "flush its directory", errno);
  // The target is already in place; a failed directory flush means it may not survive a crash.
  if (checked_call([&] { return ::fsync(fd); }) != 0) {
    int error = errno;
    ::close(fd);
    // Some file systems cannot flush a directory; that is not a failure of the write.
    if (error != EINVAL && error != ENOTSUP) throw_file_error(file, "flush its directory", error);
    return;
  }
  ::close(fd);
}

/// Writes `contents` into a fresh `temporary` for `file`, flushed and closed; removes it on
/// failure. Messages name `file`, the path the user knows.
void write_temporary(const std::string& temporary, const std::string& file,
                     const std::string& contents) {
  int fd = checked_call(
      [&] { return ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644); });
  if (fd < 0) throw_file_error(file, "write", errno);
  auto fail = [&](int error) {
    ::close(fd);
    remove_quietly(temporary);
    throw_file_error(file, "write", error);
  };
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t count = checked_call(
        [&] { return ::write(fd, contents.data() + written, contents.size() - written); });
    if (count < 0) fail(errno);
    if (count == 0) fail(EIO);
    written += static_cast<size_t>(count);
  }
  if (checked_call([&] { return ::fsync(fd); }) != 0) fail(errno);
  // close can report a deferred write error (NFS, full quota): the data may not be there.
  if (checked_close(fd) != 0) {
    int error = errno;
    remove_quietly(temporary);
    throw_file_error(file, "write", error);
  }
}

}  // namespace

void throw_file_error(const std::string& path, const std::string& action, int error_number) {
  std::string message = fmt::format("{}: cannot {}: {}", path, action, std::strerror(error_number));
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
    case ENAMETOOLONG:
    case ELOOP:
      throw InputError(message);
    default:
      throw EnvironmentError(message);
  }
}

void inject_file_write_fault(int64_t operation, int error_number) {
  fault_error = error_number;
  fault_countdown = operation;
}

void write_file_atomically(const std::string& file, const std::string& contents) {
  std::string temporary = file + ".tmp";
  write_temporary(temporary, file, contents);
  try {
    commit(temporary, file);
  } catch (...) {
    remove_quietly(temporary);  // gone already when only the directory flush failed
    throw;
  }
}

void write_atomically_with(const std::string& file,
                           const std::function<void(const std::string&)>& write) {
  std::string temporary = file + ".tmp";
  try {
    write(temporary);
    sync_file(temporary, file);
    commit(temporary, file);
  } catch (...) {
    remove_quietly(temporary);
    throw;
  }
}

void ensure_writable_directory(const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    // create_directories reports EEXIST when a file holds the name of a folder on the path.
    int number = error.value() == EEXIST ? ENOTDIR : error.value();
    throw_file_error(directory, "create the output directory", number);
  }
  EVERGREEN_CHECK_INPUT(std::filesystem::is_directory(directory),
                        "{}: cannot create the output directory: a file of that name exists",
                        directory);
  if (::access(directory.c_str(), W_OK) != 0)
    throw_file_error(directory, "write into the output directory", errno);
}

}  // namespace evergreen
