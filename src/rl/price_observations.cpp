#include "rl/price_observations.hpp"

#include <cmath>

namespace kestrel::rl {

ObservationFeatures price_observations(const store::Panel& panel, const std::vector<std::size_t>& universe) {
  constexpr std::size_t kCount = 4;
  const std::size_t dates = panel.num_dates();
  const std::size_t n = universe.size();
  ObservationFeatures out{kCount, std::vector<float>(dates * n * kCount, 0.0f)};
  std::vector<double> log_price(dates), daily(dates);
  for (std::size_t k = 0; k < n; ++k) {
    const auto adj = panel.series(store::Field::AdjClose, universe[k]);
    double last = NAN;
    for (std::size_t t = 0; t < dates; ++t) {  // carried forward over missing bars
      if (adj[t] > 0) last = std::log(adj[t]);
      log_price[t] = last;
      daily[t] = t > 0 ? log_price[t] - log_price[t - 1] : NAN;
    }
    auto ret = [&](std::size_t t, std::size_t days) {
      return t >= days ? log_price[t] - log_price[t - days] : NAN;
    };
    for (std::size_t t = 0; t < dates; ++t) {
      float* f = out.values.data() + (t * n + k) * kCount;
      const double values[3] = {ret(t, 1), ret(t, 5), ret(t, 20)};
      for (std::size_t j = 0; j < 3; ++j) f[j] = std::isfinite(values[j]) ? static_cast<float>(10 * values[j]) : 0.0f;
      if (t >= 20) {
        double sum = 0, sum_sq = 0;
        bool ok = true;
        for (std::size_t d = t - 19; d <= t; ++d) {
          ok &= std::isfinite(daily[d]);
          sum += daily[d];
          sum_sq += daily[d] * daily[d];
        }
        if (ok) {
          const double mean = sum / 20;
          const double var = std::max(0.0, (sum_sq - 20 * mean * mean) / 19);
          f[3] = static_cast<float>(10 * std::sqrt(var));
        }
      }
    }
  }
  return out;
}

}  // namespace kestrel::rl
