#include "test_data.hpp"

#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <variant>

#include <fmt/format.h>

#include "store/input_file.hpp"

namespace kestrel::dataset::testing {

store::Panel panel_from_closes(const std::vector<std::vector<double>>& closes) {
  std::vector<store::TickerSeries> series;
  for (std::size_t i = 0; i < closes.size(); ++i) {
    store::TickerSeries s;
    s.symbol = fmt::format("T{}", i);
    core::Date date = core::Date::from_ymd(2024, 1, 1);
    for (double c : closes[i]) {
      if (!std::isnan(c)) s.bars.push_back({date, c, c, c, c, c, 1000});
      date = date + (date.weekday() == 4 ? 3 : 1);
    }
    series.push_back(std::move(s));
  }
  return store::Panel::build(series);
}

features::FeatureMatrix indexed_matrix(const store::Panel& panel, std::size_t num_features) {
  features::FeatureMatrix m;
  for (std::size_t f = 0; f < num_features; ++f) m.names.push_back(fmt::format("f{}", f));
  m.dates.assign(panel.dates().begin(), panel.dates().end());
  m.tickers = panel.tickers();
  m.values.resize(num_features * m.num_tickers() * m.num_dates());
  for (std::size_t f = 0; f < num_features; ++f) {
    for (std::size_t i = 0; i < m.num_tickers(); ++i) {
      auto s = m.series(f, i);
      for (std::size_t t = 0; t < s.size(); ++t) s[t] = static_cast<float>(1000 * f + 10 * i + t);
    }
  }
  return m;
}

store::Panel sample_panel() {
  auto files = store::expand_input_paths({std::filesystem::path(KESTREL_SAMPLE_DATA)});
  if (!files) throw std::runtime_error(files.error().message);
  std::vector<store::TickerSeries> series;
  for (const auto& path : *files) {
    auto file = store::read_input_file(path);
    if (!file) throw std::runtime_error(file.error().message);
    auto* bars = std::get_if<store::BarFile>(&*file);
    if (bars == nullptr) continue;
    series.push_back({bars->ticker, "", std::move(bars->bars), std::move(bars->actions)});
  }
  return store::Panel::build(series);
}

}  // namespace kestrel::dataset::testing
