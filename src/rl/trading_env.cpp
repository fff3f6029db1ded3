#include "rl/trading_env.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>

namespace kestrel::rl {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The kernel's prices are fixed point: stop levels and fills are rounded as they are there.
double round_price(double value) { return core::Price::round(value).to_double(); }

// portfolio::Position::average_cost of `shares` that cost `cost` in core::Money units.
double average_cost(std::int64_t cost, double shares) {
  return core::Price::from_raw(cost / static_cast<std::int64_t>(shares)).to_double();
}

}  // namespace

TradingEnv::TradingEnv(const store::Panel& panel, std::vector<std::size_t> universe, const ObservationFeatures& features,
                       TradingEnvConfig config, ScaledFeatureRows rows)
    : panel_(&panel),
      universe_(std::move(universe)),
      features_(&features),
      rows_(std::move(rows)),
      config_(std::move(config)) {
  const std::size_t dates = panel.num_dates();
  const std::size_t n = universe_.size();
  assert(features_->values.size() == dates * n * features_->count);
  assert(rows_.rows == nullptr || (rows_.rows->tickers == n && rows_.scaling.mean.size() == rows_.rows->count));
  assert(config_.last_day < dates && config_.first_day < config_.last_day);
  if (config_.rules.attach_stop) throw std::invalid_argument("TradingEnv: rules.attach_stop is not modelled");
  if (!config_.limits.drawdown_steps.empty()) throw std::invalid_argument("TradingEnv: limits.drawdown_steps are not modelled");
  std::map<std::string, int> sector_ids;
  for (std::size_t id : universe_) {
    const std::string name = panel.sectors().empty() ? "" : panel.sectors()[id];
    if (name.empty()) {
      sector_.push_back(-1);
      continue;
    }
    auto [it, added] = sector_ids.emplace(name, static_cast<int>(sector_ids.size()));
    sector_.push_back(it->second);
  }
  sectors_ = sector_ids.size();
  open_.assign(dates * n, kNaN);
  low_.assign(dates * n, kNaN);
  close_.assign(dates * n, kNaN);
  factor_.assign(dates * n, kNaN);
  last_close_.assign(dates * n, kNaN);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t id = universe_[k];
    double last = kNaN;
    for (std::size_t t = 0; t < dates; ++t) {
      if (panel.has_bar(id, t)) {
        const double raw_close = panel.value(store::Field::Close, id, t);
        factor_[t * n + k] = panel.value(store::Field::AdjClose, id, t) / raw_close;
        open_[t * n + k] = panel.adjusted(store::Field::Open, id, t);
        low_[t * n + k] = panel.adjusted(store::Field::Low, id, t);
        close_[t * n + k] = panel.adjusted(store::Field::Close, id, t);
        last = close_[t * n + k];
      }
      last_close_[t * n + k] = last;
    }
  }
  episodes_.resize(config_.episodes);
  holdings_.resize(config_.episodes * n);
}

ActionSpace TradingEnv::action_space() const {
  return config_.control == Control::Sizing ? ActionSpace::box(1, 0.0f, 1.0f) : ActionSpace::discrete(3);
}

void TradingEnv::start_episode(std::size_t e, std::size_t start) {
  Episode& ep = episodes_[e];
  ep = Episode{};
  ep.start = start;
  ep.cash = config_.initial_cash;
  ep.summary.day = start;
  ep.summary.equity = config_.initial_cash;
  ep.summary.peak = config_.initial_cash;
  std::fill_n(holdings_.begin() + static_cast<std::ptrdiff_t>(e * universe_.size()), universe_.size(), Holding{});
}

// A start day from which a whole episode fits before last_day (first_day when none does).
std::size_t TradingEnv::random_start() {
  const std::size_t latest = config_.last_day > config_.episode_days ? config_.last_day - config_.episode_days : 0;
  const std::size_t span = std::max(config_.first_day, latest) - config_.first_day + 1;
  return config_.first_day + rng_.below(span);
}

