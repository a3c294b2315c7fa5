// Files that are never half-written: write a temporary file beside the target, then rename.
#pragma once

#include <functional>
#include <string>

namespace evergreen {

/// Writes `contents` to `file` through `file.tmp` and a rename (atomic on POSIX file systems).
void write_file_atomically(const std::string& file, const std::string& contents);

/// Calls `write(temporary_path)`, then renames the temporary file onto `file`.
void write_atomically_with(const std::string& file,
                           const std::function<void(const std::string&)>& write);

/// Creates `directory` (and parents) and checks that it is writable; InputError otherwise.
void ensure_writable_directory(const std::string& directory);

}  // namespace evergreen
