// `evergreen run`: an experiment from a YAML config (or the built-in default), with overrides,
// checkpoints after every experience and resumption.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>

#include "commands.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/core/options.h"
#include "evergreen/core/quoting.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/stream_registry.h"
#include "evergreen/green/green_meter.h"
#include "evergreen/models/model_registry.h"
#include "evergreen/run/compatibility.h"
#include "evergreen/run/experiment.h"
#include "evergreen/run/report.h"
#include "evergreen/run/trainer.h"
#include "evergreen/strategies/strategy_registry.h"

namespace evergreen::cli {
namespace {

struct RunArguments {
  std::string config_file;
  std::vector<std::string> overrides;
  std::string out_dir;
  std::string seed, threads, stop_after;  // validated by whole_number_flag
  CLI::Option* seed_flag = nullptr;
  CLI::Option* threads_flag = nullptr;
  CLI::Option* stop_after_flag = nullptr;
  bool force_threads = false;
  std::string resume_dir;
  bool list = false;
  bool markdown = false;
};

/// The value of a whole-number flag, within [minimum, maximum]. Parsed here, not by CLI11, which
/// would clamp a value beyond int64 and leave a negative one indistinguishable from "not given".
std::optional<int64_t> whole_number_flag(const std::string& flag, const std::string& text,
                                         bool given, int64_t minimum) {
  if (!given) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  bool whole = !text.empty() && end == text.c_str() + text.size() && errno != ERANGE;
  EVERGREEN_CHECK_INPUT(whole && value >= minimum, "{} {}: expected a whole number in {}..{}", flag,
                        quote(text), minimum, std::numeric_limits<int64_t>::max());
  return value;
}

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

/// One component's options, read from an empty map (defaults only) for listing.
struct ListedComponent {
  std::string name;
  std::string description;
  std::string facts;  // what a model reads, which models a strategy fits
  std::vector<OptionDoc> options;
};

struct ListedSection {
  std::string title;
  std::vector<ListedComponent> components;
};

std::vector<ListedSection> listed_components() {
  std::vector<ListedSection> sections;
  auto collect = [&](const auto& registry, auto read) {
    const std::string kind = registry.kind();
    ListedSection section{kind == "strategy" ? std::string("strategies") : kind + "s", {}};
    for (const auto& entry : registry.entries()) {
      Options options(YAML::Node(YAML::NodeType::Map), registry.kind());
      options.set_listing_only(true);
      std::string facts = read(entry, options);
      section.components.push_back({entry.name, entry.description, facts, options.docs()});
    }
    sections.push_back(section);
  };
  collect(stream_registry(), [](const auto& entry, Options& options) {
    try {
      entry.make(options);
    } catch (const InputError&) {  // a required option (e.g. a path) is missing: show the rest
    }
    return std::string();
  });
  collect(model_registry(), [](const auto& entry, Options& options) {
    entry.make(options, minimal_stream(entry.traits.reads));
    return fmt::format("reads {}; outputs {}", stream_kind_name(entry.traits.reads),
                       output_kind_name(entry.traits.offers.output));
  });
  collect(strategy_registry(), [](const auto& entry, Options& options) {
    entry.make(options);
    std::vector<std::string> fits;
    for (const auto& model : model_registry().entries())
      if (strategy_fits_model(model, entry)) fits.push_back(model.name);
    return fmt::format("fits models: {}", fmt::join(fits, ", "));
  });
  // The sections of a config that are not registries.
  ListedSection run{"run sections", {}};
  Options train(YAML::Node(YAML::NodeType::Map), "train");
  read_train_options(train);
  run.components.push_back({"train", "the training loop", "", train.docs()});
  Options green(YAML::Node(YAML::NodeType::Map), "green");
  read_green_options(green);
  run.components.push_back({"green", "energy and carbon accounting", "", green.docs()});
  sections.push_back(run);
  return sections;
}

void list_components() {
  for (const auto& section : listed_components()) {
    std::cout << section.title << ":\n";
    for (const auto& component : section.components) {
      std::cout << fmt::format("  {:<20} {}\n", component.name, component.description);
      if (!component.facts.empty()) std::cout << "      " << component.facts << "\n";
      for (const auto& doc : component.options)
        std::cout << fmt::format("      {:<20} = {:<10} {}\n", doc.key, doc.default_value,
                                 doc.help);
    }
  }
}

/// The same listing as Markdown: docs/options.md is this output (a test keeps them equal).
void list_components_markdown() {
  std::cout << "# Options of every component\n\n"
               "Generated by `evergreen run --list --markdown` from the components' own "
               "declarations; a test fails when this file and the code disagree.\n";
  for (const auto& section : listed_components()) {
    std::cout << "\n## " << section.title << "\n";
    for (const auto& component : section.components) {
      std::cout << fmt::format("\n### `{}`\n\n{}.", component.name, component.description);
      if (!component.facts.empty()) std::cout << " " << component.facts << ".";
      std::cout << "\n";
      if (component.options.empty()) continue;
      std::cout << "\n| key | default | meaning |\n| --- | --- | --- |\n";
      for (const auto& doc : component.options) {
        std::string help = doc.help;
        for (size_t at = help.find('|'); at != std::string::npos; at = help.find('|', at + 2))
          help.replace(at, 1, "\\|");
        std::cout << fmt::format("| `{}` | `{}` | {} |\n", doc.key, doc.default_value, help);
      }
    }
  }
}

void run(const RunArguments& arguments) {
  if (arguments.list) {
    if (arguments.markdown)
      list_components_markdown();
    else
      list_components();
    return;
  }
  auto seed = whole_number_flag("--seed", arguments.seed, arguments.seed_flag->count() > 0, 0);
  auto threads =
      whole_number_flag("--threads", arguments.threads, arguments.threads_flag->count() > 0, 1);
  auto stop_after = whole_number_flag("--stop-after", arguments.stop_after,
                                      arguments.stop_after_flag->count() > 0, 0);
  YAML::Node config;
  std::string file = arguments.config_file;
  std::string out_dir = arguments.out_dir;
  if (!arguments.resume_dir.empty()) {
    EVERGREEN_CHECK_INPUT(arguments.config_file.empty() && arguments.overrides.empty() && !seed,
                          "--resume {}: the run's own config.yaml is used (a bit-identical "
                          "continuation); drop CONFIG, --set and --seed",
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
    // An empty file would silently run the components' defaults, which are not the default
    // experiment: say what the user probably meant.
    EVERGREEN_CHECK_INPUT(file.empty() || config.size() > 0,
                          "{}: the config is empty; run without CONFIG for the default experiment "
                          "(configs/default.yaml is the same as a file)",
                          file);
  }
  for (const auto& assignment : arguments.overrides) apply_override(config, assignment);
  // Flags are assignments too; messages about them name the flag.
  if (seed) apply_override(config, fmt::format("seed={}", *seed), "--seed " + arguments.seed);
  if (threads)
    apply_override(config, fmt::format("threads={}", *threads), "--threads " + arguments.threads);
  if (arguments.force_threads) apply_override(config, "force_threads=true", "--force-threads");

  ExperimentPlan plan = plan_experiment(config, file);
  RunControl control;
  control.out_dir = out_dir.empty() ? default_out_dir(plan.name) : out_dir;
  control.resume = !arguments.resume_dir.empty();
  control.stop_after = stop_after.value_or(-1);
  control.progress = print_progress;
  ensure_writable_directory(control.out_dir);  // before any work, so a bad --out fails at once
  control.on_start = [&] {
    std::fprintf(
        stderr, "evergreen: %s: %lld experiences of '%s', strategies %s -> %s\n", plan.name.c_str(),
        static_cast<long long>(plan.stream.size()), plan.stream.name.c_str(),
        fmt::format("{}", fmt::join(plan.strategy_labels, ", ")).c_str(), control.out_dir.c_str());
    if (plan.stream.dropped_points > 0)
      std::fprintf(stderr, "evergreen: the stream's reader dropped %lld unreadable input rows\n",
                   static_cast<long long>(plan.stream.dropped_points));
  };
  auto outcomes = run_experiment(plan, control);
  if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");

  std::vector<nlohmann::json> summaries;
  for (const auto& outcome : outcomes)
    if (outcome.completed) summaries.push_back(outcome.summary);
  if (!outcomes.empty() && !outcomes.back().completed) {
    std::printf(
        "stopped after %lld experiences (--stop-after); continue with: evergreen run "
        "--resume %s\n",
        static_cast<long long>(outcomes.back().experiences_trained), control.out_dir.c_str());
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
  command
      ->add_option("--set", arguments->overrides,
                   "override a config value, e.g. --set train.epochs=5 --set "
                   "'strategies=[naive,ewc]'")
      ->allow_extra_args(false);
  command->add_option("--out", arguments->out_dir,
                      "output directory (default runs/<experiment>-<time>)");
  arguments->seed_flag = command->add_option("--seed", arguments->seed,
                                             "seed of every random source (overrides seed:)");
  arguments->threads_flag =
      command->add_option("--threads", arguments->threads, "intra-op threads (overrides threads:)");
  command->add_flag("--force-threads", arguments->force_threads,
                    fmt::format("allow more than {} x the hardware threads (force_threads:)",
                                kThreadsPerHardwareThread));
  command->add_option("--resume", arguments->resume_dir,
                      "continue an interrupted run from its last checkpoint");
  arguments->stop_after_flag =
      command->add_option("--stop-after", arguments->stop_after,
                          "stop cleanly once N experiences are trained (resume later)");
  command->add_flag("--list", arguments->list,
                    "list the registered streams, models and strategies with their options");
  command->add_flag("--markdown", arguments->markdown,
                    "with --list: as Markdown tables (docs/options.md is this output)");
  command->callback([arguments] { run(*arguments); });
}

}  // namespace evergreen::cli
