#include "analysis/report.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>
#include <system_error>

#include "analysis/report_csv.hpp"
#include "analysis/report_html.hpp"
#include "analysis/risk_summary_json.hpp"
#include "analysis/stats_json.hpp"

namespace kestrel::analysis {
namespace {

core::Status write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return core::fail("{}: cannot open for writing: {}", path.string(), std::strerror(errno));
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return core::fail("{}: write failed: {}", path.string(), std::strerror(errno));
  return {};
}

}  // namespace

core::Result<ReportFiles> write_backtest_report(const BacktestRecord& record,
                                                const PerformanceStats& stats,
                                                const std::filesystem::path& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return core::fail("{}: cannot create the report folder: {}", out_dir.string(), ec.message());

  const ReportFiles files{
      .html = out_dir / "report.html",
      .json = out_dir / "stats.json",
      .equity_csv = out_dir / "equity.csv",
      .trades_csv = out_dir / "trades.csv",
      .orders_csv = out_dir / "orders.csv",
  };
  nlohmann::json json = {{"run", run_metadata_json(record)}, {"statistics", to_json(stats)}};
  if (record.risk) json["risk"] = to_json(*record.risk);
  for (const auto& [path, text] : {
           std::pair{files.json, json.dump(2) + "\n"},
           std::pair{files.equity_csv, equity_csv(record)},
           std::pair{files.trades_csv, trades_csv(record)},
           std::pair{files.orders_csv, orders_csv(record)},
           std::pair{files.html, backtest_report_html(record, stats)},
       }) {
    if (auto status = write_text(path, text); !status) return std::unexpected(status.error());
  }
  return files;
}

}  // namespace kestrel::analysis
