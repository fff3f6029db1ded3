#pragma once
// Slippage and commission models of the simulated venue. Slippage is a fraction of the price,
// paid on buys and given up on sells; its inputs (volatility, average volume) come only from
// bars before the fill bar. Commissions are charged on as-traded shares (adjusted shares × the
// day's adjustment factor) so that per-share rates mean what the broker's price list says.
#include <cstddef>

#include "core/fixed_point.hpp"
#include "execution/order.hpp"
#include "store/panel.hpp"
#include "strategy/market_view.hpp"

namespace kestrel::sim {

struct SlippageModel {
  enum class Kind {
    None,
    FixedBps,          // bps
    SpreadVolatility,  // half_spread_bps + volatility_multiplier × σ_daily
    SquareRootImpact,  // half_spread_bps + impact_coefficient × σ_daily × sqrt(shares / ADV)
  };
  Kind kind = Kind::None;
  double bps = 0;
  double half_spread_bps = 0;
  double volatility_multiplier = 0;
  double impact_coefficient = 0;
  std::size_t window = 20;  // bars of history for σ (close-to-close, ddof=1) and ADV
};

struct CommissionModel {
  enum class Kind {
    None,
    PerShare,      // max(per_share × shares, minimum), capped at maximum_fraction × value if > 0
    Bps,           // bps × value
    ZeroWithFees,  // no commission; sells pay the SEC fee and the FINRA TAF
  };
  Kind kind = Kind::None;
  double per_share = 0;
  double minimum = 0;
  double maximum_fraction = 0;
  double bps = 0;
  double sec_fee_rate = 0;         // dollars per dollar sold (27.80 per million = 27.8e-6)
  double finra_taf_per_share = 0;  // dollars per share sold
  double finra_taf_max = 0;        // cap per trade
};

// σ of adjusted close-to-close returns and the mean volume in adjusted shares over the
// `window` bars before bar t (missing bars skipped).
struct History {
  double volatility = 0;    // 0 when fewer than 2 returns
  double average_volume = 0;  // adjusted shares; 0 when unknown
};
History history_before(const store::Panel& panel, strategy::InstrumentId id, std::size_t t, std::size_t window);

// `shares` are adjusted shares (what the simulation trades).
// `t` is the fill bar's panel date index.
double slippage_fraction(const SlippageModel& model, const store::Panel& panel, strategy::InstrumentId id,
                         std::size_t t, double shares);

// Commission and fees for one fill: `shares` as traded, `value` = |price × shares|; rounded up
// to the cent as brokers and regulators do.
core::Money commission(const CommissionModel& model, execution::Side side, double shares, core::Money value);

}  // namespace kestrel::sim
