// evergreen: continual learning from streams of data.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"

int main(int argc, char** argv) {
  CLI::App app{"evergreen: continual learning from streams of data, with energy accounting"};
  app.require_subcommand(1);
  // One line per error, as evergreen's own errors are (CLI11's default adds a second).
  app.failure_message([](const CLI::App*, const CLI::Error& error) {
    return "evergreen: error: " + evergreen::one_line(error.what()) + " (see --help)\n";
  });
  evergreen::cli::add_run_command(app);
  evergreen::cli::add_gen_command(app);
  evergreen::cli::add_bench_command(app);
  evergreen::cli::add_lm_command(app);
  // Exit codes (docs/reliability.md): 0 success, 1 internal error, 2 bad input or options,
  // 3 the environment refused (I/O error, full disk, output directory held by another run).
  // Every message is one line: control bytes escaped, length bounded.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : 2;
  } catch (const evergreen::InputError& error) {
    std::fprintf(stderr, "evergreen: error: %s\n", evergreen::one_line(error.what()).c_str());
    return 2;
  } catch (const evergreen::EnvironmentError& error) {
    std::fprintf(stderr, "evergreen: error: %s\n", evergreen::one_line(error.what()).c_str());
    return 3;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "evergreen: internal error: %s\n",
                 evergreen::one_line(error.what()).c_str());
    return 1;
  }
  return 0;
}
