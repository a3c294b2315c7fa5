#include "evergreen/core/directory_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"

namespace evergreen {
namespace {

/// The pid the holder wrote into the lock file, or 0 when it has not (yet) or it is unreadable.
long holder_pid(int fd) {
  char text[32] = {};
  ssize_t count = ::pread(fd, text, sizeof(text) - 1, 0);
  if (count <= 0) return 0;
  char* end = nullptr;
  long pid = std::strtol(text, &end, 10);
  return pid > 0 ? pid : 0;
}

}  // namespace

std::string DirectoryLock::lock_file(const std::string& directory) { return directory + "/.lock"; }

DirectoryLock::DirectoryLock(const std::string& directory) {
  const std::string file = lock_file(directory);
  do {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  } while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) throw_file_error(file, "lock the output directory", errno);
  int result;
  do {
    result = ::flock(fd_, LOCK_EX | LOCK_NB);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    int error = errno;
    long pid = error == EWOULDBLOCK ? holder_pid(fd_) : 0;
    ::close(fd_);
    fd_ = -1;
    if (error != EWOULDBLOCK) throw_file_error(file, "lock the output directory", error);
    throw EnvironmentError(
        pid > 0 ? fmt::format("{}: another evergreen run (pid {}) is writing here", directory, pid)
                : fmt::format("{}: another evergreen run is writing here", directory));
  }
  // Who holds it, for the message a second run prints; a failure here only loses that detail.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    ssize_t ignored = ::pwrite(fd_, pid.data(), pid.size(), 0);
    (void)ignored;
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the lock
}

}  // namespace evergreen
