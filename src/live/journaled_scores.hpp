#pragma once
// The node's score source for a model strategy: a day's predictions come from the journal
// when the node already made them (a restarted node re-runs its history without running the
// model again, and trades on exactly what it predicted then); otherwise from the model, and
// they are journaled.
#include <memory>
#include <string>

#include "live/journal_writer.hpp"
#include "scoring/model_signal_strategy.hpp"
#include "store/journal.hpp"

namespace kestrel::live {

class JournaledScores final : public scoring::ScoreSource {
 public:
  JournaledScores(std::unique_ptr<scoring::ScoreSource> model, std::string model_name, store::Journal& journal,
                  std::string run_id, JournalWriter& writer, const store::Panel& panel)
      : model_(std::move(model)), model_name_(std::move(model_name)), journal_(&journal), run_id_(std::move(run_id)),
        writer_(&writer), panel_(&panel) {}
  core::Result<std::vector<strategy::Prediction>> scores(std::size_t t, std::span<const std::uint32_t> universe) override;
  void set_panel(const store::Panel& panel);
  // A retrained model (node.retrain) scores the days the journal has no predictions for.
  void replace_model(std::unique_ptr<scoring::ScoreSource> model, std::string model_name) {
    model_ = std::move(model);
    model_name_ = std::move(model_name);
  }
  std::size_t reused_days() const { return reused_days_; }

 private:
  std::unique_ptr<scoring::ScoreSource> model_;
  std::string model_name_;
  store::Journal* journal_;
  std::string run_id_;
  JournalWriter* writer_;
  const store::Panel* panel_;
  std::size_t reused_days_ = 0;
};

}  // namespace kestrel::live
