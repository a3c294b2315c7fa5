// `evergreen run`: an experiment from a YAML config (or the built-in default), with overrides,
// checkpoints after every experience and resumption.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/core/options.h"
#include "evergreen/data/stream_registry.h"
#include "evergreen/models/model_registry.h"
#include "evergreen/run/compatibility.h"
#include "evergreen/run/experiment.h"
#include "evergreen/run/report.h"
#include "evergreen/strategies/strategy_registry.h"

namespace evergreen::cli {
namespace {

struct RunArguments {
  std::string config_file;
  std::vector<std::string> overrides;
  std::string out_dir;
  int64_t seed = -1;
  int64_t threads = 0;
  std::string resume_dir;
  int64_t stop_after = -1;
  bool list = false;
};

std::string default_out_dir(const std::string& experiment) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
  return "runs/" + experiment + "-" + stamp;
}

/// Progress: one rewritten line on a terminal, one line per experience otherwise.
void print_progress(const ProgressEvent& event) {
  static const bool terminal = isatty(STDERR_FILENO);
  if (terminal) {
    std::fprintf(stderr, "\r\033[K[%s] %s", event.label.c_str(), event.text().c_str());
    std::fflush(stderr);
    return;
  }
  // Only the last epoch of each experience.
  if (event.kind != ProgressEvent::Kind::kEpoch || event.last_epoch())
    std::fprintf(stderr, "[%s] %s\n", event.label.c_str(), event.text().c_str());
}

void list_components() {
  auto print = [](const auto& registry, auto describe) {
    std::cout << registry.kind() << "s:\n";
    for (const auto& entry : registry.entries()) {
      std::cout << fmt::format("  {:<20} {}\n", entry.name, entry.description);
      for (const auto& line : describe(entry)) std::cout << line;
    }
  };
  auto option_lines = [](const Options& options, const std::string& first = "") {
    std::vector<std::string> lines;
    if (!first.empty()) lines.push_back(first);
    for (const auto& doc : options.docs())
      lines.push_back(
          fmt::format("      {:<20} = {:<10} {}\n", doc.key, doc.default_value, doc.help));
    return lines;
  };
  print(stream_registry(), [&](const auto& entry) {
    Options options(YAML::Node(YAML::NodeType::Map), "stream");
    options.set_listing_only(true);
    try {
      entry.make(options);
    } catch (const InputError&) {  // a required option (e.g. a path) is missing: show the rest
    }
    return option_lines(options);
  });
  print(model_registry(), [&](const auto& entry) {
    Options options(YAML::Node(YAML::NodeType::Map), "model");
    entry.make(options, minimal_stream(entry.traits.reads));
    return option_lines(options, fmt::format("      reads {}; outputs {}\n",
                                             stream_kind_name(entry.traits.reads),
                                             output_kind_name(entry.traits.offers.output)));
  });
  print(strategy_registry(), [&](const auto& entry) {
    Options options(YAML::Node(YAML::NodeType::Map), "strategy");
    entry.make(options);
    std::vector<std::string> fits;
    for (const auto& model : model_registry().entries())
      if (strategy_fits_model(model, entry)) fits.push_back(model.name);
    return option_lines(options, fmt::format("      fits models: {}\n", fmt::join(fits, ", ")));
  });
}

void run(const RunArguments& arguments) {
  if (arguments.list) {
    list_components();
    return;
  }
  YAML::Node config;
  std::string file = arguments.config_file;
  std::string out_dir = arguments.out_dir;
  if (!arguments.resume_dir.empty()) {
    EVERGREEN_CHECK_INPUT(arguments.config_file.empty() && arguments.overrides.empty() &&
                              arguments.seed < 0 && arguments.threads <= 0,
                          "--resume {}: the run's own config.yaml is used (a bit-identical "
                          "continuation); drop CONFIG, --set, --seed and --threads",
                          arguments.resume_dir);
    file = arguments.resume_dir + "/config.yaml";
    EVERGREEN_CHECK_INPUT(std::filesystem::exists(file),
                          "--resume {}: no config.yaml there (not an evergreen run directory)",
                          arguments.resume_dir);
    config = load_yaml_file(file);
    EVERGREEN_CHECK_INPUT(out_dir.empty() || out_dir == arguments.resume_dir,
                          "--resume writes into the run's own directory; drop --out");
    out_dir = arguments.resume_dir;
  } else {
    config = file.empty() ? default_experiment_config() : load_yaml_file(file);
  }
  for (const auto& assignment : arguments.overrides) apply_override(config, assignment);
  if (arguments.seed >= 0) config["seed"] = arguments.seed;
  if (arguments.threads > 0) config["threads"] = arguments.threads;

  ExperimentPlan plan = plan_experiment(config, file);
  RunControl control;
  control.out_dir = out_dir.empty() ? default_out_dir(plan.name) : out_dir;
  control.resume = !arguments.resume_dir.empty();
  control.stop_after = arguments.stop_after;
  control.progress = print_progress;
  ensure_writable_directory(control.out_dir);  // before any work, so a bad --out fails at once
  std::fprintf(stderr, "evergreen: %s: %lld experiences of '%s', strategies %s -> %s\n",
               plan.name.c_str(), static_cast<long long>(plan.stream.size()),
               plan.stream.name.c_str(), fmt::format("{}", fmt::join(plan.strategy_labels, ", ")).c_str(),
               control.out_dir.c_str());
  if (plan.stream.dropped_points > 0)
    std::fprintf(stderr, "evergreen: the stream's reader dropped %lld unreadable input rows\n",
                 static_cast<long long>(plan.stream.dropped_points));
  auto outcomes = run_experiment(plan, control);
  if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");

  std::vector<nlohmann::json> summaries;
  for (const auto& outcome : outcomes)
    if (outcome.completed) summaries.push_back(outcome.summary);
  if (!outcomes.empty() && !outcomes.back().completed) {
    std::printf("stopped after %lld experiences (--stop-after); continue with: evergreen run "
                "--resume %s\n",
                static_cast<long long>(outcomes.back().experiences_trained),
                control.out_dir.c_str());
    return;
  }
  std::printf("\n%s: %s on '%s', %lld experiences (%s)\n\n%s\nresults in %s\n", plan.name.c_str(),
              plan.config["model"]["name"].as<std::string>().c_str(), plan.stream.name.c_str(),
              static_cast<long long>(plan.stream.size()),
              summaries.front().at("metric").at("name").get<std::string>().c_str(),
              format_comparison_table(summaries).c_str(), control.out_dir.c_str());
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto arguments = std::make_shared<RunArguments>();
  CLI::App* command = app.add_subcommand(
      "run", "Run a continual-learning experiment (the built-in default when no CONFIG is given)");
  command->add_option("config", arguments->config_file, "experiment YAML file");
  command->add_option("--set", arguments->overrides,
                      "override a config value, e.g. --set train.epochs=5 --set "
                      "'strategies=[naive,ewc]'")
      ->allow_extra_args(false);
  command->add_option("--out", arguments->out_dir,
                      "output directory (default runs/<experiment>-<time>)");
  command->add_option("--seed", arguments->seed, "seed of every random source (overrides seed:)");
  command->add_option("--threads", arguments->threads, "intra-op threads (overrides threads:)");
  command->add_option("--resume", arguments->resume_dir,
                      "continue an interrupted run from its last checkpoint");
  command->add_option("--stop-after", arguments->stop_after,
                      "stop cleanly once N experiences are trained (resume later)");
  command->add_flag("--list", arguments->list,
                    "list the registered streams, models and strategies with their options");
  command->callback([arguments] { run(*arguments); });
}

}  // namespace evergreen::cli
