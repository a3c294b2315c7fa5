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

}  // namespace
}  // namespace evergreen