void TradingEnv::reset(std::uint64_t seed, std::span<float> observations) {
  rng_ = core::Rng(seed);
  for (std::size_t e = 0; e < episodes_.size(); ++e) {
    start_episode(e, random_start());
    observe(e, observations);
  }
}

void TradingEnv::reset_at(std::size_t start, std::span<float> observations) {
  for (std::size_t e = 0; e < episodes_.size(); ++e) {
    start_episode(e, start);
    observe(e, observations);
  }
}

void TradingEnv::observe(std::size_t e, std::span<float> observations) const {
  const std::size_t n = universe_.size();
  const std::size_t width = observation_size();
  const Episode& ep = episodes_[e];
  const std::size_t t = ep.summary.day;
  const double equity = ep.summary.equity;
  double exposure = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const Holding& h = holdings_[e * n + k];
    if (h.shares != 0) exposure += h.shares * last_close_[t * n + k];
  }
  const float cash_share = static_cast<float>(ep.cash / equity);
  const float drawdown = static_cast<float>(1 - equity / ep.summary.peak);
  const float exposure_share = static_cast<float>(exposure / equity);
  const std::size_t columns = features_->count;
  const float* feature_row = features_->values.data() + t * n * columns;
  float* out = observations.data() + e * n * width;
  for (std::size_t k = 0; k < n; ++k, out += width, feature_row += columns) {
    std::copy_n(feature_row, columns, out);
    if (rows_.rows != nullptr) normalised_row(*rows_.rows, rows_.scaling, t, k, {out + columns, rows_.count()});
    const Holding& h = holdings_[e * n + k];
    float* state = out + columns + rows_.count();
    if (h.shares != 0) {
      const double price = last_close_[t * n + k];
      state[0] = static_cast<float>(h.shares * price / equity);
      state[1] = static_cast<float>(price / h.entry - 1);
      state[2] = static_cast<float>(h.days_held) / 20.0f;
    } else {
      state[0] = state[1] = state[2] = 0;
    }
    state[3] = cash_share;
    state[4] = drawdown;
    state[5] = exposure_share;
  }
}

// The kernel's trade rules at the decision day's close (TradingKernel::apply_rules), for every
// position with a bar that day: the time stop (time_exit[k] = 1: sell all at the next open), or
// else the protective stop's level for the next session, tightened only.
void TradingEnv::apply_rules(std::size_t e, std::vector<std::uint8_t>& time_exit) {
  const trading::TradeRules& r = config_.rules;
  const std::size_t n = universe_.size();
  Episode& ep = episodes_[e];
  const std::size_t t = ep.summary.day;
  Holding* holding = holdings_.data() + e * n;
  for (std::size_t k = 0; k < n; ++k) {
    time_exit[k] = 0;
    Holding& h = holding[k];
    const double price = close(t, k);
    if (h.shares == 0 || std::isnan(price)) continue;  // stale: whatever stop is working stays
    if (r.time_stop_days > 0 && t - h.entry_day >= r.time_stop_days && price <= h.entry) {
      time_exit[k] = 1;
      h.stop = 0;
      h.protected_shares = 0;
      h.placed = ++ep.protective_orders;
      continue;
    }
    double level = r.stop_loss > 0 ? h.entry * (1 - r.stop_loss) : kNaN;
    if (r.breakeven_after > 0 && h.best_close >= h.entry * (1 + r.breakeven_after)) h.trailing = true;
    if (h.trailing) {
      const double trail = std::max(h.entry, h.best_close * (1 - r.trail));
      level = std::isnan(level) ? trail : std::max(level, trail);
    }
    if (std::isnan(level)) continue;
    const double stop = std::max(round_price(level), h.stop);
    if (h.protected_shares > 0 && stop == h.stop && h.protected_shares == h.shares) continue;  // working as it is
    h.stop = stop;
    h.protected_shares = h.shares;
    h.placed = ++ep.protective_orders;  // a new order (the kernel cancels and replaces)
  }
}

