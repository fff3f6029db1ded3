#pragma once
// A writer of Prometheus' text exposition format (version 0.0.4): families of gauges,
// counters and histograms with HELP and TYPE lines, label values escaped, one sample per line.
// Kestrel's metrics are read from the journal at scrape time by a process that is not the node
// (kestrel serve), so a client library's registry of live counters would only be refilled on
// every scrape; this writer is the part of such a library that is needed here.
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kestrel::server {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // Each family once, before its samples. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*.
  void gauge(std::string_view name, std::string_view help, double value, const Labels& labels = {});
  void counter(std::string_view name, std::string_view help, double value, const Labels& labels = {});
  // A family with several labelled samples.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, double value, const Labels& labels = {});
  // Cumulative buckets at `bounds` (ascending) and +Inf, then _sum and _count.
  void histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                 std::span<const double> observations);

  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// "1.5", "NaN", "+Inf", "-Inf" as the format writes them.
std::string prometheus_number(double value);

}  // namespace kestrel::server
