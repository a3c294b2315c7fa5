// `evergreen gen two-hop`: the two-hop knowledge world (data/text/two_hop_world.h) written as a
// training text, the evaluation queries and the world's statistics.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/data/text/two_hop_world.h"

namespace evergreen::cli {

void add_gen_two_hop_command(CLI::App& gen) {
  struct Flags {
    std::string data = "../shared/data/text/function_vectors/abstractive", out;
    TwoHopWorldOptions world;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = gen.add_subcommand(
      "two-hop",
      "a two-hop knowledge world from real entities (landmark/park -> country -> capital / "
      "currency): OUT/train.txt (single-hop facts under several templates, some compositions), "
      "OUT/queries.jsonl (held-out paraphrases, seen and held-out compositions), OUT/world.json");
  command->add_option("--data", flags->data, "folder of the function-vector task files")
      ->capture_default_str();
  command->add_option("--out", flags->out, "output directory")->required();
  command
      ->add_option("--composition-fraction", flags->world.composition_train_fraction,
                   "share of the chains whose composed statement is trained")
      ->capture_default_str();
  command->add_option("--max-entities", flags->world.max_entities, "entities kept (0: all)")
      ->capture_default_str();
  command->add_option("--seed", flags->world.seed, "seed of the splits")->capture_default_str();
  command->callback([flags] {
    const TwoHopWorld world = make_two_hop_world(flags->data, flags->world);
    ensure_writable_directory(flags->out);
    const std::filesystem::path out(flags->out);
    std::string text;
    for (const std::string& line : world.training_text) text += line + "\n";
    write_file_atomically((out / "train.txt").string(), text);
    std::string queries;
    std::map<std::string, int64_t> kinds;
    for (const TwoHopQuery& query : world.queries) {
      queries += nlohmann::json{{"kind", query.kind},     {"relation", query.relation},
                                {"prompt", query.prompt}, {"answer", query.answer},
                                {"entity", query.entity}, {"bridge", query.bridge}}
                     .dump() +
                 "\n";
      ++kinds[query.kind];
    }
    write_file_atomically((out / "queries.jsonl").string(), queries);
    const nlohmann::json statistics{{"entities", world.entities},
                                    {"countries", world.countries},
                                    {"chains", world.chains},
                                    {"composition_trained", world.composition_trained},
                                    {"composition_held_out", world.composition_held_out},
                                    {"training_statements", world.training_text.size()},
                                    {"queries", kinds},
                                    {"seed", flags->world.seed}};
    write_file_atomically((out / "world.json").string(), statistics.dump(2) + "\n");
    std::cout << fmt::format(
        "wrote {}: {} entities, {} countries, {} chains ({} compositions trained, {} held out), "
        "{} training statements, {} queries\n",
        flags->out, world.entities, world.countries, world.chains, world.composition_trained,
        world.composition_held_out, world.training_text.size(), world.queries.size());
  });
}

}  // namespace evergreen::cli
