#include "live/journaled_scores.hpp"

#include <algorithm>

namespace kestrel::live {

void JournaledScores::set_panel(const store::Panel& panel) {
  panel_ = &panel;
  if (auto* direct = dynamic_cast<scoring::ModelScores*>(model_.get())) direct->set_panel(panel);
}

core::Result<std::vector<strategy::Prediction>> JournaledScores::scores(std::size_t t,
                                                                        std::span<const std::uint32_t> universe) {
  const core::Date date = panel_->dates()[t];
  auto journaled = journal_->predictions(run_id_, date);
  if (!journaled) return std::unexpected(journaled.error());
  if (!journaled->empty()) {
    std::vector<strategy::Prediction> out;
    for (const auto& row : *journaled) {
      const auto i = panel_->ticker_index(row.ticker);
      if (!i) return core::fail("journal: a prediction for {} on {}, which is not in the market data", row.ticker, date.to_string());
      const auto id = static_cast<std::uint32_t>(*i);
      if (std::binary_search(universe.begin(), universe.end(), id)) {
        out.push_back({.date = date, .instrument = id, .score = row.score});
      }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.instrument < b.instrument; });
    ++reused_days_;
    return out;
  }
  auto fresh = model_->scores(t, universe);
  if (!fresh) return fresh;
  for (const auto& p : *fresh) {
    // Journaled as the strategy will read it back: the score rounded to float, as the model made it.
    writer_->prediction(date, panel_->tickers()[p.instrument], model_name_, p.score);
  }
  return fresh;
}

}  // namespace kestrel::live
