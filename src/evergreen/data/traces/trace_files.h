// Finding the files of a trace split over many (the Azure Functions day files) by a name pattern.
#pragma once

#include <string>
#include <vector>

namespace evergreen {

/// The regular files in `directory` whose names match `pattern` (`*`: any run of characters,
/// `?`: one character; no `/`), in natural order (digit runs compare as numbers: d2 before d10).
/// InputError when the directory is missing or nothing matches.
std::vector<std::string> list_trace_files(const std::string& directory, const std::string& pattern);

}  // namespace evergreen
