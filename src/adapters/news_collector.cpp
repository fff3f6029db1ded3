#include "adapters/news_collector.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "core/progress.hpp"

namespace kestrel::adapters {
namespace {

using Status = NewsTargetOutcome::Status;
using Span = std::pair<std::int64_t, std::int64_t>;

// [from, to) less the stored coverage (sorted, disjoint): the spans still to ask for.
std::vector<Span> missing_spans(std::int64_t from, std::int64_t to, const std::vector<store::NewsCoverage>& covered) {
  std::vector<Span> out;
  std::int64_t cursor = from;
  for (const store::NewsCoverage& c : covered) {
    if (c.covered_to <= cursor) continue;
    if (c.covered_from >= to) break;
    if (c.covered_from > cursor) out.emplace_back(cursor, c.covered_from);
    cursor = std::max(cursor, c.covered_to);
    if (cursor >= to) break;
  }
  if (cursor < to) out.emplace_back(cursor, to);
  return out;
}

// A vendor repeats items across pages (the minute or second a page was cut in): store each once.
void keep_first_of_each_id(std::vector<store::NewsItem>& items) {
  std::unordered_set<std::string> seen;
  std::erase_if(items, [&](const store::NewsItem& i) { return !seen.insert(i.id).second; });
}

}  // namespace

std::string_view to_string(NewsTargetOutcome::Status status) {
  switch (status) {
    case Status::Collected: return "collected";
    case Status::UpToDate: return "up to date";
    case Status::Failed: return "failed";
    case Status::NotRun: return "not run";
  }
  return "?";
}

std::size_t NewsCollectReport::count(NewsTargetOutcome::Status status) const {
  return static_cast<std::size_t>(
      std::count_if(targets.begin(), targets.end(), [&](const NewsTargetOutcome& t) { return t.status == status; }));
}

std::string news_coverage_key(const NewsCollectTarget& target) {
  return target.query.empty() || target.query == target.ticker ? target.ticker : target.ticker + "|" + target.query;
}

NewsCollector::NewsCollector(store::MarketStore& store, NewsVendor& vendor, NewsCollectOptions options)
    : store_(store), vendor_(vendor), options_(std::move(options)) {}

core::Result<NewsCollectReport> NewsCollector::run(const std::vector<NewsCollectTarget>& targets) {
  if (options_.to <= options_.from) return core::fail("news collect: the period is empty (to <= from)");
  NewsCollectReport report;
  core::ProgressBar progress("news", targets.size(), options_.show_progress);
  for (const NewsCollectTarget& target : targets) {
    if (!stopped_.empty()) {
      NewsTargetOutcome skipped{.ticker = target.ticker, .query = target.query, .message = "skipped: " + stopped_};
      report.targets.push_back(std::move(skipped));
      continue;
    }
    progress.set_status(target.ticker);
    auto outcome = collect_one(target);
    if (!outcome) return std::unexpected(outcome.error());
    report.targets.push_back(std::move(*outcome));
    progress.advance();
  }
  progress.finish();
  return report;
}

core::Result<NewsTargetOutcome> NewsCollector::collect_one(const NewsCollectTarget& target) {
  NewsTargetOutcome out{.ticker = target.ticker, .query = target.query.empty() ? target.ticker : target.query};
  const std::string vendor(vendor_.name());
  const std::string key = news_coverage_key(target);
  auto covered = store_.news_coverage(vendor, key);
  if (!covered) return std::unexpected(covered.error());
  auto covered_to = [&](const std::vector<store::NewsCoverage>& spans) -> std::optional<std::int64_t> {
    for (const auto& c : spans) {
      if (c.covered_from <= options_.from && options_.from < c.covered_to) return c.covered_to;
    }
    return std::nullopt;
  };
  const std::vector<Span> spans = missing_spans(options_.from, options_.to, *covered);
  out.status = spans.empty() ? Status::UpToDate : Status::Collected;
  const std::int64_t step = std::max<std::int64_t>(60, vendor_.window_seconds());
  for (const auto& [span_from, span_to] : spans) {
    for (std::int64_t cursor = span_from; cursor < span_to;) {
      const NewsWindowRequest request{target.ticker, out.query, cursor, std::min(span_to, cursor + step)};
      auto window = vendor_.fetch_window(request);
      if (!window) {
        const VendorError& e = window.error();
        switch (e.kind) {
          case VendorError::Kind::Throttled: stopped_ = vendor + " is throttling this run"; break;
          case VendorError::Kind::QuotaExhausted: stopped_ = vendor + "'s request quota is used up"; break;
          case VendorError::Kind::NotEntitled: stopped_ = vendor + " refused the key or the period (its plan)"; break;
          default: break;
        }
        if (!stopped_.empty() && options_.log) options_.log(fmt::format("{}; not asking {} again in this run", stopped_, vendor));
        out.status = Status::Failed;
        out.message = e.message;
        auto now = store_.news_coverage(vendor, key);
        if (!now) return std::unexpected(now.error());
        out.covered_to = covered_to(*now);
        return out;
      }
      out.requests += window->requests;
      if (window->complete_to <= cursor || window->complete_to > request.to) {
        out.status = Status::Failed;
        out.message = fmt::format("{} {}: the vendor client reported no progress in its window", vendor, target.ticker);
        return out;
      }
      for (std::string& gap : window->gaps) {
        if (options_.log) options_.log(gap);
        out.gaps.push_back(std::move(gap));
      }
      keep_first_of_each_id(window->items);
      auto written = store_.write_collected_news(window->items, vendor, key, {cursor, window->complete_to});
      if (!written) return std::unexpected(written.error());
      out.items_added += written->items_added;
      out.items_known += written->items_known;
      cursor = window->complete_to;
    }
  }
  auto now = store_.news_coverage(vendor, key);
  if (!now) return std::unexpected(now.error());
  out.covered_to = covered_to(*now);
  return out;
}

}  // namespace kestrel::adapters
