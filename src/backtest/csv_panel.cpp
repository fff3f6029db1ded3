#include "backtest/csv_panel.hpp"

#include <optional>
#include <vector>

#include <tbb/parallel_for.h>

#include "store/input_file.hpp"

namespace kestrel::backtest {

core::Result<store::Panel> load_csv_panel(const std::filesystem::path& folder) {
  auto paths = store::expand_input_paths({folder});
  if (!paths) return std::unexpected(paths.error());
  std::vector<std::optional<core::Result<store::InputFile>>> parsed(paths->size());
  tbb::parallel_for(std::size_t{0}, paths->size(), [&](std::size_t k) { parsed[k] = store::read_input_file((*paths)[k]); });
  std::vector<store::TickerSeries> series;
  for (std::size_t k = 0; k < parsed.size(); ++k) {
    auto& result = *parsed[k];
    if (!result) return std::unexpected(result.error());
    if (auto* bars = std::get_if<store::BarFile>(&*result)) {
      series.push_back(store::TickerSeries{.symbol = bars->ticker, .sector = {}, .bars = std::move(bars->bars),
                                           .actions = std::move(bars->actions)});
    }
  }
  if (series.empty()) return core::fail("{}: no bar files (TICKER.csv or TICKER.csv.gz) found", folder.string());
  return store::Panel::build(series);
}

}  // namespace kestrel::backtest
