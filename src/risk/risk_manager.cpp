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
    case RiskEventKind::ExposureScaled: return "exposure_scaled";
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
  if (!(l.max_capital >= 0)) problems.push_back(fmt::format("max_capital must be >= 0 (0: none), got {}", l.max_capital));
  if (!(l.max_order_value >= 0)) problems.push_back(fmt::format("max_order_value must be >= 0 (0: none), got {}", l.max_order_value));
  if (!(l.min_open_confidence >= 0 && l.min_open_confidence <= 1)) {
    problems.push_back(fmt::format("min_open_confidence must be in [0, 1], got {}", l.min_open_confidence));
  }
  if (l.losing_streak_length < 1) problems.push_back(fmt::format("losing_streak_length must be >= 1, got {}", l.losing_streak_length));
  for (std::size_t k = 0; k < l.drawdown_steps.size(); ++k) {
    const auto [from, scale] = l.drawdown_steps[k];
    if (!(from > 0 && from < 1)) problems.push_back(fmt::format("drawdown_steps[{}]: drawdown must be in (0, 1), got {}", k, from));
    if (!(scale >= 0 && scale < 1)) problems.push_back(fmt::format("drawdown_steps[{}]: scale must be in [0, 1), got {}", k, scale));
    if (k > 0 && !(from > l.drawdown_steps[k - 1].first)) {
      problems.push_back(fmt::format("drawdown_steps[{}]: drawdowns must increase ({} after {})", k, from, l.drawdown_steps[k - 1].first));
    }
    if (k > 0 && scale > l.drawdown_steps[k - 1].second) {
      problems.push_back(fmt::format("drawdown_steps[{}]: a deeper drawdown cannot hold more ({} after {})", k, scale,
                                     l.drawdown_steps[k - 1].second));
    }
  }
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

double RiskManager::at_stake(double equity) const {
  return limits_.max_capital > 0 ? std::min(equity, limits_.max_capital) : equity;
}

void RiskManager::on_equity(core::Date date, core::Money equity_money) {
  const double equity = equity_money.to_double();
  if (date != session_) on_session_start(date, equity_money);
  peak_equity_ = std::max(peak_equity_, equity);
  // Losses are measured against the capital at stake: with a capital cap, 5% of a $1,000
  // allocation is $50, however large the account.
  const double session_base = at_stake(session_open_equity_);
  if (!daily_loss_hit_ && session_base > 0 && session_open_equity_ - equity >= session_base * limits_.daily_loss_limit) {
    daily_loss_hit_ = true;
    emit(date, RiskEventKind::DailyLossLimit, "daily_loss",
         fmt::format("equity {:.2f} is {:.2f} below the session open {:.2f} ({:.2f}% of {:.2f} at stake): no new risk "
                     "until the next session",
                     equity, session_open_equity_ - equity, session_open_equity_,
                     100 * (session_open_equity_ - equity) / session_base, session_base));
  }
  const double peak_base = at_stake(peak_equity_);
  if (!limits_.drawdown_steps.empty() && peak_base > 0) {
    const double drawdown = (peak_equity_ - equity) / peak_base;
    double scale = 1.0;
    for (const auto& [from, step_scale] : limits_.drawdown_steps) {
      if (drawdown >= from) scale = step_scale;
    }
    if (scale != exposure_scale_) {
      emit(date, RiskEventKind::ExposureScaled, "drawdown_steps",
           fmt::format("drawdown {:.2f}% from the peak {:.2f}: exposure {} to {:.0f}% of the targets", 100 * drawdown,
                       peak_equity_, scale < exposure_scale_ ? "scaled down" : "restored", 100 * scale));
      exposure_scale_ = scale;
    }
  }
  if (!halted_ && peak_base > 0 && peak_equity_ - equity >= peak_base * limits_.max_drawdown) {
    halted_ = true;
    emit(date, RiskEventKind::DrawdownHalt, "max_drawdown",
         fmt::format("ALERT: drawdown {:.2f}% of {:.2f} at stake from the peak {:.2f} reached the {:.0f}% limit: trading "
                     "halted until resumed",
                     100 * (peak_equity_ - equity) / peak_base, peak_base, peak_equity_, 100 * limits_.max_drawdown));
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
  const double position_before = std::abs(book.position(order.instrument).market_value().to_double());
  // Dollar caps trim an order to fit rather than refuse it: "$100 a trade" means the trade is
  // made at $100. Nothing left after trimming is a denial.
  auto trim_to = [&](double max_value, const char* rule, const std::string& why) -> bool {
    const auto most = static_cast<core::Quantity>(std::floor(std::max(0.0, max_value) / price + 1e-9));
    if (std::llabs(decision.shares) <= most) return true;
    if (most == 0) return false;
    const core::Quantity trimmed = decision.shares > 0 ? most : -most;
    emit(date, RiskEventKind::SizeReduced, rule, fmt::format("{} shares trimmed to {}: {}", decision.shares, trimmed, why));
    decision.shares = trimmed;
    return true;
  };
  if (limits_.max_order_value > 0 &&
      !trim_to(limits_.max_order_value, "max_order_value", fmt::format("the {:.2f} per-trade limit", limits_.max_order_value))) {
    return deny(date, "max_order_value", fmt::format("one share at {:.2f} exceeds the {:.2f} per-trade limit", price,
                                                     limits_.max_order_value));
  }
  // The order grows the position (reductions returned above), so the room is the cap less
  // everything else and less what this position already holds.
  if (limits_.max_capital > 0 &&
      !trim_to(limits_.max_capital - gross, "max_capital", fmt::format("the {:.2f} capital cap", limits_.max_capital))) {
    return deny(date, "max_capital", fmt::format("positions are worth {:.2f}: no room under the {:.2f} capital cap for a share "
                                                 "at {:.2f}",
                                                 gross, limits_.max_capital, price));
  }
  const double order_value = std::abs(static_cast<double>(decision.shares) * price);
  const double position_after = std::abs(static_cast<double>(held + decision.shares) * price);
  const std::string sector = order.instrument < sectors_.size() ? sectors_[order.instrument] : "";
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
  if (opens_new && limits_.min_open_confidence > 0 && !(order.confidence >= limits_.min_open_confidence)) {
    return deny(date, "min_confidence",
                std::isnan(order.confidence)
                    ? fmt::format("opening a position needs a model confidence of at least {:.2f}; the order has none",
                                  limits_.min_open_confidence)
                    : fmt::format("model confidence {:.3f} is below the {:.2f} needed to open a position", order.confidence,
                                  limits_.min_open_confidence));
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

std::optional<RiskLimits> risk_preset(std::string_view name) {
  // Each stage keeps the plan's fractions and adds dollar caps that only a track record lifts.
  auto stage = [](double capital, double per_trade, int positions, double confidence) {
    RiskLimits l;
    l.max_capital = capital;
    l.max_order_value = per_trade;
    l.max_positions = positions;
    l.daily_loss_limit = 0.05;
    l.min_position_value = per_trade / 5;  // a $100 trade in a $37 stock buys $74
    l.min_open_confidence = confidence;
    // The dollar caps bind first; the fractions stay as a second line.
    l.max_order_fraction = 1.0;
    l.max_position_fraction = 1.0;
    return l;
  };
  if (name == "first_live") return stage(1'000, 100, 5, 0.8);
  if (name == "live_5k") return stage(5'000, 500, 8, 0.7);
  if (name == "live_10k") return stage(10'000, 1'000, 10, 0.6);
  return std::nullopt;
}

std::vector<std::string> risk_preset_names() { return {"first_live", "live_5k", "live_10k"}; }

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
