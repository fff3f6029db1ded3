#pragma once
// How a collector paces, retries and bounds its calls to a vendor: the options `kestrel collect`
// and `kestrel news collect` share, and the fetcher settings and timeouts they make.
#include <chrono>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "adapters/fetcher.hpp"
#include "adapters/http_client.hpp"

namespace kestrel::app {

struct VendorCallOptions {
  std::optional<double> calls_per_minute;  // none: the vendor's default
  int max_retries = 4;
  double initial_backoff_s = 2;
  double max_backoff_s = 60;
  double timeout_s = 60;
};

// Adds --calls-per-minute (described by `pacing_help`, which names the vendors' defaults),
// --max-retries, --initial-backoff, --max-backoff and --timeout.
void add_vendor_call_options(CLI::App& command, VendorCallOptions& options, const std::string& pacing_help);

// The retry schedule and pacing of a fetcher; the caller adds its secrets.
adapters::FetcherSettings fetcher_settings(const VendorCallOptions& options, double calls_per_minute);

// --timeout bounds the whole request (a server trickling bytes never trips a read timeout);
// connecting (at most 10 s) and each silence between reads get no longer than that either.
adapters::HttpTimeouts request_timeouts(const VendorCallOptions& options);

}  // namespace kestrel::app
