#include "risk/risk_manager.hpp"

#include <cmath>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

namespace kestrel::risk {

std::string to_string(RiskEventKind kind) {
  switch (kind) {
    case RiskEventKind::Denied: return "denied";
    case RiskEventKind::SizeReduced: return "size_reduced";
    case RiskEventKind::DailyLossLimit: return "daily_loss_limit";
    case RiskEventKind::LosingStreak: return "losing_streak";
    case RiskEventKind::StreakEnded: return "streak_ended";
    case RiskEventKind::DrawdownHalt: return "drawdown_halt";
    case RiskEventKind::KillSwitch: return "kill_switch";
    case RiskEventKind::Resumed: return "resumed";
  }
  return "?";
}

RiskManager::RiskManager(RiskLimits limits, std::vector<std::string> sectors, EventSink sink)
    : limits_(limits), sectors_(std::move(sectors)), sink_(std::move(sink)) {}

core::Status RiskManager::validate(const RiskLimits& l) {
  std::vector<std::string> problems;
  auto fraction = [&](const char* name, double v, double hi) {
    if (!(v > 0 && v <= hi)) problems.push_back(fmt::format("{} must be in (0, {}], got {}", name, hi, v));
  };
  fraction("max_order_fraction", l.max_order_fraction, 10);
  fraction("max_position_fraction", l.max_position_fraction, 10);
  fraction("max_sector_fraction", l.max_sector_fraction, 10);
  fraction("max_gross_exposure", l.max_gross_exposure, 10);
  fraction("daily_loss_limit", l.daily_loss_limit, 1);
  fraction("max_drawdown", l.max_drawdown, 1);
  fraction("losing_streak_size_factor", l.losing_streak_size_factor, 1);
  if (!(l.min_cash_fraction >= 0 && l.min_cash_fraction < 1)) problems.push_back(fmt::format("min_cash_fraction must be in [0, 1), got {}", l.min_cash_fraction));
  if (l.max_positions < 1) problems.push_back(fmt::format("max_positions must be >= 1, got {}", l.max_positions));
  if (l.min_position_value < 0) problems.push_back(fmt::format("min_position_value must be >= 0, got {}", l.min_position_value));
  if (l.losing_streak_length < 1) problems.push_back(fmt::format("losing_streak_length must be >= 1, got {}", l.losing_streak_length));
  if (!problems.empty()) return core::fail("risk limits: {}", fmt::join(problems, "; "));
  return {};
}

void RiskManager::emit(core::Date date, RiskEventKind kind, const std::string& rule, std::string message) {
  ++counters_[rule];
  if (sink_) sink_(RiskEvent{date, kind, rule, std::move(message)});
}

RiskDecision RiskManager::deny(core::Date date, const std::string& rule, std::string reason) {
  emit(date, RiskEventKind::Denied, rule, reason);
  return RiskDecision{false, 0, rule, std::move(reason)};
}

void RiskManager::on_session_start(core::Date date, core::Money equity) {
  session_ = date;
  session_open_equity_ = equity.to_double();
  daily_loss_hit_ = false;
  peak_equity_ = std::max(peak_equity_, session_open_equity_);
}

void RiskManager::on_equity(core::Date date, core::Money equity_money) {
  const double equity = equity_money.to_double();
  if (date != session_) on_session_start(date, equity_money);
  peak_equity_ = std::max(peak_equity_, equity);
  if (!daily_loss_hit_ && session_open_equity_ > 0 &&
      equity <= session_open_equity_ * (1 - limits_.daily_loss_limit)) {
    daily_loss_hit_ = true;
    emit(date, RiskEventKind::DailyLossLimit, "daily_loss",
         fmt::format("equity {:.2f} is {:.2f}% below the session open {:.2f}: no new risk until the next session",
                     equity, 100 * (1 - equity / session_open_equity_), session_open_equity_));
  }
  if (!halted_ && peak_equity_ > 0 && equity <= peak_equity_ * (1 - limits_.max_drawdown)) {
    halted_ = true;
    emit(date, RiskEventKind::DrawdownHalt, "max_drawdown",
         fmt::format("ALERT: drawdown {:.2f}% from the peak {:.2f} reached the {:.0f}% limit: trading halted until resumed",
                     100 * (1 - equity / peak_equity_), peak_equity_, 100 * limits_.max_drawdown));
  }
}

void RiskManager::on_trade_closed(core::Date date, core::Money pnl) {
  if (pnl.raw() < 0) {
    ++losing_streak_;
    if (losing_streak_ == limits_.losing_streak_length) {
      emit(date, RiskEventKind::LosingStreak, "losing_streak",
           fmt::format("{} losing trades in a row: new positions sized at {:.0f}% until a winner", losing_streak_,
                       100 * limits_.losing_streak_size_factor));
    }
  } else if (pnl.raw() > 0) {
    if (losing_streak_ >= limits_.losing_streak_length) {
      emit(date, RiskEventKind::StreakEnded, "losing_streak", "winning trade: full position size again");
    }
    losing_streak_ = 0;
  }
}

RiskDecision RiskManager::check(core::Date date, const OrderIntent& order, const portfolio::Portfolio& book) {
  if (order.shares == 0) return deny(date, "invalid", "order for zero shares");
  if (order.instrument >= book.num_instruments()) return deny(date, "invalid", fmt::format("unknown instrument {}", order.instrument));
  const core::Quantity held = book.position(order.instrument).quantity;
  const core::Quantity after = held + order.shares;
  // Orders that only shrink a position (towards zero, not through it) never add risk.
  const bool reduces = held != 0 && (held > 0) == (order.shares < 0) && std::llabs(after) <= std::llabs(held) &&
                       (after == 0 || (after > 0) == (held > 0));
  if (reduces) return RiskDecision{true, order.shares, "", ""};

  if (halted_) return deny(date, "halted", "trading is halted (drawdown limit or kill switch); only reducing orders pass");
  if (daily_loss_hit_) return deny(date, "daily_loss", "daily loss limit reached: no new risk today");

  // Equity and exposures from the book's marks.
  double positions_value = 0, gross = 0;
  std::map<std::string, double> sector_gross;
  int open_positions = 0;
  for (portfolio::InstrumentId id : book.held()) {
    const double v = book.position(id).market_value().to_double();
    positions_value += v;
    gross += std::abs(v);
    if (id < sectors_.size()) sector_gross[sectors_[id]] += std::abs(v);
    ++open_positions;
  }
  const double cash = book.cash().to_double();
  const double equity = cash + positions_value;
  if (!(equity > 0)) return deny(date, "equity", fmt::format("equity {:.2f} is not positive", equity));

  RiskDecision decision{true, order.shares, "", ""};
  const bool opens_new = held == 0;
  if (opens_new && size_factor() < 1) {
    const auto reduced = static_cast<core::Quantity>(std::trunc(static_cast<double>(order.shares) * size_factor()));
    if (reduced == 0) return deny(date, "losing_streak", "losing-streak sizing leaves less than one share");
    emit(date, RiskEventKind::SizeReduced, "losing_streak",
         fmt::format("{} shares reduced to {} during a losing streak", order.shares, reduced));
    decision.shares = reduced;
  }
  const double price = order.reference_price.to_double();
  const double order_value = std::abs(static_cast<double>(decision.shares) * price);
  const double position_after = std::abs(static_cast<double>(held + decision.shares) * price);
  const std::string sector = order.instrument < sectors_.size() ? sectors_[order.instrument] : "";
  const double position_before = std::abs(book.position(order.instrument).market_value().to_double());
  const double sector_after = sector_gross[sector] - position_before + position_after;
  const double gross_after = gross - position_before + position_after;
  const double cash_after = cash - static_cast<double>(decision.shares) * price;

  if (order_value > limits_.max_order_fraction * equity) {
    return deny(date, "max_order", fmt::format("order value {:.2f} exceeds {:.0f}% of equity {:.2f}", order_value,
                                               100 * limits_.max_order_fraction, equity));
  }
  if (position_after > limits_.max_position_fraction * equity) {
    return deny(date, "max_position", fmt::format("position would be {:.2f}, above {:.0f}% of equity {:.2f}",
                                                  position_after, 100 * limits_.max_position_fraction, equity));
  }
  if (!sector.empty() && sector_after > limits_.max_sector_fraction * equity) {
    return deny(date, "max_sector", fmt::format("{} exposure would be {:.2f}, above {:.0f}% of equity {:.2f}", sector,
                                                sector_after, 100 * limits_.max_sector_fraction, equity));
  }
  if (gross_after > limits_.max_gross_exposure * equity) {
    return deny(date, "max_gross", fmt::format("gross exposure would be {:.2f}, above {:.0f}% of equity {:.2f}",
                                               gross_after, 100 * limits_.max_gross_exposure, equity));
  }
  if (decision.shares > 0 && cash_after < limits_.min_cash_fraction * equity) {
    return deny(date, "cash_reserve", fmt::format("cash after the order {:.2f} would be below the {:.0f}% reserve ({:.2f})",
                                                  cash_after, 100 * limits_.min_cash_fraction,
                                                  limits_.min_cash_fraction * equity));
  }
  if (opens_new && open_positions >= limits_.max_positions) {
    return deny(date, "max_positions", fmt::format("already {} positions (limit {})", open_positions, limits_.max_positions));
  }
  if (position_after < limits_.min_position_value) {
    return deny(date, "min_position", fmt::format("position of {:.2f} is below the {:.2f} minimum", position_after,
                                                  limits_.min_position_value));
  }
  return decision;
}

KillSwitchActions RiskManager::engage_kill_switch(core::Date date, const std::string& reason) {
  halted_ = true;
  emit(date, RiskEventKind::KillSwitch, "kill_switch",
       fmt::format("ALERT: kill switch engaged ({}): cancelling open orders{}", reason,
                   limits_.flatten_on_kill ? " and flattening every position" : ""));
  return KillSwitchActions{true, limits_.flatten_on_kill};
}

void RiskManager::resume(core::Date date, const std::string& reason) {
  if (!halted_) return;
  halted_ = false;
  peak_equity_ = 0;  // the drawdown is measured afresh from here
  emit(date, RiskEventKind::Resumed, "resume", fmt::format("trading resumed: {}", reason));
}

}  // namespace kestrel::risk