// Target weights of episode e for its decision day; keep[k] = 1 leaves ticker k as it is.
void TradingEnv::target_weights(std::size_t e, std::span<const float> actions, std::vector<double>& weights,
                                std::vector<std::uint8_t>& keep) const {
  const std::size_t n = universe_.size();
  const Episode& ep = episodes_[e];
  const std::size_t t = ep.summary.day;
  const risk::RiskLimits& limits = config_.limits;
  const double equity = ep.summary.equity;
  const double entry_weight =
      std::min(limits.max_position_fraction,
               config_.rules.max_positions > 0 ? 1.0 / static_cast<double>(config_.rules.max_positions) : 1.0);
  std::size_t positive = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const Holding& h = holdings_[e * n + k];
    const double price = close(t, k);
    const double current = h.shares != 0 ? h.shares * last_close_[t * n + k] / equity : 0.0;
    const float a = actions[e * n + k];
    double w = 0;
    keep[k] = 0;
    if (config_.control == Control::Sizing) {
      w = std::clamp(static_cast<double>(a), 0.0, 1.0) * limits.max_position_fraction;
    } else if (a < 0.5f) {
      w = 0;
    } else if (a < 1.5f || h.shares != 0) {
      w = current;
      keep[k] = 1;
    } else {
      w = entry_weight;
    }
    if (std::isnan(price)) {  // no bar today: cannot be priced, left as it is
      w = current;
      keep[k] = 1;
    }
    if (ep.no_buys && w > current) {
      w = current;
      keep[k] = 1;
    }
    weights[k] = w;
    positive += w > 0;
  }
  // The largest max_positions weights (ties: the lower index).
  const std::size_t max = config_.rules.max_positions;
  if (max > 0 && positive > max) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return weights[a] > weights[b]; });
    for (std::size_t r = max; r < n; ++r) {
      weights[order[r]] = 0;
      keep[order[r]] = 0;
    }
  }
  auto scale = [&](auto&& in_group, double cap) {
    double sum = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (in_group(k)) sum += weights[k];
    }
    if (sum <= cap || sum <= 0) return;
    const double f = cap / sum;
    for (std::size_t k = 0; k < n; ++k) {
      if (in_group(k) && weights[k] > 0) {
        weights[k] *= f;
        keep[k] = 0;
      }
    }
  };
  for (std::size_t s = 0; s < sectors_; ++s) {
    scale([&](std::size_t k) { return sector_[k] == static_cast<int>(s); }, limits.max_sector_fraction);
  }
  scale([](std::size_t) { return true; }, std::min(limits.max_gross_exposure, 1 - limits.min_cash_fraction));
}

void TradingEnv::fill(std::size_t e, std::size_t k, std::size_t next, double delta, double base, StepFlows& flows) {
  const std::size_t n = universe_.size();
  Episode& ep = episodes_[e];
  const execution::Side side = delta > 0 ? execution::Side::Buy : execution::Side::Sell;
  const double shares = std::fabs(delta);
  const double slip = sim::slippage_fraction(config_.slippage, *panel_, static_cast<strategy::InstrumentId>(universe_[k]),
                                             next, shares);
  const double fill_price = round_price(delta > 0 ? base * (1 + slip) : base * (1 - slip));
  const double value = shares * fill_price;
  const auto fee_value = core::Money::from_double(value);
  const double fee = fee_value
                         ? sim::commission(config_.commission, side, shares * factor_[next * n + k], *fee_value).to_double()
                         : 0.0;
  const double cash_change = delta > 0 ? -(value + fee) : value - fee;
  ep.cash += cash_change;
  flows.cash[k] += cash_change;
  flows.traded[k] += value;
  ep.summary.traded += value;
  ep.summary.costs += fee + shares * base * slip;
  ++ep.summary.fills;
  Holding& h = holdings_[e * n + k];
  const std::int64_t price_units = core::Price::round(fill_price).raw();
  if (delta > 0) {
    if (h.shares == 0) {
      h = Holding{};
      h.best_close = fill_price;
      h.entry_day = next;
    }
    h.cost += price_units * static_cast<std::int64_t>(shares);
    h.shares += shares;
    h.entry = average_cost(h.cost, h.shares);
    h.realized -= fee;
    return;
  }
  h.realized += (fill_price - h.entry) * shares - fee;
  h.cost -= std::llround(static_cast<double>(h.cost) * (shares / h.shares));
  h.shares -= shares;
  if (h.shares > 0) {
    h.entry = average_cost(h.cost, h.shares);
    return;
  }
  // The round trip closed: the risk manager's losing streak counts it.
  ++ep.summary.round_trips;
  ep.summary.winning_round_trips += fill_price > h.entry;
  if (h.realized < 0) {
    ++ep.losing_streak;
  } else if (h.realized > 0) {
    ep.losing_streak = 0;
  }
  h = Holding{};
}

