#include "evergreen/data/text/two_hop_world.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "test_support.h"

namespace evergreen {
namespace {

using testing::input_error_of;
using testing::write_text;

// Three landmarks in two countries, one country without a currency (its landmark is left out).
void write_tiny_world(const testing::TemporaryDirectory& directory) {
  write_text(
      directory.file("landmark-country.json"),
      R"([{"input": "Tower A", "output": "Freedonia"}, {"input": "Bridge B", "output": "Sylvania"}])");
  write_text(
      directory.file("park-country.json"),
      R"([{"input": "Park C", "output": "Freedonia"}, {"input": "Park D", "output": "Nowhere"}])");
  write_text(
      directory.file("country-capital.json"),
      R"([{"input": "Freedonia", "output": "Fredville"}, {"input": "Sylvania", "output": "Sylvan City"}, {"input": "Nowhere", "output": "Null"}])");
  write_text(
      directory.file("country-currency.json"),
      R"([{"input": "Freedonia", "output": "Fred"}, {"input": "Sylvania", "output": "Sylvan Mark"}])");
}

TEST(TwoHopWorld, TrainsEveryHopAndHoldsOutTheCompositionsItDoesNotTrain) {
  testing::TemporaryDirectory directory;
  write_tiny_world(directory);
  TwoHopWorldOptions options;
  options.composition_train_fraction = 0.5;
  TwoHopWorld world = make_two_hop_world(directory.path(), options);
  EXPECT_EQ(world.entities, 3);
  EXPECT_EQ(world.countries, 2);
  EXPECT_EQ(world.chains, 6);
  EXPECT_EQ(world.composition_trained, 3);
  EXPECT_EQ(world.composition_held_out, 3);
  // Facts: 3 entities x 3 country templates, 2 countries x (2 capital + 2 currency templates),
  // and the 3 trained compositions.
  EXPECT_EQ(world.training_text.size(), 9u + 8u + 3u);
  const std::set<std::string> text(world.training_text.begin(), world.training_text.end());
  EXPECT_TRUE(text.count("Tower A is located in Freedonia."));
  EXPECT_TRUE(text.count("The capital of Sylvania is Sylvan City."));
  EXPECT_FALSE(text.count("Park D is located in Nowhere."));
  int held_out = 0, paraphrases = 0;
  for (const TwoHopQuery& query : world.queries) {
    const std::string statement = query.prompt + " " + query.answer + ".";
    if (query.kind == "single_hop_paraphrase") {
      ++paraphrases;
      EXPECT_FALSE(text.count(statement)) << statement;  // a template never trained
    } else if (query.kind == "composition_held_out") {
      ++held_out;
      EXPECT_FALSE(text.count(statement)) << statement;
      // ... while both of its hops are trained.
      EXPECT_TRUE(text.count(query.entity + " is located in " + query.bridge + "."));
      EXPECT_TRUE(text.count("The " + query.relation + " of " + query.bridge + " is " +
                             query.answer + "."));
    } else {
      EXPECT_EQ(query.kind, "composition_seen");
      EXPECT_TRUE(text.count(statement)) << statement;
    }
  }
  EXPECT_EQ(held_out, 3);
  EXPECT_EQ(paraphrases, 3 + 2 * 2);
}

TEST(TwoHopWorld, TheSharedDataGiveAboutSixteenHundredEntities) {
  const std::string data = testing::shared_data_dir();
  const std::string folder = data + "/text/function_vectors/abstractive";
  if (data.empty() || !std::filesystem::exists(folder)) GTEST_SKIP() << "no shared data";
  TwoHopWorld world = make_two_hop_world(folder, {});
  EXPECT_GT(world.entities, 1500);
  EXPECT_GT(world.countries, 150);
  EXPECT_EQ(world.chains, 2 * world.entities);
  TwoHopWorldOptions small;
  small.max_entities = 100;
  small.seed = 3;
  TwoHopWorld sample = make_two_hop_world(folder, small);
  EXPECT_EQ(sample.entities, 100);
  EXPECT_EQ(make_two_hop_world(folder, small).training_text, sample.training_text);  // seeded
}

TEST(TwoHopWorld, BadFilesNameTheFileAndEntry) {
  testing::TemporaryDirectory directory;
  write_tiny_world(directory);
  write_text(directory.file("park-country.json"), R"([{"input": "Park C"}])");
  EXPECT_NE(input_error_of([&] {
              make_two_hop_world(directory.path(), {});
            }).find("park-country.json: entry 0: expected {\"input\": text, \"output\": text}"),
            std::string::npos);
  write_text(directory.file("park-country.json"), "{not json");
  EXPECT_NE(input_error_of([&] {
              make_two_hop_world(directory.path(), {});
            }).find("park-country.json: not JSON"),
            std::string::npos);
  std::filesystem::remove(directory.file("park-country.json"));
  EXPECT_NE(input_error_of([&] {
              make_two_hop_world(directory.path(), {});
            }).find("park-country.json: file not found"),
            std::string::npos);
}

}  // namespace
}  // namespace evergreen
