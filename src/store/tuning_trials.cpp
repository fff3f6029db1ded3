// MarketStore's tuning_trials table (store/tuning_trials.hpp).
#include <cmath>
#include <limits>

#include "store/market_store.hpp"
#include "store/sqlite.hpp"

namespace kestrel::store {

core::Status MarketStore::save_tuning_study(const std::string& study, const std::string& config_hash,
                                            const std::vector<TuningTrial>& trials) {
  auto tx = sqlite::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto clear = db_.prepare("DELETE FROM tuning_trials WHERE study = ? AND config_hash = ?");
  if (!clear) return std::unexpected(clear.error());
  clear->bind(1, study).bind(2, config_hash);
  if (auto r = clear->step(); !r) return std::unexpected(r.error());
  auto insert = db_.prepare(
      "INSERT INTO tuning_trials(study, config_hash, trial, rung, folds, params, sharpe, rank_ic, turnover, seconds, "
      "status, error, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!insert) return std::unexpected(insert.error());
  auto real_or_null = [&](int index, double v) {
    if (std::isfinite(v)) insert->bind(index, v);
    else insert->bind_null(index);
  };
  for (const auto& t : trials) {
    if (t.study != study || t.config_hash != config_hash) {
      return core::fail("{}: a trial of study {}/{} saved with study {}/{}", db_.path().string(), t.study,
                        t.config_hash, study, config_hash);
    }
    insert->bind(1, t.study).bind(2, t.config_hash).bind(3, t.trial).bind(4, t.rung).bind(5, t.folds).bind(6, t.params);
    real_or_null(7, t.sharpe);
    real_or_null(8, t.rank_ic);
    real_or_null(9, t.turnover);
    insert->bind(10, t.seconds).bind(11, t.status).bind(12, t.error).bind(13, t.created_at);
    if (auto r = insert->step(); !r) return std::unexpected(r.error());
    insert->reset();
  }
  return tx->commit();
}

core::Result<std::vector<TuningTrial>> MarketStore::tuning_trials(const std::string& study, const std::string& config_hash) {
  auto stmt = db_.prepare(
      "SELECT study, config_hash, trial, rung, folds, params, sharpe, rank_ic, turnover, seconds, status, error, "
      "created_at FROM tuning_trials WHERE study = ? AND (? = '' OR config_hash = ?) ORDER BY config_hash, trial, rung");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, study).bind(2, config_hash).bind(3, config_hash);
  std::vector<TuningTrial> out;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    auto real = [&](int col) { return stmt->is_null(col) ? kNaN : stmt->real(col); };
    out.push_back({.study = stmt->text(0), .config_hash = stmt->text(1), .trial = stmt->int64(2), .rung = stmt->int64(3),
                   .folds = stmt->int64(4), .params = stmt->text(5), .sharpe = real(6), .rank_ic = real(7),
                   .turnover = real(8), .seconds = stmt->real(9), .status = stmt->text(10), .error = stmt->text(11),
                   .created_at = stmt->text(12)});
  }
  return out;
}

}  // namespace kestrel::store