void TradingEnv::size_orders(std::size_t e, const std::vector<double>& weights, const std::vector<std::uint8_t>& keep,
                             std::vector<std::uint8_t>& time_exit, std::vector<double>& orders) {
  const std::size_t n = universe_.size();
  const risk::RiskLimits& limits = config_.limits;
  Episode& ep = episodes_[e];
  Holding* holding = holdings_.data() + e * n;
  const std::size_t t = ep.summary.day;
  const double equity = ep.summary.equity;
  const bool streak = limits.losing_streak_length > 0 && ep.losing_streak >= limits.losing_streak_length;
  for (std::size_t k = 0; k < n; ++k) {
    orders[k] = 0;
    Holding& h = holding[k];
    const double price = close(t, k);
    if (keep[k] || std::isnan(price)) continue;
    double desired = std::trunc(weights[k] * equity / price);
    if (desired * price < limits.min_position_value) desired = 0;
    double delta = desired - h.shares;
    const bool resize = h.shares != 0 && desired != 0;
    if (delta == 0 || (resize && std::fabs(delta) * price < config_.min_trade_fraction * equity)) continue;
    if (delta < 0) {
      // A strategy exit first takes the position's protective orders off (the kernel's one
      // exit at a time); the rules place the stop again at the next close.
      h.stop = 0;
      h.protected_shares = 0;
      time_exit[k] = 0;
    } else if (h.shares == 0 && streak) {
      delta = std::trunc(delta * limits.losing_streak_size_factor);
      if (delta * price < limits.min_position_value) delta = 0;
    }
    orders[k] = delta;
  }
}

