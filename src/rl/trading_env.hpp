#pragma once
// The trading environment of the RL agents: many episodes over one universe stepped together,
// one step a trading day, one row per (episode, ticker). It applies the backtest's rules in
// batch form — the same configuration types, the same cost models (sim::slippage_fraction,
// sim::commission), the kernel's target → shares rule and the risk manager's limits — because
// stepping the event-driven kernel per ticker-day would bind training to ~10⁴ steps a second.
// TradingEnvParity tests hold it to the backtest engine (docs/rl.md says where it differs).
//
// A day: the agent decides at day t's close; orders fill at t+1's open with slippage and
// commission; the portfolio is marked at t+1's close.
//   Sizing (PPO, Box [0, 1] per row): target weight = action × max_position_fraction.
//   Timing (DQN, Discrete 3 per row): 0 exit / stay out, 1 hold as is, 2 enter (at weight
//     min(1 / max_positions, max_position_fraction)) / stay in.
// Then, as the kernel and the risk manager do: the largest max_positions weights are kept,
// each sector is scaled to max_sector_fraction, the total to 1 − min_cash_fraction; a day that
// lost daily_loss_limit allows no buys the next day; shares = trunc(w × equity / close_t), a
// position under min_position_value is closed or not opened; after losing_streak_length losing
// round trips in a row (fees included) a new position gets losing_streak_size_factor of its
// shares until a winner; a ticker without a bar is left as it is.
// Trade rules, as the kernel's (trading/kernel_rules.cpp): at each close a held position gets a
// protective stop order — stop_loss below its average entry price, once its best close is
// breakeven_after in profit the entry and then trail below the best close, never loosened — that
// works through the next session: it fills at the open if the open is at or below it, else at
// the stop if the day's low reaches it. A position not in profit time_stop_days sessions after
// its entry is sold at the next open instead. A sell of the agent's takes the stop off for
// that session (the kernel cancels a position's protective orders before a strategy exit; it
// is placed again at the next close); a buy leaves it working for the shares it protected.
// Not modelled: stops sent with the entry (rules.attach_stop) and the risk manager's
// drawdown_steps; the constructor throws std::invalid_argument for either.
//
// Reward of row (e, i) for the day: its P&L after its own costs, P_i, scaled so that the rows
// of an episode sum to the change in log equity,
//   r_i = P_i / E_t · ln(E_{t+1} / E_t) / ((E_{t+1} − E_t) / E_t)
//         − turnover_penalty · traded_i / E_t − drawdown_penalty · max(0, DD_{t+1} − DD_t) / N,
// DD the drawdown from the episode's peak equity. An episode ends (terminated) when its
// drawdown reaches max_drawdown — the risk manager's halt — and is cut (truncated) after
// episode_days or at the end of the dates.
//
// Observation of row (e, i) at day t: the caller's point-in-time columns of (t, i) (prices,
// market regime, out-of-fold model scores), then the ticker's feature row normalised with the
// scaling the caller fitted on training dates (feature_rows.hpp; none if not given), then the
// position (weight, unrealised return, days held / 20), then the portfolio (cash share,
// drawdown, exposure).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/rng.hpp"
#include "risk/risk_manager.hpp"
#include "rl/feature_rows.hpp"
#include "rl/vector_env.hpp"
#include "sim/cost_models.hpp"
#include "store/panel.hpp"
#include "trading/kernel_config.hpp"

namespace kestrel::rl {

enum class Control { Sizing, Timing };

struct TradingEnvConfig {
  Control control = Control::Sizing;
  std::size_t episodes = 8;        // stepped together
  std::size_t episode_days = 252;  // at most; an episode also ends at last_day
  std::size_t first_day = 0;       // panel date indices episodes may span (inclusive)
  std::size_t last_day = 0;
  double initial_cash = 100'000;
  sim::SlippageModel slippage;
  sim::CommissionModel commission;
  trading::TradeRules rules;
  risk::RiskLimits limits;
  double turnover_penalty = 0;
  double drawdown_penalty = 0;
  // A no-trade band: an order changing a position that is kept (not opened, not closed) by
  // less than this fraction of equity is not sent. 0 (the kernel's rule): every change trades,
  // so a daily re-target of fixed weights trades a little every day.
  double min_trade_fraction = 0;
  // Start a new episode in a row whose episode ended (training); false leaves it ended, its
  // state readable, for one evaluation path (step then does nothing more for it).
  bool restart = true;
};

// The caller's part of the observation: `count` floats per (date, ticker), date-major
// ([num_dates × tickers × count], the panel's dates), finite, point in time.
struct ObservationFeatures {
  std::size_t count = 0;
  std::vector<float> values;
};

// The feature rows to observe and their scaling for this use (e.g. one walk-forward fold).
struct ScaledFeatureRows {
  const FeatureRows* rows = nullptr;  // none: no feature rows in the observation
  RowScaling scaling = {};
  std::size_t count() const { return rows != nullptr ? rows->count : 0; }
};

class TradingEnv final : public VectorEnv {
 public:
  static constexpr std::size_t kStateFeatures = 6;

