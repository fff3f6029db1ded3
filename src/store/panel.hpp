#pragma once
// The research view of the store: a dense dates × tickers × fields array loaded from a
// snapshot file (see snapshot.hpp) by memory-mapping it. Missing bars are NaN.
//
// Layout: field-major, then ticker, then date, so one ticker's history of one field is a
// contiguous span (what time-series kernels want):
//   value(field, ticker, t) = data[(field * num_tickers + ticker) * num_dates + t]
//
// Point in time: research code that decides something "on day t" should read through
// as_of(t), whose accessors cannot return anything after t.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "store/records.hpp"

namespace kestrel::store {

enum class Field : std::uint8_t {
  Open,         // as traded
  High,         // as traded
  Low,          // as traded
  Close,        // as traded
  AdjClose,     // split- and dividend-adjusted close (total return)
  Volume,       // shares as reported (not split-adjusted)
  SplitFactor,  // product of split coefficients after this date: raw price / SplitFactor and
                // volume * SplitFactor are in today's shares
  Dividend,     // cash dividend with its ex-date on this day, else 0
};
inline constexpr std::size_t kFieldCount = 8;
std::string_view to_string(Field field);

class PanelView;

// One ticker's data as read from the store or from CSV files; input to Panel::build.
struct TickerSeries {
  std::string symbol;
  std::string sector;
  std::vector<Bar> bars;                 // ascending dates
  std::vector<CorporateAction> actions;  // ascending dates
};

class Panel {
 public:
  // Memory-maps a snapshot and verifies its checksum.
  static core::Result<Panel> load(const std::filesystem::path& snapshot);
  // An in-memory panel (no file): dates are the union of all tickers' dates; tickers keep
  // the given order. Used by tests, benchmarks on CSV folders, and the snapshot writer.
  static Panel build(const std::vector<TickerSeries>& series);

  std::size_t num_dates() const { return num_dates_; }
  std::size_t num_tickers() const { return tickers_.size(); }
  std::span<const core::Date> dates() const { return {dates_, num_dates_}; }
  const std::vector<std::string>& tickers() const { return tickers_; }
  const std::vector<std::string>& sectors() const { return sectors_; }
  std::optional<std::size_t> ticker_index(std::string_view symbol) const;
  // Index of exactly this date, if it is in the panel.
  std::optional<std::size_t> date_index(core::Date date) const;
  // Index of the last panel date <= date (none before the first date).
  std::optional<std::size_t> date_index_at_or_before(core::Date date) const;

  // The whole history of one field of one ticker (length num_dates()).
  std::span<const double> series(Field field, std::size_t ticker) const {
    return {values_ + (static_cast<std::size_t>(field) * num_tickers() + ticker) * stride_, num_dates_};
  }
  double value(Field field, std::size_t ticker, std::size_t t) const { return series(field, ticker)[t]; }
  bool has_bar(std::size_t ticker, std::size_t t) const { return !std::isnan(value(Field::Close, ticker, t)); }

  // Split- and dividend-adjusted open/high/low/close (price × adj_close / close) and
  // split-adjusted volume; other fields are returned as stored.
  double adjusted(Field field, std::size_t ticker, std::size_t t) const;

  // A view that can only see dates <= t.
  PanelView as_of(std::size_t t) const;
  // The same data from date index `first` on (no copy: it shares the storage). Every value on
  // those dates is unchanged; store/research_span.hpp says when research may start late.
  Panel from_date_index(std::size_t first) const;
  // Whether the panel is a whole array, not a later-starting view of one (snapshots are written
  // from whole arrays only).
  bool whole() const { return stride_ == num_dates_; }
  // The distance, in values, from one ticker's column of a field to the next ticker's: code that
  // walks series(field, 0).data() across tickers must step by this, not by num_dates().
  std::size_t column_stride() const { return stride_; }

  std::uint64_t store_data_version() const { return store_data_version_; }
  const std::string& store_id() const { return store_id_; }

 private:
  Panel() = default;
  std::shared_ptr<const void> mapping_;  // keeps the memory map alive; Panel copies share it
  std::size_t num_dates_ = 0;
  std::size_t stride_ = 0;  // dates per stored column: num_dates_ unless a view starts late
  const core::Date* dates_ = nullptr;
  const double* values_ = nullptr;
  std::vector<std::string> tickers_;
  std::vector<std::string> sectors_;
  std::uint64_t store_data_version_ = 0;
  std::string store_id_;
  std::vector<std::size_t> by_symbol_;  // ticker indices sorted by symbol, for ticker_index
  void index_tickers();
  friend class SnapshotAccess;
};

class PanelView {
 public:
  PanelView(const Panel& panel, std::size_t t) : panel_(&panel), t_(t) {}
  std::size_t today() const { return t_; }
  core::Date date() const { return panel_->dates()[t_]; }
  // Value `days_ago` panel dates before t (0 = t); NaN before the first date.
  double value(Field field, std::size_t ticker, std::size_t days_ago = 0) const;
  double adjusted(Field field, std::size_t ticker, std::size_t days_ago = 0) const;
  // The last `lookback` values ending at t (fewer near the start of the panel).
  std::span<const double> history(Field field, std::size_t ticker, std::size_t lookback) const;
  const Panel& panel() const { return *panel_; }

 private:
  const Panel* panel_;
  std::size_t t_;
};

}  // namespace kestrel::store
