#include "sim/cost_models.hpp"

#include <algorithm>
#include <cmath>

namespace kestrel::sim {
namespace {

// Fees are whole cents, rounded up; the tiny epsilon keeps exact cents (e.g. 1.00) from
// rounding up through floating-point noise.
core::Money round_up_cents(double dollars) {
  return core::Money::round(std::ceil(dollars * 100.0 - 1e-7) / 100.0);
}

}  // namespace

History history_before(const store::Panel& panel, strategy::InstrumentId id, std::size_t t, std::size_t window) {
  History h;
  if (t == 0) return h;
  const std::size_t begin = t > window ? t - window : 0;
  const auto close = panel.series(store::Field::Close, id);
  const auto adj = panel.series(store::Field::AdjClose, id);
  const auto volume = panel.series(store::Field::Volume, id);
  double sum = 0, sum_sq = 0, vol_sum = 0, prev = std::nan("");
  std::size_t n = 0, vol_n = 0;
  for (std::size_t d = begin; d < t; ++d) {
    if (std::isnan(close[d])) continue;
    const double factor = adj[d] / close[d];
    if (factor > 0) {
      vol_sum += volume[d] / factor;
      ++vol_n;
    }
    if (!std::isnan(prev)) {
      const double r = adj[d] / prev - 1.0;
      sum += r;
      sum_sq += r * r;
      ++n;
    }
    prev = adj[d];
  }
  if (n >= 2) {
    const double mean = sum / static_cast<double>(n);
    h.volatility = std::sqrt(std::max(0.0, (sum_sq - static_cast<double>(n) * mean * mean) / static_cast<double>(n - 1)));
  }
  if (vol_n > 0) h.average_volume = vol_sum / static_cast<double>(vol_n);
  return h;
}

double slippage_fraction(const SlippageModel& model, const store::Panel& panel, strategy::InstrumentId id,
                         std::size_t t, double shares) {
  switch (model.kind) {
    case SlippageModel::Kind::None:
      return 0.0;
    case SlippageModel::Kind::FixedBps:
      return model.bps * 1e-4;
    case SlippageModel::Kind::SpreadVolatility: {
      const History h = history_before(panel, id, t, model.window);
      return model.half_spread_bps * 1e-4 + model.volatility_multiplier * h.volatility;
    }
    case SlippageModel::Kind::SquareRootImpact: {
      const History h = history_before(panel, id, t, model.window);
      const double participation = h.average_volume > 0 ? shares / h.average_volume : 0.0;
      return model.half_spread_bps * 1e-4 + model.impact_coefficient * h.volatility * std::sqrt(participation);
    }
  }
  return 0.0;
}

core::Money commission(const CommissionModel& model, execution::Side side, double shares, core::Money value) {
  const double dollars = value.abs().to_double();
  switch (model.kind) {
    case CommissionModel::Kind::None:
      return {};
    case CommissionModel::Kind::PerShare: {
      double c = std::max(model.per_share * shares, model.minimum);
      if (model.maximum_fraction > 0) c = std::min(c, model.maximum_fraction * dollars);
      return round_up_cents(c);
    }
    case CommissionModel::Kind::Bps:
      return round_up_cents(model.bps * 1e-4 * dollars);
    case CommissionModel::Kind::ZeroWithFees: {
      if (side == execution::Side::Buy) return {};
      const core::Money sec = round_up_cents(model.sec_fee_rate * dollars);
      const core::Money taf = round_up_cents(std::min(model.finra_taf_per_share * shares, model.finra_taf_max));
      return sec + taf;
    }
  }
  return {};
}

}  // namespace kestrel::sim
