#pragma once
// `kestrel news collect`: asks a news vendor, query by query, for the windows of publication
// time the store has not covered yet, and stores each window's items together with the
// coverage they extend in one transaction. A failure or a spent quota keeps every window
// finished before it, and a rerun asks only for what is still missing.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/news_vendor.hpp"
#include "store/market_store.hpp"

namespace kestrel::adapters {

struct NewsCollectTarget {
  std::string ticker;
  std::string query;  // the vendor's search text; the ticker when empty
};

struct NewsCollectOptions {
  std::int64_t from = 0;  // [from, to) in UTC seconds, whole minutes
  std::int64_t to = 0;
  bool show_progress = true;
  LogSink log;  // retries, gaps; may be empty
};

struct NewsTargetOutcome {
  enum class Status {
    Collected,  // every missing window was asked for (items may be none)
    UpToDate,   // the store already covered [from, to)
    Failed,     // see message; windows finished before the failure are stored
    NotRun,     // the vendor stopped earlier in the run (quota, plan, throttling)
  };
  std::string ticker;
  std::string query;
  Status status = Status::NotRun;
  std::size_t requests = 0;
  std::int64_t items_added = 0;
  std::int64_t items_known = 0;
  std::optional<std::int64_t> covered_to = std::nullopt;  // the end of the stored coverage that holds `from`
  std::vector<std::string> gaps = {};  // what the vendor would not give
  std::string message = {};
};

std::string_view to_string(NewsTargetOutcome::Status status);

struct NewsCollectReport {
  std::vector<NewsTargetOutcome> targets;  // in the order requested
  std::size_t count(NewsTargetOutcome::Status status) const;
};

// The key a target's coverage is stored under: a changed query is a new search.
std::string news_coverage_key(const NewsCollectTarget& target);

class NewsCollector {
 public:
  NewsCollector(store::MarketStore& store, NewsVendor& vendor, NewsCollectOptions options);

  // Fails only when the store fails. A vendor that keeps throttling after its retries, says
  // its quota is spent, or refuses the key or the window (plan limits) is not asked again in
  // this run: the target it failed on is Failed, the rest NotRun.
  core::Result<NewsCollectReport> run(const std::vector<NewsCollectTarget>& targets);

 private:
  core::Result<NewsTargetOutcome> collect_one(const NewsCollectTarget& target);

  store::MarketStore& store_;
  NewsVendor& vendor_;
  NewsCollectOptions options_;
  std::string stopped_;  // why the vendor is not asked again; empty while it is
};

}  // namespace kestrel::adapters
