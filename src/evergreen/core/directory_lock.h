// An exclusive advisory lock on an output directory, so that two runs never write into one
// directory at once (their results would mix under one config.yaml). flock(2) on DIR/.lock: the
// kernel releases it when the holder exits, however it exits, so a killed run leaves no stale
// lock behind (the file stays; holding it is what counts).
#pragma once

#include <string>

namespace evergreen {

/// Holds the lock on `directory` from construction to destruction.
///
/// Example:
///   DirectoryLock lock(out_dir);  // EnvironmentError when another run holds it
///   ... write into out_dir ...
class DirectoryLock {
 public:
  /// Takes the lock at once or throws EnvironmentError "DIR: another evergreen run (pid N) is
  /// writing here" (or the OS's reason when DIR/.lock cannot be opened).
  explicit DirectoryLock(const std::string& directory);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

  /// DIR/.lock
  static std::string lock_file(const std::string& directory);

 private:
  int fd_ = -1;
};

}  // namespace evergreen
