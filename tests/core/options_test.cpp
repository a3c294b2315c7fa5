#include "evergreen/core/options.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace evergreen {
namespace {

TEST(Options, WritesDefaultsBackSoTheResolvedConfigIsComplete) {
  YAML::Node node = YAML::Load("{epochs: 3}");
  Options options(node, "train", "run.yaml");
  EXPECT_EQ(options.get<int>("epochs", 20), 3);
  EXPECT_DOUBLE_EQ(options.get<double>("learning_rate", 0.5), 0.5);
  EXPECT_DOUBLE_EQ(node["learning_rate"].as<double>(), 0.5);
  EXPECT_EQ(node["epochs"].as<int>(), 3);
  EXPECT_NO_THROW(options.check_all_read());
}

TEST(Options, UnknownKeyIsNamedWithFileAndLine) {
  YAML::Node node = YAML::Load("train:\n  epochs: 3\n  epocs: 4\n")["train"];
  Options options(node, "train", "run.yaml");
  options.get<int>("epochs", 20);
  try {
    options.check_all_read();
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("run.yaml:3"), std::string::npos) << message;
    EXPECT_NE(message.find("train.epocs"), std::string::npos) << message;
    EXPECT_NE(message.find("epochs"), std::string::npos) << message;  // lists the known ones
  }
}

TEST(Options, WrongTypeNamesFieldAndExpectedType) {
  YAML::Node node = YAML::Load("{epochs: many}");
  Options options(node, "train", "run.yaml");
  try {
    options.get<int>("epochs", 20);
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("train.epochs"), std::string::npos) << message;
    EXPECT_NE(message.find("integer"), std::string::npos) << message;
    EXPECT_NE(message.find("many"), std::string::npos) << message;
  }
}

TEST(Options, OverrideSetsNestedValuesAndCreatesMaps) {
  YAML::Node root = YAML::Load("{train: {epochs: 3}}");
  apply_override(root, "train.epochs=7");
  apply_override(root, "model.hidden_size=16");
  apply_override(root, "strategies=[naive, er]");
  EXPECT_EQ(root["train"]["epochs"].as<int>(), 7);
  EXPECT_EQ(root["model"]["hidden_size"].as<int>(), 16);
  EXPECT_EQ(root["strategies"].size(), 2u);
  EXPECT_THROW(apply_override(root, "no-equals-sign"), InputError);
  EXPECT_THROW(apply_override(root, "a..b=1"), InputError);
}

TEST(Options, MalformedYamlReportsFileLineAndColumn) {
  testing::TemporaryDirectory directory;
  auto file = directory.file("bad.yaml");
  testing::write_text(file, "train:\n  epochs: [1, 2\n");
  try {
    load_yaml_file(file);
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find(file + ":"), std::string::npos) << message;
    EXPECT_NE(message.find("malformed YAML"), std::string::npos) << message;
  }
  EXPECT_THROW(load_yaml_file(directory.file("missing.yaml")), InputError);
}

TEST(Options, GetChoiceListsTheChoicesInHelpAndError) {
  YAML::Node node = YAML::Load("rule: simpson\n");
  Options options(node, "model", "run.yaml");
  EXPECT_EQ(testing::input_error_of([&] {
              options.get_choice("rule", "mean", {"mean", "trapezoid"}, "quadrature");
            }),
            "run.yaml:1:7: field 'model.rule': must be one of mean, trapezoid, got 'simpson'");
  Options defaults(YAML::Node(YAML::NodeType::Map), "model");
  EXPECT_EQ(defaults.get_choice("rule", "mean", {"mean", "trapezoid"}, "quadrature"), "mean");
  ASSERT_EQ(defaults.docs().size(), 1u);
  EXPECT_EQ(defaults.docs()[0].help, "quadrature (one of: mean, trapezoid)");
}

