#include "adapters/collector.hpp"

#include <algorithm>
#include <cmath>

#include "core/progress.hpp"

namespace kestrel::adapters {
namespace {

using Status = TickerOutcome::Status;

// Vendors recompute adjusted closes for the whole history after each dividend or split; when
// the adjusted close of the last stored day changed, appending only new days would leave a
// jump in the adjustment factor.
bool adjustments_changed(const store::Bar& stored, const store::Bar& fetched) {
  const double scale = std::max(std::abs(stored.adj_close), 1e-9);
  return std::abs(stored.adj_close - fetched.adj_close) / scale > 1e-6;
}

void keep_after(store::BarFile& file, core::Date last) {
  std::erase_if(file.bars, [&](const store::Bar& b) { return b.date <= last; });
  std::erase_if(file.actions, [&](const store::CorporateAction& a) { return a.date <= last; });
}

}  // namespace

std::string_view to_string(TickerOutcome::Status status) {
  switch (status) {
    case Status::Updated: return "updated";
    case Status::UpToDate: return "up to date";
    case Status::Readjusted: return "re-adjusted";
    case Status::Failed: return "failed";
    case Status::NotRun: return "not run";
  }
  return "?";
}

std::size_t CollectReport::count(TickerOutcome::Status status) const {
  return static_cast<std::size_t>(std::count_if(
      tickers.begin(), tickers.end(), [&](const TickerOutcome& t) { return t.status == status; }));
}

Collector::Collector(store::MarketStore& store, DailyBarVendor& primary, DailyBarVendor* fallback,
                     CollectOptions options)
    : store_(store), primary_(primary), fallback_(fallback), options_(std::move(options)) {}

core::Result<CollectReport> Collector::run(const std::vector<std::string>& tickers) {
  CollectReport report;
  core::ProgressBar progress("collect", tickers.size(), options_.show_progress);
  bool stop_run = false;
  for (const std::string& ticker : tickers) {
    if (stop_run) {
      report.tickers.push_back({ticker, Status::NotRun, "", 0, std::nullopt,
                                "skipped: the vendor is throttling this run"});
      continue;
    }
    progress.set_status(ticker);
    auto outcome = collect_one(ticker, stop_run);
    if (!outcome) return std::unexpected(outcome.error());
    report.tickers.push_back(std::move(*outcome));
    progress.advance();
  }
  progress.finish();
  return report;
}

core::Result<TickerOutcome> Collector::collect_one(const std::string& ticker, bool& stop_run) {
  TickerOutcome out;
  out.ticker = ticker;
  auto last = store_.last_date(ticker);
  if (!last) return std::unexpected(last.error());
  out.last_date = *last;

  DailyRequest request{ticker, *last, options_.today};
  DailyBarVendor* vendor = &primary_;
  auto fetched = vendor->fetch_daily(request);
  if (!fetched && fallback_ != nullptr) {
    if (options_.log) {
      options_.log(fmt::format("{}: {}; trying {}", ticker, fetched.error().message, fallback_->name()));
    }
    vendor = fallback_;
    auto second = vendor->fetch_daily(request);
    if (second) {
      fetched = std::move(second);
    } else {
      fetched = std::unexpected(VendorError{
          second.error().kind,
          fmt::format("{}; fallback: {}", fetched.error().message, second.error().message)});
    }
  }
  if (!fetched) {
    out.status = Status::Failed;
    out.message = fetched.error().message;
    stop_run = fetched.error().kind == VendorError::Kind::Throttled;
    return out;
  }
  out.vendor = std::string(vendor->name());
  store::BarFile file = std::move(*fetched);
  file.ticker = ticker;

  if (*last) {
    const auto overlap = std::find_if(file.bars.begin(), file.bars.end(),
                                      [&](const store::Bar& b) { return b.date == **last; });
    bool readjust = false;
    if (overlap != file.bars.end()) {
      auto stored = store_.bars(ticker, **last, **last);
      if (!stored) return std::unexpected(stored.error());
      readjust = !stored->empty() && adjustments_changed(stored->front(), *overlap);
    }
    if (readjust) {
      // Rewrite the whole history with the vendor's new adjustment basis (upserts).
      auto full = vendor->fetch_daily({ticker, std::nullopt, options_.today});
      if (!full) {
        out.status = Status::Failed;
        out.message = fmt::format("adjusted closes changed since the last run, and refetching "
                                  "the full history failed: {}", full.error().message);
        stop_run = full.error().kind == VendorError::Kind::Throttled;
        return out;
      }
      file = std::move(*full);
      file.ticker = ticker;
      out.status = Status::Readjusted;
    } else {
      keep_after(file, **last);
    }
  }
  if (file.bars.empty() && file.actions.empty()) {
    out.status = Status::UpToDate;
    return out;
  }
  store::StoreWrite batch;
  batch.bar_files.push_back(std::move(file));
  auto written = store_.write(batch);
  if (!written) return std::unexpected(written.error());
  out.new_rows = written->bars_inserted;
  if (out.status != Status::Readjusted) out.status = Status::Updated;
  auto now_last = store_.last_date(ticker);
  if (!now_last) return std::unexpected(now_last.error());
  out.last_date = *now_last;
  return out;
}

}  // namespace kestrel::adapters