void TradingEnv::step(std::span<const float> actions, const StepBuffers& out) {
  const std::size_t n = universe_.size();
  std::vector<double> weights(n), orders(n), before(n);
  StepFlows flows{std::vector<double>(n), std::vector<double>(n)};
  std::vector<std::uint8_t> keep(n), time_exit(n);
  std::vector<std::size_t> protective;  // tickers with a protective order working next session
  for (std::size_t e = 0; e < episodes_.size(); ++e) {
    Episode& ep = episodes_[e];
    if (ep.ended) {
      for (std::size_t k = 0; k < n; ++k) out.rewards[e * n + k] = 0;
      continue;
    }
    Holding* holding = holdings_.data() + e * n;
    const std::size_t t = ep.summary.day;
    const std::size_t next = t + 1;
    const double equity = ep.summary.equity;
    apply_rules(e, time_exit);
    target_weights(e, actions, weights, keep);

    for (std::size_t k = 0; k < n; ++k) {
      flows.cash[k] = 0;
      flows.traded[k] = 0;
      before[k] = holding[k].shares != 0 ? holding[k].shares * last_close_[t * n + k] : 0.0;
    }
    size_orders(e, weights, keep, time_exit, orders);

    // The next open: the protective exits (older orders than the agent's, in the order they
    // were placed) first, then the agent's sells, which free the cash, then its buys.
    protective.clear();
    for (std::size_t k = 0; k < n; ++k) {
      if (holding[k].shares != 0 && (time_exit[k] || holding[k].protected_shares > 0)) protective.push_back(k);
    }
    std::sort(protective.begin(), protective.end(),
              [&](std::size_t a, std::size_t b) { return holding[a].placed < holding[b].placed; });
    for (std::size_t k : protective) {
      Holding& h = holding[k];
      const double price = open(next, k);
      if (std::isnan(price)) continue;
      if (time_exit[k]) {
        fill(e, k, next, -h.shares, price, flows);
      } else if (h.protected_shares > 0 && price <= h.stop) {
        const double shares = std::min(h.protected_shares, h.shares);
        h.protected_shares = 0;
        fill(e, k, next, -shares, price, flows);
      }
    }
    for (std::size_t k = 0; k < n; ++k) {
      if (orders[k] < 0 && !std::isnan(open(next, k))) fill(e, k, next, orders[k], open(next, k), flows);
    }
    for (std::size_t k = 0; k < n; ++k) {
      if (orders[k] <= 0 || std::isnan(open(next, k))) continue;
      const double price_guess = open(next, k) * 1.01;  // room for slippage and fees
      const double delta = std::min(orders[k], std::floor(ep.cash / price_guess));
      if (delta > 0) fill(e, k, next, delta, open(next, k), flows);
    }
    // During the session: a working stop the day's low reaches fills at the stop.
    for (std::size_t k : protective) {
      Holding& h = holding[k];
      if (h.shares == 0 || h.protected_shares == 0 || std::isnan(low(next, k)) || low(next, k) > h.stop) continue;
      const double shares = std::min(h.protected_shares, h.shares);
      h.protected_shares = 0;
      fill(e, k, next, -shares, h.stop, flows);
    }

    // Mark at the next close.
    double value_after = 0;
    for (std::size_t k = 0; k < n; ++k) {
      Holding& h = holding[k];
      if (h.shares == 0) continue;
      const double c = close(next, k);
      if (!std::isnan(c)) {
        h.best_close = std::max(h.best_close, c);
        ++h.days_held;
      }
      value_after += h.shares * last_close_[next * n + k];
    }
    const double new_equity = ep.cash + value_after;
    const double simple = new_equity / equity - 1;
    const double log_scale = simple != 0 ? std::log1p(simple) / simple : 1.0;
    const double old_drawdown = 1 - equity / ep.summary.peak;
    ep.summary.peak = std::max(ep.summary.peak, new_equity);
    const double drawdown = 1 - new_equity / ep.summary.peak;
    const double drawdown_share = config_.drawdown_penalty * std::max(0.0, drawdown - old_drawdown) / static_cast<double>(n);
    for (std::size_t k = 0; k < n; ++k) {
      const Holding& h = holding[k];
      const double after = h.shares != 0 ? h.shares * last_close_[next * n + k] : 0.0;
      const double pnl = after - before[k] + flows.cash[k];
      out.rewards[e * n + k] = static_cast<float>(pnl / equity * log_scale -
                                                  config_.turnover_penalty * flows.traded[k] / equity - drawdown_share);
    }
    ep.no_buys = config_.limits.daily_loss_limit > 0 && simple <= -config_.limits.daily_loss_limit;
    ep.summary.equity = new_equity;
    ep.summary.exposure = value_after / new_equity;
    ep.summary.day = next;

    const bool halted = config_.limits.max_drawdown > 0 && drawdown >= config_.limits.max_drawdown;
    const bool cut = !halted && (next >= config_.last_day || next - ep.start >= config_.episode_days);
    for (std::size_t k = 0; k < n; ++k) {
      out.terminated[e * n + k] = halted;
      out.truncated[e * n + k] = cut;
    }
    if ((halted || cut) && !config_.restart) {
      ep.ended = true;
    } else if (halted || cut) {
      observe(e, out.final_observations);
      start_episode(e, random_start());
    }
    observe(e, out.observations);
  }
}

}  // namespace kestrel::rl
