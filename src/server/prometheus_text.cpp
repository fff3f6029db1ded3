#include "server/prometheus_text.hpp"

#include <cassert>
#include <cmath>

#include <fmt/format.h>

namespace kestrel::server {
namespace {

[[maybe_unused]] bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string escape_help(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_label(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

std::string prometheus_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);  // shortest text that reads back exactly
}

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  assert(valid_name(name));
  text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

void PrometheusText::sample(std::string_view name, double value, const Labels& labels) {
  assert(valid_name(name));
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      assert(valid_name(labels[i].first));
      text_ += fmt::format("{}{}=\"{}\"", i > 0 ? "," : "", labels[i].first, escape_label(labels[i].second));
    }
    text_ += '}';
  }
  text_ += ' ';
  text_ += prometheus_number(value);
  text_ += '\n';
}

void PrometheusText::gauge(std::string_view name, std::string_view help, double value, const Labels& labels) {
  family(name, "gauge", help);
  sample(name, value, labels);
}

void PrometheusText::counter(std::string_view name, std::string_view help, double value, const Labels& labels) {
  family(name, "counter", help);
  sample(name, value, labels);
}

void PrometheusText::histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                               std::span<const double> observations) {
  family(name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  double sum = 0;
  for (double x : observations) sum += x;
  for (double bound : bounds) {
    std::size_t count = 0;
    for (double x : observations) count += x <= bound ? 1 : 0;
    sample(bucket, static_cast<double>(count), {{"le", prometheus_number(bound)}});
  }
  sample(bucket, static_cast<double>(observations.size()), {{"le", "+Inf"}});
  sample(std::string(name) + "_sum", sum);
  sample(std::string(name) + "_count", static_cast<double>(observations.size()));
}

}  // namespace kestrel::server
