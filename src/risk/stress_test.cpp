#include "risk/stress_test.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace kestrel::risk {
namespace {

using store::Field;

core::Date ymd(int y, unsigned m, unsigned d) { return core::Date::from_ymd(y, m, d); }

// Beta of a ticker's daily adjusted returns to the benchmark's over the lookback ending at
// index t (pairs where both have consecutive bars). 1 when there are fewer than 60 pairs.
double beta(const store::Panel& panel, std::size_t ticker, std::size_t benchmark, std::size_t t, int lookback) {
  const auto stock = panel.series(Field::AdjClose, ticker), market = panel.series(Field::AdjClose, benchmark);
  double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
  const std::size_t from = t > static_cast<std::size_t>(lookback) ? t - static_cast<std::size_t>(lookback) : 1;
  for (std::size_t i = std::max<std::size_t>(from, 1); i <= t; ++i) {
    const double rs = stock[i] / stock[i - 1] - 1, rm = market[i] / market[i - 1] - 1;
    if (!std::isfinite(rs) || !std::isfinite(rm)) continue;
    sx += rm;
    sy += rs;
    sxx += rm * rm;
    sxy += rm * rs;
    n += 1;
  }
  if (n < 60) return 1.0;
  const double var = sxx / n - (sx / n) * (sx / n);
  return var > 0 ? (sxy / n - (sx / n) * (sy / n)) / var : 1.0;
}

}  // namespace

std::vector<StressWindow> default_stress_windows() {
  return {
      {"2000-02 dot-com bust", ymd(2000, 3, 24), ymd(2002, 10, 9)},
      {"2008-09 financial crisis", ymd(2008, 1, 2), ymd(2009, 3, 9)},
      {"2011 US downgrade", ymd(2011, 7, 22), ymd(2011, 10, 3)},
      {"2015 China devaluation", ymd(2015, 8, 10), ymd(2015, 8, 25)},
      {"2018 Q4 sell-off", ymd(2018, 10, 1), ymd(2018, 12, 24)},
  };
}

core::Result<std::vector<StressResult>> run_stress_tests(const store::Panel& panel, const std::vector<Holding>& holdings,
                                                         core::Date as_of, const std::vector<StressWindow>& windows,
                                                         const StressOptions& options) {
  const auto benchmark = panel.ticker_index(options.benchmark);
  if (!benchmark) return core::fail("stress test: benchmark {} is not in the data", options.benchmark);
  const auto t_now = panel.date_index_at_or_before(as_of);
  if (!t_now) return core::fail("stress test: no data on or before {}", as_of.to_string());

  struct Position {
    std::size_t index;
    double weight, beta;
    std::string ticker, sector;
  };
  std::vector<Position> positions;
  for (const Holding& h : holdings) {
    const auto i = panel.ticker_index(h.ticker);
    if (!i) return core::fail("stress test: holding {} is not in the data", h.ticker);
    positions.push_back({*i, h.weight, beta(panel, *i, *benchmark, *t_now, options.beta_lookback_days), h.ticker,
                         panel.sectors()[*i]});
  }
  const auto bench = panel.series(Field::AdjClose, *benchmark);

  std::vector<StressResult> results;
  for (const StressWindow& w : windows) {
    if (w.end > panel.dates()[*t_now]) continue;  // not yet history at as_of
    const auto from = panel.date_index_at_or_before(w.start), to = panel.date_index_at_or_before(w.end);
    if (!from || !to || *to <= *from || !std::isfinite(bench[*from]) || !std::isfinite(bench[*to])) continue;
    StressResult r{w.name, "historical", 0, 0, bench[*to] / bench[*from] - 1, {}};
    // Static-weight value path: each holding's growth since the window start (or its
    // beta-scaled benchmark growth where it has no data then), cash flat.
    double cash = 1;
    for (const Position& p : positions) cash -= p.weight;
    double peak = 1;
    std::vector<bool> proxy(positions.size());
    for (std::size_t k = 0; k < positions.size(); ++k) {
      const auto s = panel.series(Field::AdjClose, positions[k].index);
      proxy[k] = !std::isfinite(s[*from]) || !std::isfinite(s[*to]);
      if (proxy[k]) r.proxied.push_back(positions[k].ticker);
    }
    std::vector<double> last_growth(positions.size(), 1.0);
    for (std::size_t t = *from; t <= *to; ++t) {
      double value = cash;
      for (std::size_t k = 0; k < positions.size(); ++k) {
        const Position& p = positions[k];
        double growth = last_growth[k];
        if (proxy[k]) {
          if (std::isfinite(bench[t])) growth = 1 + p.beta * (bench[t] / bench[*from] - 1);
        } else {
          const double price = panel.value(Field::AdjClose, p.index, t);
          if (std::isfinite(price)) growth = price / panel.value(Field::AdjClose, p.index, *from);
        }
        last_growth[k] = growth;  // a missing bar keeps the last value
        value += p.weight * growth;
      }
      peak = std::max(peak, value);
      r.worst_drawdown = std::max(r.worst_drawdown, 1 - value / peak);
      if (t == *to) r.portfolio_return = value - 1;
    }
    results.push_back(std::move(r));
  }

  StressResult market{"market " + std::to_string(static_cast<int>(std::round(options.market_shock * 100))) + "%",
                      "hypothetical", 0, 0, options.market_shock, {}};
  std::map<std::string, double> sector_weight;
  for (const Position& p : positions) {
    market.portfolio_return += p.weight * p.beta * options.market_shock;
    sector_weight[p.sector] += p.weight;
  }
  results.push_back(market);
  for (const auto& [sector, weight] : sector_weight) {
    results.push_back({sector + " " + std::to_string(static_cast<int>(std::round(options.sector_shock * 100))) + "%",
                       "hypothetical", weight * options.sector_shock, 0, options.sector_shock, {}});
  }
  return results;
}

}  // namespace kestrel::risk
