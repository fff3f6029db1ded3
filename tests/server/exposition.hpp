#pragma once
// A strict reader of Prometheus' text exposition format (0.0.4), for checking what /metrics
// serves: every line must be a HELP or TYPE comment or a sample; every sample must belong to a
// family whose TYPE came first (histograms through their _bucket/_sum/_count series); names and
// label names must be valid, label values properly quoted and escaped, values numbers.
#include <map>
#include <string>
#include <vector>

namespace kestrel::server::testing {

struct Exposition {
  std::map<std::string, std::string> types;   // family -> counter, gauge, histogram, …
  std::map<std::string, double> samples;      // "name{a=\"x\",b=\"y\"}" (labels as written) -> value
  std::vector<std::string> problems;          // "line N: …"; empty when the text is valid
};

Exposition parse_exposition(const std::string& text);

}  // namespace kestrel::server::testing
