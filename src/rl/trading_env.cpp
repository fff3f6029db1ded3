#include "rl/trading_env.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <numeric>

namespace kestrel::rl {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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

bool TradingEnv::stopped_out(const Holding& h, double price) const {
  const trading::TradeRules& r = config_.rules;
  if (r.time_stop_days > 0 && h.days_held >= r.time_stop_days && price <= h.entry) return true;
  double level = r.stop_loss > 0 ? h.entry * (1 - r.stop_loss) : -1;
  if (r.breakeven_after > 0 && h.best_close >= h.entry * (1 + r.breakeven_after)) {
    level = std::max(level, std::max(h.entry, h.best_close * (1 - r.trail)));
  }
  return price <= level;
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
    } else if (h.shares != 0 && stopped_out(h, price)) {
      w = 0;
      keep[k] = 0;
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

void TradingEnv::step(std::span<const float> actions, const StepBuffers& out) {
  const std::size_t n = universe_.size();
  std::vector<double> weights(n), desired(n), flow(n), before(n), traded(n);
  std::vector<std::uint8_t> keep(n);
  std::vector<std::size_t> buys;
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
    target_weights(e, actions, weights, keep);

    // Orders from the targets, filled at the next open: sells first, they free the cash.
    buys.clear();
    for (std::size_t k = 0; k < n; ++k) {
      flow[k] = 0;
      traded[k] = 0;
      before[k] = holding[k].shares != 0 ? holding[k].shares * last_close_[t * n + k] : 0.0;
    }
    auto fill = [&](std::size_t k, double delta) {
      const double price = open(next, k);
      const execution::Side side = delta > 0 ? execution::Side::Buy : execution::Side::Sell;
      const double shares = std::fabs(delta);
      const double slip = sim::slippage_fraction(config_.slippage, *panel_, static_cast<strategy::InstrumentId>(universe_[k]),
                                                 next, shares);
      const double fill_price = delta > 0 ? price * (1 + slip) : price * (1 - slip);
      const double value = shares * fill_price;
      const auto fee_value = core::Money::from_double(value);
      const double fee = fee_value
                             ? sim::commission(config_.commission, side, shares * factor_[next * n + k], *fee_value).to_double()
                             : 0.0;
      const double cash_change = delta > 0 ? -(value + fee) : value - fee;
      ep.cash += cash_change;
      flow[k] += cash_change;
      traded[k] += value;
      ep.summary.traded += value;
      ep.summary.costs += fee + shares * price * slip;
      ++ep.summary.fills;
      Holding& h = holding[k];
      if (delta > 0) {
        h.entry = h.shares > 0 ? (h.entry * h.shares + fill_price * shares) / (h.shares + shares) : fill_price;
        if (h.shares == 0) {
          h.best_close = fill_price;
          h.days_held = 0;
        }
        h.shares += shares;
      } else {
        h.shares -= shares;
        if (h.shares <= 0) {
          ++ep.summary.round_trips;
          ep.summary.winning_round_trips += fill_price > h.entry;
          h = Holding{};
        }
      }
    };
    for (std::size_t k = 0; k < n; ++k) {
      if (keep[k]) continue;
      const double price = close(t, k);
      if (std::isnan(price) || std::isnan(open(next, k))) continue;  // not priced today, or no bar to fill on
      desired[k] = std::trunc(weights[k] * equity / price);
      if (desired[k] * price < config_.limits.min_position_value && holding[k].shares == 0) desired[k] = 0;
      const double delta = desired[k] - holding[k].shares;
      const bool resize = holding[k].shares != 0 && desired[k] != 0;
      if (resize && std::fabs(delta) * price < config_.min_trade_fraction * equity) continue;
      if (delta < 0) {
        fill(k, delta);
      } else if (delta > 0) {
        buys.push_back(k);
      }
    }
    for (std::size_t k : buys) {
      double delta = desired[k] - holding[k].shares;
      const double price_guess = open(next, k) * 1.01;  // room for slippage and fees
      delta = std::min(delta, std::floor(ep.cash / price_guess));
      if (delta > 0) fill(k, delta);
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
      const double pnl = after - before[k] + flow[k];
      out.rewards[e * n + k] = static_cast<float>(pnl / equity * log_scale -
                                                  config_.turnover_penalty * traded[k] / equity - drawdown_share);
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
