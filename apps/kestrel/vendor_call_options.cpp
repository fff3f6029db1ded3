#include "vendor_call_options.hpp"

#include <algorithm>
#include <cstdint>

namespace kestrel::app {
namespace {

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

}  // namespace

void add_vendor_call_options(CLI::App& command, VendorCallOptions& options, const std::string& pacing_help) {
  command.add_option("--calls-per-minute", options.calls_per_minute, pacing_help)->check(CLI::PositiveNumber);
  command.add_option("--max-retries", options.max_retries, "Retries per call on 5xx, timeouts and throttle notices")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  command.add_option("--initial-backoff", options.initial_backoff_s, "Seconds before the first retry; doubles per retry")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command.add_option("--max-backoff", options.max_backoff_s, "Cap on the wait between retries (s)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command.add_option("--timeout", options.timeout_s,
                     "Deadline for each request, from connecting to the last byte of the reply (s); "
                     "connect timeout is at most 10 s")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

adapters::FetcherSettings fetcher_settings(const VendorCallOptions& options, double calls_per_minute) {
  adapters::FetcherSettings settings;
  settings.retry = {options.max_retries + 1, millis(options.initial_backoff_s), millis(options.max_backoff_s)};
  settings.calls_per_minute = calls_per_minute;
  return settings;
}

adapters::HttpTimeouts request_timeouts(const VendorCallOptions& options) {
  const auto deadline = millis(options.timeout_s);
  return {std::min(deadline, std::chrono::milliseconds(10'000)), deadline, deadline};
}

}  // namespace kestrel::app
