#include "adapters/collector.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/ranges.h>

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
    : store_(store), primary_{&primary, {}}, fallback_{fallback, {}}, options_(std::move(options)) {}

bool Collector::any_vendor_left() const {
  return primary_.stopped.empty() || (fallback_.vendor != nullptr && fallback_.stopped.empty());
}

std::string Collector::stopped_summary() const {
  std::string out = primary_.stopped;
  if (fallback_.vendor != nullptr && !fallback_.stopped.empty()) {
    out += (out.empty() ? "" : "; ") + fallback_.stopped;
  }
  return out;
}

core::Result<CollectReport> Collector::run(const std::vector<std::string>& tickers) {
  CollectReport report;
  core::ProgressBar progress("collect", tickers.size(), options_.show_progress);
  for (const std::string& ticker : tickers) {
    if (!any_vendor_left()) {
      report.tickers.push_back({ticker, Status::NotRun, "", 0, std::nullopt, "skipped: " + stopped_summary()});
      continue;
    }
    progress.set_status(ticker);
    auto outcome = collect_one(ticker);
    if (!outcome) return std::unexpected(outcome.error());
    report.tickers.push_back(std::move(*outcome));
    progress.advance();
  }
  progress.finish();
  return report;
}

VendorResult<store::BarFile> Collector::fetch(VendorSlot& slot, const DailyRequest& request) {
  auto fetched = slot.vendor->fetch_daily(request);
  if (fetched) return fetched;
  const std::string name(slot.vendor->name());
  switch (fetched.error().kind) {
    case VendorError::Kind::Throttled: slot.stopped = name + " is throttling this run"; break;
    case VendorError::Kind::QuotaExhausted: slot.stopped = name + "'s request quota for today is used up"; break;
    case VendorError::Kind::NotEntitled: slot.stopped = name + " refused access for this run (the key's plan or the session)"; break;
    default: return fetched;
  }
  if (options_.log) {
    const bool other_left = &slot == &primary_ ? fallback_.vendor != nullptr && fallback_.stopped.empty()
                                               : primary_.stopped.empty();
    const DailyBarVendor* other = &slot == &primary_ ? fallback_.vendor : primary_.vendor;
    options_.log(fmt::format("{}; not asking {} again in this run{}", slot.stopped, name,
                             other_left ? fmt::format(" ({} carries on)", other->name()) : ""));
  }
  return fetched;
}

core::Result<TickerOutcome> Collector::collect_one(const std::string& ticker) {
  TickerOutcome out;
  out.ticker = ticker;
  auto last = store_.last_date(ticker);
  if (!last) return std::unexpected(last.error());
  out.last_date = *last;

  // Each vendor in turn until one delivers; every failure keeps its own vendor's words.
  DailyRequest request{ticker, *last, options_.today};
  VendorSlot* used = nullptr;
  std::optional<store::BarFile> fetched;
  std::vector<std::string> failures;
  for (VendorSlot* slot : {&primary_, &fallback_}) {
    if (slot->vendor == nullptr) continue;
    const bool is_fallback = slot == &fallback_;
    if (!slot->stopped.empty()) {
      failures.push_back(fmt::format("{}{} not asked: {}", is_fallback ? "fallback " : "", slot->vendor->name(),
                                     slot->stopped));
      continue;
    }
    if (is_fallback && !failures.empty() && options_.log) {
      options_.log(fmt::format("{}: {}; trying {}", ticker, failures.back(), slot->vendor->name()));
    }
    auto result = fetch(*slot, request);
    if (result) {
      fetched = std::move(*result);
      used = slot;
      break;
    }
    failures.push_back((is_fallback ? "fallback: " : "") + result.error().message);
  }
  if (!fetched) {
    out.status = Status::Failed;
    out.message = fmt::format("{}", fmt::join(failures, "; "));
    return out;
  }
  DailyBarVendor* vendor = used->vendor;
  out.vendor = std::string(vendor->name());
  store::BarFile file = std::move(*fetched);
  file.ticker = ticker;

  if (*last) {
    const auto overlap = std::find_if(file.bars.begin(), file.bars.end(),
                                      [&](const store::Bar& b) { return b.date == **last; });
    bool readjust = false;
    // Only a vendor's own adjusted closes can show a re-basing; unadjusted bars (adj_close =
    // close) are appended as they are.
    if (overlap != file.bars.end() && vendor->adjusted()) {
      auto stored = store_.bars(ticker, **last, **last);
      if (!stored) return std::unexpected(stored.error());
      readjust = !stored->empty() && adjustments_changed(stored->front(), *overlap);
    }
    if (readjust) {
      // Rewrite the whole history with the vendor's new adjustment basis (upserts).
      auto full = fetch(*used, {ticker, std::nullopt, options_.today});
      if (!full) {
        out.status = Status::Failed;
        out.message = fmt::format("{}: adjusted closes changed since the last run, and refetching "
                                  "the full history failed: {}", vendor->name(), full.error().message);
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
