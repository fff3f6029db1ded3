#pragma once
// The strategy a trading node runs on a saved model (`[strategy] type = "model"`): after each
// close it scores every instrument of the universe that has a bar that day and trades the
// ranking like the signal strategy (top_k long at gross / top_k, or long-short). The scores
// come from a ScoreSource: the model itself in a backtest, the node's journal (falling back
// to the model) in paper and live trading, so a restarted node reuses what it predicted.
#include <memory>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "scoring/model_scorer.hpp"
#include "strategy/predictions.hpp"
#include "strategy/signal_strategy.hpp"
#include "strategy/strategy.hpp"

namespace kestrel::scoring {

class ScoreSource {
 public:
  virtual ~ScoreSource() = default;
  // Scores of the instruments with a bar on panel day t (data up to t's close).
  virtual core::Result<std::vector<strategy::Prediction>> scores(std::size_t t, std::span<const std::uint32_t> universe) = 0;
};

// Scores straight from the model over a panel.
class ModelScores final : public ScoreSource {
 public:
  ModelScores(ModelScorer scorer, const store::Panel& panel) : scorer_(std::move(scorer)), panel_(&panel) {}
  core::Result<std::vector<strategy::Prediction>> scores(std::size_t t, std::span<const std::uint32_t> universe) override {
    return scorer_.score(*panel_, t, universe);
  }
  void set_panel(const store::Panel& panel) { panel_ = &panel; }
  const ModelManifest& manifest() const { return scorer_.manifest(); }

 private:
  ModelScorer scorer_;
  const store::Panel* panel_;
};

class ModelSignalStrategy final : public strategy::Strategy {
 public:
  // scores_are_probabilities: the score is the model's probability of an up move, passed on
  // as the confidence of long targets (risk's min_open_confidence).
  ModelSignalStrategy(std::unique_ptr<ScoreSource> source, strategy::SignalParams params, bool scores_are_probabilities)
      : source_(std::move(source)), params_(params), probabilities_(scores_are_probabilities) {}
  std::string_view name() const override { return "model"; }
  core::Status on_start(strategy::StrategyContext& context) override;
  void on_bar(strategy::StrategyContext& context) override;

  ScoreSource& source() { return *source_; }
  std::unique_ptr<ScoreSource> take_source() { return std::move(source_); }
  void set_source(std::unique_ptr<ScoreSource> source) { source_ = std::move(source); }

 private:
  std::unique_ptr<ScoreSource> source_;
  strategy::SignalParams params_;
  bool probabilities_;
  std::vector<strategy::Prediction> today_;
  std::vector<strategy::TargetWeight> targets_;
  std::vector<strategy::InstrumentId> held_long_, held_short_, young_;
  std::size_t decision_days_ = 0;  // days with scores so far (rebalance_every)
};

}  // namespace kestrel::scoring
