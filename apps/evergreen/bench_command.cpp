#include "commands.h"

namespace evergreen::cli {

void add_bench_command(CLI::App& app) { app.add_subcommand("bench", "(not yet available)"); }

}  // namespace evergreen::cli