  // `universe`: the panel's ticker indices to trade. The environment reads `panel`, `features`
  // and `rows.rows` without copying them: they must outlive it.
  TradingEnv(const store::Panel& panel, std::vector<std::size_t> universe, const ObservationFeatures& features,
             TradingEnvConfig config, ScaledFeatureRows rows = {});
  TradingEnv(const store::Panel&, std::vector<std::size_t>, ObservationFeatures&&, TradingEnvConfig,
             ScaledFeatureRows = {}) = delete;  // a temporary would dangle

  std::size_t num_envs() const override { return config_.episodes * universe_.size(); }
  std::size_t observation_size() const override { return features_->count + rows_.count() + kStateFeatures; }
  ActionSpace action_space() const override;
  void reset(std::uint64_t seed, std::span<float> observations) override;
  void step(std::span<const float> actions, const StepBuffers& out) override;

  // Restarts every episode at day `start` (for evaluation: one path through the dates).
  void reset_at(std::size_t start, std::span<float> observations);

  // The state of episode e, for reports: its decision day, equity (marked at the last close),
  // and what it has paid and traded since it started.
  struct EpisodeState {
    std::size_t day = 0;
    double equity = 0;
    double peak = 0;
    double costs = 0;   // commissions + slippage, dollars
    double traded = 0;  // gross value traded, dollars
    double exposure = 0;  // positions' value / equity at the last mark
    std::size_t fills = 0;
    std::size_t round_trips = 0;  // positions opened and closed again
    std::size_t winning_round_trips = 0;  // closed above their average entry price
  };
  const EpisodeState& episode(std::size_t e) const { return episodes_[e].summary; }
  std::size_t tickers() const { return universe_.size(); }

 private:
  struct Episode {
    EpisodeState summary;
    std::size_t start = 0;
    double cash = 0;
    bool no_buys = false;  // yesterday hit the daily loss limit
    int losing_streak = 0;  // losing round trips in a row
    std::uint64_t protective_orders = 0;  // placed so far: their sequence numbers
    bool ended = false;    // only when config.restart is false
  };
  struct Holding {
    double shares = 0;
    double entry = 0;       // average adjusted price paid (fees apart), as the kernel's portfolio has it:
    std::int64_t cost = 0;  // the shares' cost in core::Money units, divided by the shares with truncation
    double best_close = 0;  // since entry
    double realized = 0;    // the round trip's P&L so far, fees deducted
    std::size_t entry_day = 0;  // panel date index of the opening fill
    std::size_t days_held = 0;  // closes seen since entry (observed by the agent)
    bool trailing = false;      // breakeven_after reached: the stop trails the best close
    double stop = 0;            // the protective stop's level; 0: none (nothing to tighten from)
    double protected_shares = 0;  // the shares the stop sells; 0: no stop working
    // When the working stop or time-stop exit was placed: the venue fills a session's orders in
    // that order, and the order in which round trips close moves the losing streak.
    std::uint64_t placed = 0;
  };

  void start_episode(std::size_t e, std::size_t start);
  std::size_t random_start();
  void observe(std::size_t e, std::span<float> observations) const;
  void apply_rules(std::size_t e, std::vector<std::uint8_t>& time_exit);
  void target_weights(std::size_t e, std::span<const float> actions, std::vector<double>& weights,
                      std::vector<std::uint8_t>& keep) const;
  // The agent's orders in shares for each ticker (0: none), sized at day t's close; a sell
  // first lifts the position's protective orders.
  void size_orders(std::size_t e, const std::vector<double>& weights, const std::vector<std::uint8_t>& keep,
                   std::vector<std::uint8_t>& time_exit, std::vector<double>& orders);
  // The cash a ticker's fills moved and the value they traded, this step.
  struct StepFlows {
    std::vector<double> cash, traded;
  };
  // One fill of `delta` shares of ticker k in session `next`, at `base` before slippage, in
  // episode e: cash, costs, the holding's average cost and, when a round trip closes, the
  // losing streak.
  void fill(std::size_t e, std::size_t k, std::size_t next, double delta, double base, StepFlows& flows);

  double open(std::size_t t, std::size_t k) const { return open_[t * universe_.size() + k]; }
  double close(std::size_t t, std::size_t k) const { return close_[t * universe_.size() + k]; }
  double low(std::size_t t, std::size_t k) const { return low_[t * universe_.size() + k]; }

  const store::Panel* panel_;
  std::vector<std::size_t> universe_;
  const ObservationFeatures* features_;
  ScaledFeatureRows rows_;
  TradingEnvConfig config_;
  std::vector<int> sector_;                 // per universe slot; -1: none
  std::size_t sectors_ = 0;
  std::vector<double> open_, low_, close_, factor_;  // adjusted, date-major; NaN without a bar
  std::vector<double> last_close_;          // date-major: the last close at or before t (NaN before the first)
  std::vector<Episode> episodes_;
  std::vector<Holding> holdings_;           // [episodes × tickers]
  core::Rng rng_{0};
};

}  // namespace kestrel::rl
