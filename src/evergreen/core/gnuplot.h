// Plots through gnuplot when it is installed: every layer that draws (run reports, the
// autoscaling traces) calls this one function.
#pragma once

#include <string>

namespace evergreen {

/// Writes `script` to `script_file` (temporary file + rename) and runs gnuplot on it; returns
/// false, writing nothing, when gnuplot is not on PATH, and false when gnuplot fails.
///
/// Example:
///   run_gnuplot(directory + "/matrix.gp", "set terminal pngcairo\nset output 'm.png'\n...");
bool run_gnuplot(const std::string& script_file, const std::string& script);

}  // namespace evergreen
