#include "server/dashboard_snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "backtest/config.hpp"
#include "live/node_status.hpp"
#include "store/trading_calendar.hpp"

namespace kestrel::server {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
std::vector<T> newest_first(const std::vector<T>& rows, std::size_t count) {
  std::vector<T> out;
  for (auto it = rows.rbegin(); it != rows.rend() && out.size() < count; ++it) out.push_back(*it);
  return out;
}

// The benchmark series the run journaled (the config's benchmark), scaled to the first equity.
std::optional<ComparisonSeries> journaled_benchmark(const std::vector<store::JournalDay>& days,
                                                    const std::string& name, double initial_equity) {
  if (days.empty() || !(days.front().benchmark > 0)) return std::nullopt;
  ComparisonSeries series{.name = name, .values = {}};
  for (const auto& d : days) {
    series.values.push_back(d.benchmark > 0 ? initial_equity * d.benchmark / days.front().benchmark : kNaN);
  }
  return series;
}

// A ticker of the market data over the journaled sessions, scaled to the first equity.
std::optional<ComparisonSeries> market_benchmark(const store::Panel& panel, const std::string& ticker,
                                                 const std::vector<store::JournalDay>& days, double initial_equity) {
  const auto index = panel.ticker_index(ticker);
  if (!index || days.empty()) return std::nullopt;
  ComparisonSeries series{.name = ticker, .values = {}};
  double base = kNaN;
  for (const auto& d : days) {
    double value = kNaN;
    if (const auto t = panel.date_index(d.date)) value = panel.value(store::Field::AdjClose, *index, *t);
    if (std::isnan(base) && value > 0) base = value;
    series.values.push_back(value > 0 && base > 0 ? initial_equity * value / base : kNaN);
  }
  if (std::isnan(base)) return std::nullopt;
  return series;
}

// The newest session whose close has passed by `now_ns` (16:00 New York is 21:00 UTC in
// winter and 20:00 in summer; 21:30 UTC is after both).
std::optional<core::Date> last_closed_session(const store::TradingCalendar& calendar, std::int64_t now_ns) {
  const std::int64_t seconds = now_ns / 1'000'000'000;
  const auto today = core::Date::from_days(static_cast<std::int32_t>(seconds / 86'400));
  if (!calendar.covers(today)) return std::nullopt;
  const bool after_close = seconds % 86'400 >= (21 * 60 + 30) * 60;
  if (after_close) {
    if (auto is_session = calendar.is_session(today); is_session && *is_session) return today;
  }
  auto previous = calendar.previous_session(today);
  if (!previous) return std::nullopt;
  return *previous;
}

}  // namespace

namespace {

core::Result<DashboardSnapshot> read_consistent(store::Journal& journal, const SnapshotOptions& options) {
  DashboardSnapshot s;
  s.journal = journal.name();
  auto run = options.run_id.empty() ? journal.latest_run() : journal.run(options.run_id);
  if (!run) return std::unexpected(run.error());
  if (!*run) {
    return core::fail_as(core::ErrorKind::NotFound, "{}: no trading run in this journal{}", journal.name(),
                         options.run_id.empty() ? "" : " with id " + options.run_id);
  }
  s.run = **run;
  const std::string& id = s.run.run_id;
  const store::Panel* market = options.market;

  // The run's own config: its risk limits and execution client. Relative paths in it are not
  // followed, so the folder it was read from does not matter here.
  std::string benchmark_name = "benchmark";
  if (auto config = backtest::parse_backtest_config(s.run.config_text, "the run's config", ".")) {
    s.risk_enabled = config->risk.enabled;
    s.limits = config->risk.limits;
    s.health.execution = config->node.execution;
    if (!config->data.benchmark.empty()) benchmark_name = config->data.benchmark;
  } else {
    s.notes.push_back("the run's config could not be read, so its risk limits are not shown: " +
                      config.error().message);
  }

  // Account and equity curve.
  auto days = journal.days(id);
  if (!days) return std::unexpected(days.error());
  s.sessions = days->size();
  for (const auto& d : *days) {
    s.peak_equity = std::max(s.peak_equity, d.equity);
    s.dates.push_back(d.date);
    s.equity.push_back(d.equity);
    s.drawdowns.push_back(s.peak_equity > 0 ? d.equity / s.peak_equity - 1 : 0);
    s.max_drawdown = std::max(s.max_drawdown, -s.drawdowns.back());
  }
  if (!days->empty()) {
    s.today = days->back();
    s.initial_equity = days->front().equity;
    const double prior = days->size() >= 2 ? (*days)[days->size() - 2].equity : s.initial_equity;
    s.day_pnl = s.today->equity - prior;
    s.day_return = prior > 0 ? s.day_pnl / prior : 0;
    s.total_return = s.initial_equity > 0 ? s.today->equity / s.initial_equity - 1 : 0;
    s.drawdown = -s.drawdowns.back();
    if (auto b = journaled_benchmark(*days, benchmark_name, s.initial_equity)) s.benchmarks.push_back(std::move(*b));
  }
  if (market) {
    for (const auto& ticker : options.extra_benchmarks) {
      if (ticker == benchmark_name) continue;
      if (auto b = market_benchmark(*market, ticker, *days, s.initial_equity)) {
        s.benchmarks.push_back(std::move(*b));
      } else {
        s.notes.push_back(fmt::format("{}: not in the market data, so it is not on the equity chart", ticker));
      }
    }
  }

  // Positions on the last session.
  if (s.today) {
    auto positions = journal.positions(id, s.today->date);
    if (!positions) return std::unexpected(positions.error());
    for (const auto& p : *positions) {
      DashboardPosition d{.ticker = p.ticker, .quantity = p.quantity, .entry_price = p.average_cost,
                          .price = p.last_price, .value = p.market_value, .pnl = p.unrealized,
                          .pnl_fraction = p.average_cost != 0 ? (p.last_price / p.average_cost - 1) * (p.quantity < 0 ? -1 : 1) : 0,
                          .stop = p.stop_level, .entry_date = p.entry_date, .sessions_held = 0, .sector = {}};
      d.sessions_held = std::count_if(s.dates.begin(), s.dates.end(), [&](core::Date x) { return x > p.entry_date; });
      if (market) {
        if (auto t = market->ticker_index(p.ticker)) d.sector = market->sectors()[*t];
      }
      s.positions.push_back(std::move(d));
    }
  }

  // Orders, fills, win/loss.
  auto orders = journal.orders(id);
  if (!orders) return std::unexpected(orders.error());
  auto events = journal.events(id);
  if (!events) return std::unexpected(events.error());
  auto states = live::order_states(*orders, *events);
  if (!states) return std::unexpected(states.error());
  s.orders_total = orders->size();
  std::vector<DashboardOrder> all_orders;
  for (const auto& state : *states) {
    const store::JournalOrder& o = *state.order;
    ++s.orders_by_status[state.status];
    if (state.open) ++s.open_orders;
    all_orders.push_back({.client_order_id = o.client_order_id, .ticker = o.ticker, .side = o.side, .type = o.type,
                          .status = state.status, .tag = o.tag, .origin = o.origin, .date = o.date,
                          .quantity = o.quantity, .filled = state.filled, .limit_price = o.limit_price,
                          .stop_price = o.stop_price});
  }
  s.recent_orders = newest_first(all_orders, options.recent);
  std::vector<store::JournalEvent> fills;
  for (const auto& e : *events) {
    if (e.kind == "fill") {
      fills.push_back(e);
      s.commissions += e.commission;
    } else if (e.kind == "rejected") {
      ++s.rejections;
    }
  }
  s.fills_total = fills.size();
  s.recent_fills = newest_first(fills, options.recent);
  RoundTrips trips = round_trips(*events);
  s.closed_trades = std::move(trips.closed);
  s.wins = trips.wins;
  s.losses = trips.losses;
  s.realised_pnl = trips.realised;

  // Risk events and state.
  auto decisions = journal.decisions(id);
  if (!decisions) return std::unexpected(decisions.error());
  for (const auto& d : *decisions) {
    if (d.kind == "targets") continue;
    ++s.events_by_kind[d.kind];
    s.events.push_back(d);
  }
  s.recent_events = newest_first(s.events, options.recent);
  const live::HaltState halt = live::halt_state(*decisions);
  s.halted = halt.halted;
  s.halt_reason = halt.reason;
  auto pending = journal.pending_controls(id);
  if (!pending) return std::unexpected(pending.error());
  s.pending_controls = pending->size();

  if (s.today && s.today->equity > 0) {
    const double equity = s.today->equity;
    std::map<std::string, double> sectors;
    for (const auto& p : s.positions) {
      const double fraction = std::abs(p.value) / equity;
      if (fraction > s.usage.largest_position_fraction) {
        s.usage.largest_position_fraction = fraction;
        s.usage.largest_position = p.ticker;
      }
      if (!p.sector.empty()) sectors[p.sector] += fraction;
    }
    for (const auto& [sector, fraction] : sectors) {
      if (fraction > s.usage.largest_sector_fraction) {
        s.usage.largest_sector_fraction = fraction;
        s.usage.largest_sector = sector;
      }
    }
    s.usage.cash_fraction = s.today->cash / equity;
    s.usage.gross_exposure = s.today->gross_exposure;
    s.usage.day_loss_fraction = std::max(0.0, -s.day_return);
    s.usage.drawdown = s.drawdown;
  }

  // Predictions against what happened.
  auto predictions = journal.predictions(id);
  if (!predictions) return std::unexpected(predictions.error());
  if (market) {
    s.models = prediction_outcomes(*predictions, *market);
  } else if (!predictions->empty()) {
    s.notes.push_back("predictions vs what happened, sectors and data freshness need the run's market data: "
                      "start the server with --config (or --data)");
  }

  // Health.
  auto starts = journal.starts(id);
  if (!starts) return std::unexpected(starts.error());
  s.health.starts = starts->size();
  s.health.restarts = static_cast<std::size_t>(
      std::count_if(starts->begin(), starts->end(), [](const store::JournalStart& x) { return x.note == "restart"; }));
  if (!starts->empty()) s.health.last_start = starts->back().started_at;
  if (s.today) s.health.last_session = s.today->date;
  // Last: a journal from before the cycles table (schema v1) has none, one from before the
  // broker_link table (v2) has no stream state, and on PostgreSQL a failed query ends the read
  // transaction.
  if (auto cycles = journal.cycles(id)) {
    for (const auto& c : *cycles) {
      ++s.health.cycles;
      if (c.result != "ok") ++s.health.failed_cycles;
      s.health.cycle_seconds.push_back(c.duration_ms / 1000);
      s.health.broker_requests += c.broker_requests;
      s.health.broker_errors += c.broker_errors;
      s.health.broker_seconds += c.broker_seconds;
    }
    if (!cycles->empty()) s.health.last_cycle = cycles->back();
    if (auto links = journal.broker_links(id)) {
      for (const auto& l : *links) s.health.stream_disconnects += l.state == "disconnected" ? 1 : 0;
      if (!links->empty()) s.health.broker_link = links->back();
    }
  } else {
    s.notes.push_back("this journal was written by an older kestrel: no cycle timings");
  }
  if (market && market->num_dates() > 0) {
    s.health.data_last_date = market->dates().back();
    if (s.run.mode != "replay") {
      auto calendar = store::TradingCalendar::nyse();
      if (!calendar) return std::unexpected(calendar.error());
      s.health.expected_date = last_closed_session(*calendar, options.now_ns);
      if (s.health.expected_date && *s.health.data_last_date < *s.health.expected_date) {
        auto lag = calendar->session_count(*s.health.data_last_date + 1, *s.health.expected_date);
        if (lag) s.health.data_lag_sessions = *lag;
        s.health.data_stale = s.health.data_lag_sessions > 0;
      }
    }
  }
  return s;
}

}  // namespace

core::Result<DashboardSnapshot> read_snapshot(store::Journal& journal, const SnapshotOptions& options) {
  // One read transaction: a node committing meanwhile cannot leave an event here whose order
  // was read before it existed.
  if (auto s = journal.begin_read(); !s) return std::unexpected(s.error());
  auto snapshot = read_consistent(journal, options);
  journal.end_read();
  return snapshot;
}

}  // namespace kestrel::server
