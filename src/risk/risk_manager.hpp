#pragma once
// The risk manager: one component that the backtest engine uses now and the trading node
// uses later, so the same limits hold in research and with real money.
//
// Pre-trade checks (every order that adds risk; orders that only reduce a position always
// pass): order size, position size, sector exposure, gross exposure, cash reserve, number
// of positions and minimum position size. Each denial carries its reason and is counted.
//
// Portfolio rules from the plan:
//  - daily loss >= 5% of the day's opening equity: no new risk for the rest of that day;
//  - 3 consecutive losing trades: new positions are sized at half until a winning trade;
//  - drawdown >= 15% from the equity peak: halt (no new risk) and alert, until resume();
//  - optional exposure steps below that (drawdown_steps): as the drawdown deepens past each
//    step the strategy's target weights are scaled down to the step's fraction, and restored
//    as the drawdown recovers above it (the plan's "auto-rebalancing on drawdowns");
//  - kill switch: halt, and tell the caller to cancel open orders and (optionally) flatten.
// Events (denials, halts, alerts) go to a sink the caller provides (log, alerting, report),
// stamped with the simulated or live date; nothing here reads the clock.
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "core/fixed_point.hpp"
#include "portfolio/portfolio.hpp"

namespace kestrel::risk {

struct RiskLimits {
  double max_order_fraction = 0.10;     // one order's value / equity
  double max_position_fraction = 0.10;  // one position's value after the order / equity
  double max_sector_fraction = 0.30;    // one sector's gross value after the order / equity
  double max_gross_exposure = 1.00;     // sum |position values| / equity
  double min_cash_fraction = 0.20;      // cash after a buy / equity
  int max_positions = 20;
  double min_position_value = 100;      // dollars; smaller new positions are refused
  double daily_loss_limit = 0.05;
  int losing_streak_length = 3;
  double losing_streak_size_factor = 0.5;
  double max_drawdown = 0.15;
  // (drawdown, exposure scale) steps, drawdowns ascending and scales not increasing: from
  // `drawdown` below the peak the target weights are multiplied by `scale`. Empty: off.
  std::vector<std::pair<double, double>> drawdown_steps{};
  bool flatten_on_kill = true;
  // The plan's first live weeks (presets below; 0 = off): dollars, not fractions, so that a
  // growing account does not grow the risk with it.
  double max_capital = 0;          // gross value of all positions after the order
  double max_order_value = 0;      // one order's value
  double min_open_confidence = 0;  // an order that opens a position needs this model confidence
};

// Named limit sets for going live in stages ([risk] preset = "…"): "first_live" (capital cap
// $1,000, $100 a trade, 5 positions, 5% daily loss, confidence ≥ 0.8 to open), then "live_5k"
// and "live_10k". nullopt for an unknown name.
std::optional<RiskLimits> risk_preset(std::string_view name);
std::vector<std::string> risk_preset_names();

// A proposed order as the risk manager sees it: signed shares at a reference price (the
// last close in a backtest, the quote in live trading).
struct OrderIntent {
  portfolio::InstrumentId instrument = 0;
  core::Quantity shares = 0;  // + buy, - sell
  core::Price reference_price{};
  // The model's confidence in the trade (e.g. its probability of an up move), NaN when the
  // strategy gives none.
  double confidence = std::numeric_limits<double>::quiet_NaN();
};

enum class RiskEventKind {
  Denied, SizeReduced, DailyLossLimit, LosingStreak, StreakEnded, DrawdownHalt, KillSwitch, Resumed, ExposureScaled
};
std::string to_string(RiskEventKind kind);

struct RiskEvent {
  core::Date date;
  RiskEventKind kind = RiskEventKind::Denied;
  std::string rule;     // e.g. "max_position", "daily_loss"
  std::string message;  // for a person: what happened, with the numbers
};

struct RiskDecision {
  bool approved = false;
  core::Quantity shares = 0;  // what may be sent (the request, or halved during a losing streak)
  std::string rule;           // the rule that denied it, if denied
  std::string reason;
};

// What the caller must do after the kill switch.
struct KillSwitchActions {
  bool cancel_open_orders = true;
  bool flatten_positions = true;
};

class RiskManager {
 public:
  using EventSink = std::function<void(const RiskEvent&)>;

  // `sectors[i]` is the sector of instrument i (for the sector limit).
  RiskManager(RiskLimits limits, std::vector<std::string> sectors, EventSink sink = {});

  // Validates the limits (every problem at once).
  static core::Status validate(const RiskLimits& limits);

  // Call at the start of each session with the equity at the open, and after each mark
  // with the equity at the close: they drive the daily-loss and drawdown rules.
  void on_session_start(core::Date date, core::Money equity);
  void on_equity(core::Date date, core::Money equity);
  // Call when a round trip closes: drives the losing-streak rule.
  void on_trade_closed(core::Date date, core::Money pnl);

  RiskDecision check(core::Date date, const OrderIntent& order, const portfolio::Portfolio& portfolio);

  KillSwitchActions engage_kill_switch(core::Date date, const std::string& reason);
  // Lifts a drawdown halt or the kill switch (an operator's decision, never automatic).
  void resume(core::Date date, const std::string& reason);

  bool halted() const { return halted_; }
  bool new_risk_blocked_today() const { return daily_loss_hit_; }
  double size_factor() const { return losing_streak_ >= limits_.losing_streak_length ? limits_.losing_streak_size_factor : 1.0; }
  int losing_streak() const { return losing_streak_; }
  // The fraction of the strategy's target weights to hold now (drawdown_steps; 1: full).
  double exposure_scale() const { return exposure_scale_; }
  // Denials and rule triggers per rule name, for reports and /metrics.
  const std::map<std::string, std::int64_t>& counters() const { return counters_; }
  const RiskLimits& limits() const { return limits_; }

 private:
  double at_stake(double equity) const;  // equity, or the capital cap when lower
  RiskDecision deny(core::Date date, const std::string& rule, std::string reason);
  void emit(core::Date date, RiskEventKind kind, const std::string& rule, std::string message);

  RiskLimits limits_;
  std::vector<std::string> sectors_;
  EventSink sink_;
  core::Date session_{};
  double session_open_equity_ = 0;
  double peak_equity_ = 0;
  bool daily_loss_hit_ = false;
  bool halted_ = false;
  double exposure_scale_ = 1.0;
  int losing_streak_ = 0;
  std::map<std::string, std::int64_t> counters_;
};

}  // namespace kestrel::risk
