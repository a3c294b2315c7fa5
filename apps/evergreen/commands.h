// The subcommands of the evergreen CLI, one file each; main.cpp wires them together.
#pragma once

#include <CLI/CLI.hpp>

namespace evergreen::cli {

void add_run_command(CLI::App& app);
void add_gen_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_lm_command(CLI::App& app);
/// The suites of `evergreen bench` whose flags live beside their benchmark.
void add_autoscaling_bench_command(CLI::App& bench);
void add_tpp_bench_command(CLI::App& bench);
void add_lm_bench_command(CLI::App& bench);
/// `gen two-hop` (gen_two_hop_command.cpp).
void add_gen_two_hop_command(CLI::App& gen);

}  // namespace evergreen::cli