TEST(Options, AKeyGivenTwiceInOneMapIsRefusedAtItsSecondOccurrence) {
  std::string message = testing::input_error_of(
      [] { parse_yaml_config("seed: 1\ntrain: {epochs: 1, epochs: 2}\n", "cfg.yaml"); });
  EXPECT_NE(message.find("cfg.yaml:2:"), std::string::npos) << message;
  EXPECT_NE(message.find("key 'epochs' is given twice in this map (first at line 2)"),
            std::string::npos)
      << message;
  message = testing::input_error_of([] {
    parse_yaml_config(
        "strategies:\n  - {name: er, memory_size: 5}\n  - name: ewc\n    "
        "lambda: 1\n    lambda: 2\n",
        "cfg.yaml");
  });
  EXPECT_NE(message.find("cfg.yaml:5:5: key 'lambda' is given twice"), std::string::npos)
      << message;
  // The same key in different maps is fine.
  EXPECT_EQ(
      testing::input_error_of([] { parse_yaml_config("a: {x: 1}\nb: {x: 2}\n", "cfg.yaml"); }),
      "no error");
  YAML::Node root = YAML::Load("{}");
  message = testing::input_error_of([&] { apply_override(root, "train={epochs: 1, epochs: 2}"); });
  EXPECT_NE(message.find("--set train={epochs: 1, epochs: 2}"), std::string::npos) << message;
}

TEST(Options, AConfigPathThatIsADirectoryIsNamed) {
  testing::TemporaryDirectory directory;
  std::string message = testing::input_error_of([&] { load_yaml_file(directory.path()); });
  EXPECT_EQ(message, directory.path() + ": is a directory, expected a YAML config file");
}

TEST(Options, DeepNestingIsRefusedNotRecursedInto) {
  std::string deep = std::string(100, '[') + std::string(100, ']');
  std::string message = testing::input_error_of([&] { parse_yaml_config("a: " + deep, "d.yaml"); });
  EXPECT_NE(message.find("nested deeper than 64 levels"), std::string::npos) << message;
}

TEST(Options, FieldsGivenBySetAreReportedAsTheAssignment) {
  YAML::Node root = parse_yaml_config("green:\n  pue: 1.2\n", "cfg.yaml");
  apply_override(root, "green.pue=nan");
  Options green(root["green"], "green", "cfg.yaml");
  EXPECT_EQ(green.where("pue"), "--set green.pue=nan");
  // A value --set gave as a map: its fields name the assignment too.
  apply_override(root, "train={epochs: x}");
  Options train(root["train"], "train", "cfg.yaml");
  EXPECT_EQ(testing::input_error_of([&] { train.get<int>("epochs", 1); }),
            "--set train={epochs: x}: field 'train.epochs': cannot read 'x' as the expected "
            "integer");
  // Fields from the file keep their file position; a flag names itself.
  YAML::Node other = parse_yaml_config("seed: 3\nthreads: 2\n", "run.yaml");
  Options root_options(other, "", "run.yaml");
  EXPECT_EQ(root_options.where("seed"), "run.yaml:1:7: field 'seed'");
  apply_override(other, "threads=9999", "--threads 9999");
  EXPECT_EQ(root_options.where("threads"), "--threads 9999");
}

TEST(Options, EchoedValuesAreQuotedShortAndEscaped) {
  YAML::Node node(YAML::NodeType::Map);
  node["epochs"] = std::string(1 << 20, 'x') + "\r";
  Options options(node, "train", "cfg.yaml");
  std::string message = testing::input_error_of([&] { options.get<int>("epochs", 1); });
  EXPECT_LT(message.size(), 200u) << message.substr(0, 300);
  EXPECT_EQ(message.find('\r'), std::string::npos);
  node["rule"] = "a\rb";
  message = testing::input_error_of([&] { options.get_choice("rule", "x", {"x", "y"}); });
  EXPECT_NE(message.find("got 'a\\rb'"), std::string::npos) << message;
}

TEST(Options, AKeyThatIsAMapIsRefusedNotConverted) {
  // Found by fuzz/options_fuzzer.cpp: "? epochs: 2" makes the key itself a map.
  YAML::Node root = parse_yaml_config("train:\n  ? epochs: 2\n", "cfg.yaml");
  Options train(root["train"], "train", "cfg.yaml");
  std::string message = testing::input_error_of([&] { train.check_all_read(); });
  EXPECT_NE(message.find("cfg.yaml:2:5: field 'train': an option's name must be plain text"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace evergreen
