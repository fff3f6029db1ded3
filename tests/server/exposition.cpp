#include "exposition.hpp"

#include <cstdlib>
#include <limits>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace kestrel::server::testing {
namespace {

bool name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0)) return false;
  }
  return true;
}

bool parse_value(const std::string& text, double& value) {
  if (text == "NaN" || text == "+Inf" || text == "-Inf") {
    value = text == "NaN" ? std::numeric_limits<double>::quiet_NaN()
                          : (text[0] == '+' ? 1 : -1) * std::numeric_limits<double>::infinity();
    return true;
  }
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

// The family a sample name belongs to: itself, or a histogram's base name.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.contains(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.ends_with(s)) {
      const std::string base = name.substr(0, name.size() - s.size());
      if (auto it = types.find(base); it != types.end() && (it->second == "histogram" || it->second == "summary")) {
        return base;
      }
    }
  }
  return {};
}

}  // namespace

Exposition parse_exposition(const std::string& text) {
  Exposition out;
  std::set<std::string> helped;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  auto problem = [&](const std::string& what) { out.problems.push_back(fmt::format("line {}: {}: {}", number, what, line)); };
  if (!text.empty() && text.back() != '\n') out.problems.push_back("the text does not end with a newline");
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const bool is_type = line[2] == 'T';
      const auto rest = line.substr(7);
      const auto space = rest.find(' ');
      const std::string name = rest.substr(0, space);
      if (!valid_name(name)) problem("bad metric name");
      if (is_type) {
        const std::string type = space == std::string::npos ? "" : rest.substr(space + 1);
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped") {
          problem("unknown type");
        }
        if (out.types.contains(name)) problem("TYPE given twice");
        out.types[name] = type;
      } else {
        if (!helped.insert(name).second) problem("HELP given twice");
      }
      continue;
    }
    if (line.starts_with("#")) continue;  // a plain comment
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i], i == 0)) ++i;
    const std::string name = line.substr(0, i);
    if (!valid_name(name)) {
      problem("bad sample name");
      continue;
    }
    std::string labels;
    if (i < line.size() && line[i] == '{') {
      const std::size_t open = i++;
      bool good = true;
      while (good && i < line.size() && line[i] != '}') {
        const std::size_t start = i;
        while (i < line.size() && name_char(line[i], i == start)) ++i;
        if (i == start || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
          good = false;
          break;
        }
        i += 2;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            if (i + 1 >= line.size() || (line[i + 1] != '\\' && line[i + 1] != '"' && line[i + 1] != 'n')) good = false;
            ++i;
          }
          ++i;
        }
        if (i >= line.size()) good = false;
        ++i;  // the closing quote
        if (good && i < line.size() && line[i] == ',') ++i;
      }
      if (!good || i >= line.size()) {
        problem("bad labels");
        continue;
      }
      labels = line.substr(open, i + 1 - open);
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      problem("no value");
      continue;
    }
    double value = 0;
    if (!parse_value(line.substr(i + 1), value)) {
      problem("bad value");
      continue;
    }
    if (family_of(name, out.types).empty()) problem("a sample before its family's TYPE");
    const std::string key = name + labels;
    if (out.samples.contains(key)) problem("a sample given twice");
    out.samples[key] = value;
  }
  return out;
}

}  // namespace kestrel::server::testing
