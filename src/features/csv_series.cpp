#include "features/csv_series.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include <tbb/parallel_for.h>

#include "store/input_file.hpp"

namespace kestrel::features {

core::Result<std::vector<store::TickerSeries>> read_csv_series(const std::filesystem::path& folder) {
  auto paths = store::expand_input_paths({folder});
  if (!paths) return std::unexpected(paths.error());
  std::vector<std::optional<core::Result<store::InputFile>>> files(paths->size());
  tbb::parallel_for(std::size_t{0}, paths->size(), [&](std::size_t i) { files[i] = store::read_input_file((*paths)[i]); });

  std::vector<store::TickerSeries> series;
  std::map<std::string, std::string> sectors;
  std::map<std::string, std::vector<store::CorporateAction>> actions;
  for (auto& file : files) {
    if (!*file) return std::unexpected((*file).error());
    auto& parsed = **file;
    if (auto* bars = std::get_if<store::BarFile>(&parsed)) {
      series.push_back({bars->ticker, "", std::move(bars->bars), std::move(bars->actions)});
    } else if (auto* universe = std::get_if<store::UniverseFile>(&parsed)) {
      for (const auto& info : universe->tickers) sectors[info.symbol] = info.sector;
    } else if (auto* listed = std::get_if<store::CorporateActionsFile>(&parsed)) {
      for (const auto& [ticker, action] : listed->actions) actions[ticker].push_back(action);
    }
  }
  for (auto& s : series) {
    if (auto it = sectors.find(s.symbol); it != sectors.end()) s.sector = it->second;
    if (auto it = actions.find(s.symbol); it != actions.end()) {
      s.actions.insert(s.actions.end(), it->second.begin(), it->second.end());
    }
    std::ranges::stable_sort(s.actions, {}, &store::CorporateAction::date);
  }
  return series;
}

}  // namespace kestrel::features
