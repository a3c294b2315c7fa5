#include "evergreen/run/report.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/gnuplot.h"

namespace evergreen {
namespace {

std::string format_number(const nlohmann::json& value, int precision = 4) {
  if (value.is_null()) return "n/a";
  double number = value.get<double>();
  if (!std::isfinite(number)) return "n/a";
  if (number != 0 && (std::fabs(number) >= 1e6 || std::fabs(number) < 1e-3))
    return fmt::format("{:.{}e}", number, 2);
  return fmt::format("{:.{}f}", number, precision);
}

std::string quote_csv(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

void write_evaluations(const std::string& file, const std::string& label,
                       const nlohmann::json& evaluations) {
  std::string lines;
  for (const auto& evaluation : evaluations) {
    nlohmann::json line = evaluation;
    line["strategy"] = label;
    lines += line.dump() + "\n";
  }
  write_file_atomically(file, lines);
}

void write_strategy_outputs(const std::string& directory, const nlohmann::json& summary) {
  write_file_atomically(directory + "/summary.json", summary.dump(2) + "\n");
  const auto& matrix = summary.at("matrix");
  std::string csv = "trained_on";
  for (size_t j = 0; j < matrix.size(); ++j) csv += fmt::format(",experience_{}", j + 1);
  csv += "\n";
  if (summary.contains("initial") && !summary.at("initial").empty()) {
    csv += "0";
    for (const auto& value : summary.at("initial")) csv += fmt::format(",{:.17g}", value.get<double>());
    csv += "\n";
  }
  for (size_t i = 0; i < matrix.size(); ++i) {
    csv += std::to_string(i + 1);
    for (const auto& value : matrix[i]) csv += fmt::format(",{:.17g}", value.get<double>());
    csv += "\n";
  }
  write_file_atomically(directory + "/matrix.csv", csv);

  // One line per test split: how its error moves as the stream is learned.
  std::string metric = summary.at("metric").at("name");
  std::string plot = fmt::format(
      "set terminal png noenhanced size 900,520\nset output '{0}/matrix.png'\nset datafile separator ','\n"
      "set key outside right\nset grid\nset title '{1}: {2} on each test split after training on "
      "experience i'\nset xlabel 'trained on experience (0 = before training)'\nset ylabel '{2}'\n"
      "plot for [j=2:{3}] '{0}/matrix.csv' using 1:j with linespoints title columnhead\n",
      directory, summary.value("label", "run"), metric, matrix.size() + 1);
  run_gnuplot(directory + "/matrix.gp", plot);
}

void write_comparison(const std::string& directory, const std::vector<nlohmann::json>& summaries) {
  nlohmann::json comparison = nlohmann::json::object();
  comparison["experiment"] = summaries.front().at("experiment");
  comparison["metric"] = summaries.front().at("metric");
  comparison["strategies"] = nlohmann::json::array();
  for (const auto& summary : summaries) {
    comparison["strategies"].push_back({
        {"label", summary.at("label")},
        {"strategy", summary.at("strategy")},
        {"acc", summary.at("acc")},
        {"bwt", summary.at("bwt")},
        {"fwt", summary.at("fwt")},
        {"forgetting", summary.at("forgetting")},
        {"forgetting_last", summary.at("forgetting_last")},
        {"metrics", summary.at("metrics")},
        {"memory", summary.at("memory")},
        {"green", summary.at("green")},
    });
  }
  write_file_atomically(directory + "/comparison.json", comparison.dump(2) + "\n");

  // Final model's metric on each experience, one line per strategy.
  std::string data = "experience";
  for (const auto& summary : summaries) data += "," + quote_csv(summary.at("label"));
  data += "\n";
  const auto experiences = summaries.front().at("matrix").size();
  for (size_t j = 0; j < experiences; ++j) {
    data += std::to_string(j + 1);
    for (const auto& summary : summaries)
      data += fmt::format(",{:.17g}", summary.at("matrix").back().at(j).get<double>());
    data += "\n";
  }
  write_file_atomically(directory + "/comparison.csv", data);
  std::string metric = summaries.front().at("metric").at("name");
  run_gnuplot(directory + "/comparison.gp",
              fmt::format("set terminal png noenhanced size 900,520\nset output '{0}/comparison.png'\n"
                          "set datafile separator ','\nset key outside right\nset grid\n"
                          "set title 'final model: {1} on each experience'\n"
                          "set xlabel 'experience'\nset ylabel '{1}'\n"
                          "plot for [s=2:{2}] '{0}/comparison.csv' using 1:s with linespoints "
                          "title columnhead\n",
                          directory, metric, summaries.size() + 1));
}

std::string format_comparison_table(const std::vector<nlohmann::json>& summaries) {
  if (summaries.empty()) return "";
  const auto& metric = summaries.front().at("metric");
  std::string metric_name = metric.at("name");
  std::string direction = metric.at("higher_is_better").get<bool>() ? "higher" : "lower";
  std::vector<std::pair<std::string, std::function<std::string(const nlohmann::json&)>>> rows = {
      {fmt::format("ACC ({}, {} is better)", metric_name, direction),
       [](const nlohmann::json& s) { return format_number(s.at("acc")); }},
      {"BWT (+ = improved)", [](const nlohmann::json& s) { return format_number(s.at("bwt")); }},
      {"FWT (+ = improved)", [](const nlohmann::json& s) { return format_number(s.at("fwt")); }},
      {"forgetting (max)",
       [](const nlohmann::json& s) { return format_number(s.at("forgetting")); }},
      {"forgetting (last)",
       [](const nlohmann::json& s) { return format_number(s.at("forgetting_last")); }},
  };
  for (const auto& item : summaries.front().at("metrics").items()) {
    std::string name = item.key();
    rows.push_back({"final " + name, [name](const nlohmann::json& s) {
                      return format_number(s.at("metrics").value(name, nlohmann::json()));
                    }});
  }
  rows.push_back({"memory (rows / KiB)", [](const nlohmann::json& s) {
                    return fmt::format("{} / {:.1f}", s.at("memory").at("samples").get<int64_t>(),
                                       s.at("memory").at("bytes").get<double>() / 1024.0);
                  }});
  rows.push_back({"train + eval wall (s)",
                  [](const nlohmann::json& s) { return format_number(s.at("green").at("wall_s"), 2); }});
  rows.push_back({"train FLOPs (MACs)", [](const nlohmann::json& s) {
                    return format_number(s.at("green").at("train_flops"));
                  }});
  rows.push_back({"energy (kWh)", [](const nlohmann::json& s) {
                    return format_number(s.at("green").at("energy_kwh")) + " (" +
                           s.at("green").at("energy_source").get<std::string>() + ")";
                  }});
  rows.push_back({"CO2 (kg)",
                  [](const nlohmann::json& s) { return format_number(s.at("green").at("co2_kg")); }});

  size_t label_width = 0;
  for (const auto& row : rows) label_width = std::max(label_width, row.first.size());
  std::vector<size_t> widths;
  for (const auto& summary : summaries) {
    size_t width = summary.at("label").get<std::string>().size();
    for (const auto& row : rows) width = std::max(width, row.second(summary).size());
    widths.push_back(width);
  }
  std::ostringstream out;
  out << fmt::format("{:<{}}", "", label_width);
  for (size_t s = 0; s < summaries.size(); ++s)
    out << fmt::format(" | {:>{}}", summaries[s].at("label").get<std::string>(), widths[s]);
  out << "\n" << std::string(label_width, '-');
  for (size_t width : widths) out << "-+-" << std::string(width, '-');
  out << "\n";
  for (const auto& row : rows) {
    out << fmt::format("{:<{}}", row.first, label_width);
    for (size_t s = 0; s < summaries.size(); ++s)
      out << fmt::format(" | {:>{}}", row.second(summaries[s]), widths[s]);
    out << "\n";
  }
  return out.str();
}

}  // namespace evergreen
