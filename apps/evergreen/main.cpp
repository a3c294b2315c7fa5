// evergreen: continual learning from streams of data.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "evergreen/core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"evergreen: continual learning from streams of data, with energy accounting"};
  app.require_subcommand(1);
  evergreen::cli::add_run_command(app);
  evergreen::cli::add_gen_command(app);
  evergreen::cli::add_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : 2;
  } catch (const evergreen::InputError& error) {
    std::fprintf(stderr, "evergreen: error: %s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "evergreen: internal error: %s\n", error.what());
    return 1;
  }
  return 0;
}
