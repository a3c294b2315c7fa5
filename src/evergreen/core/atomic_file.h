// Files that are never half-written: write a temporary file beside the target, flush it to the
// disk, then rename it over the target. When any step fails (full disk, I/O error, read-only file
// system) the temporary file is removed and the previous version of the target is untouched.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace evergreen {

/// Writes `contents` to `file` through `file.tmp`: open, write, fsync, close, rename, fsync of the
/// directory. A refusal from the OS (ENOSPC, EIO, EROFS, EACCES, ...) throws EnvironmentError,
/// a path that cannot name a file (missing folder, a directory in the way) InputError; both name
/// the path and the OS's reason.
void write_file_atomically(const std::string& file, const std::string& contents);

/// Calls `write(temporary_path)`, then flushes the temporary file and renames it onto `file` as
/// write_file_atomically does. When `write` throws, the temporary file is removed.
void write_atomically_with(const std::string& file,
                           const std::function<void(const std::string&)>& write);

/// Creates `directory` (and parents) and checks that it is writable. InputError when a file is
/// in the way; EnvironmentError when the OS refuses (permissions, read-only or full disk).
void ensure_writable_directory(const std::string& directory);

/// Throws the error an OS call that failed with `error_number` while handling `path` means:
/// EnvironmentError, or InputError for errors of the path itself (ENOENT, ENOTDIR, EISDIR,
/// ENAMETOOLONG, ELOOP). The message is "PATH: cannot ACTION: strerror".
[[noreturn]] void throw_file_error(const std::string& path, const std::string& action,
                                   int error_number);

/// Test hook: the `operation`-th checked file system call from now fails with `error_number`
/// instead of running; 0 disarms it. write_file_atomically makes them in this order (one write
/// for small contents): open, write, fsync, close, rename, open and fsync of the directory.
void inject_file_write_fault(int64_t operation, int error_number);

}  // namespace evergreen
