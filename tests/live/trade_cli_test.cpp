// `kestrel trade` end to end, on the sample data with a model the pipeline trained and saved:
// replay/backtest parity, restarts after SIGKILL at random points, the kill switch, status,
// and paper trading as new bars arrive.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/journal.hpp"
#include "store/sqlite.hpp"
#include "support/run_command.hpp"
#include "support/sample_data.hpp"
#include "support/sample_model.hpp"
#include "support/test_postgres.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {
namespace {

const std::string kExe = KESTREL_BINARY;

std::string paper_config(const std::filesystem::path& dir, const std::string& extra_node = "") {
  return sample_paper_config(dir, "paper-test", extra_node);
}

std::string normalise_ids(const std::string& text) {
  static const std::regex id(R"(\b(bt|[0-9a-f]{8})-([0-9]+))");
  return std::regex_replace(text, id, "#$2");
}

// `journal`: a SQLite file or a PostgreSQL URL (quoted: it holds '&').
std::string replay_cmd(const std::filesystem::path& config, const std::string& journal, const std::string& more = "") {
  return kExe + " -q trade replay --config " + config.string() + " --from 2018-01-02 --to 2019-12-31 --db '" +
         journal + "' " + more;
}

// The database behind a journal (SQLite or PostgreSQL), for reading what a node wrote.
std::unique_ptr<store::JournalDatabase> journal_database(const std::string& location) {
  auto db = store::open_journal_database(location, store::JournalDatabase::Durability::Normal);
  EXPECT_TRUE(db) << db.error().message;
  return db ? std::move(*db) : nullptr;
}

// Every journal table a run writes, as text with the run id taken out: what "the same
// journal" means (process starts, with their wall-clock times and pids, are left out). The
// text is the same for the same rows in SQLite and in PostgreSQL.
std::string journal_text(const std::string& location) {
  auto db = journal_database(location);
  if (!db) return "";
  std::string out;
  for (const char* sql : {
           "SELECT order_id, client_order_id, date, created_ns, ticker, side, type, tif, tag, origin, quantity, "
           "limit_price, stop_price, parent FROM orders ORDER BY order_id",
           "SELECT seq, order_id, client_order_id, kind, ts, execution_id, ticker, side, quantity, price, commission, "
           "reason FROM order_events ORDER BY seq",
           "SELECT date, equity, cash, market_value, gross_exposure, positions, benchmark, orders_sent FROM days ORDER BY date",
           "SELECT date, ticker, quantity, average_cost, last_price, market_value, unrealized, entry_date, stop_level "
           "FROM positions ORDER BY date, ticker",
           "SELECT date, ticker, model, score FROM predictions ORDER BY date, ticker",
           "SELECT seq, date, kind, detail FROM decisions ORDER BY seq",
           "SELECT mode, name, config_hash, first_date, last_date, finished FROM runs"}) {
    auto rows = db->query(sql, {});
    out += std::string(sql) + "\n";
    if (!rows) {  // a journal backed up before its tables were made
      out += "no such table\n";
      continue;
    }
    for (const store::SqlRow& row : *rows) {
      for (std::size_t c = 0; c < row.values.size(); ++c) out += row.text(c) + "|";
      out += "\n";
    }
  }
  return normalise_ids(out);
}

// "" when equal, else the first line that differs in each (gtest's diff of two whole
// journals would take gigabytes).
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(sa, la));
    const bool more_b = static_cast<bool>(std::getline(sb, lb));
    if (!more_a && !more_b) return "";
    if (!more_a || !more_b || la != lb) {
      return fmt::format("line {}:\n  {}\n  {}", line, more_a ? la : "<end>", more_b ? lb : "<end>");
    }
  }
}

TEST(TradeCli, TheNodeWritesItsLogAsJsonLinesWithoutSecrets) {
  TempDir dir;
  write_file(dir / "paper.toml", paper_config(dir.path()));
  const auto log = dir / "logs" / "node.jsonl";
  const auto r = run_command("APCA_API_SECRET_KEY=sk-visible-nowhere " +
                             replay_cmd(dir / "paper.toml", (dir / "journal.db").string(), "--log-file " + log.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(log);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_GT(lines.size(), 500u);  // a line a session, and more
  EXPECT_EQ(lines.front()["component"], "node");
  EXPECT_EQ(lines.front()["mode"], "replay");
  EXPECT_NE(lines.front()["msg"].get<std::string>().find("starting run"), std::string::npos) << lines.front();
  EXPECT_NE(lines.back()["msg"].get<std::string>().find("2019-12-31"), std::string::npos) << lines.back();

  // A failure is logged as an error line, with a secret that happens to be in it replaced.
  write_file(dir / "broken.toml", std::string("mode = \"paper\"\n[data]\ncsv_dir = \"") + (dir / "sk-visible-nowhere").string() +
                                      "\"\n[strategy]\ntype = \"momentum\"\n");
  const auto failed = run_command("APCA_API_SECRET_KEY=sk-visible-nowhere " + kExe + " -q trade replay --config " +
                                  (dir / "broken.toml").string() + " --db " + (dir / "j2.db").string() +
                                  " --log-file " + (dir / "broken.jsonl").string());
  EXPECT_NE(failed.exit_code, 0);
  const std::string text = read_file(dir / "broken.jsonl");
  EXPECT_NE(text.find("\"level\":\"error\""), std::string::npos) << text;
  EXPECT_NE(text.find("***"), std::string::npos) << text;
  EXPECT_EQ(text.find("sk-visible-nowhere"), std::string::npos) << text;
}

TEST(TradeCli, HelpListsTheNodeCommands) {
  const auto r = run_command(kExe + " trade --help");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* sub : {"run", "replay", "status", "kill", "resume", "adopt", "ab", "compare"}) {
    EXPECT_NE(r.output.find(std::string("  ") + sub + " "), std::string::npos) << sub << "\n" << r.output;
  }
}

TEST(TradeParity, ModelReplayEqualsBacktestOfTheSameConfig) {
  TempDir dir;
  write_file(dir / "paper.toml", paper_config(dir.path()));
  const auto bt = run_command(kExe + " -q backtest --config " + (dir / "paper.toml").string() + " --out " +
                              (dir / "bt").string());
  ASSERT_EQ(bt.exit_code, 0) << bt.output;
  const auto rp = run_command(replay_cmd(dir / "paper.toml", dir / "journal.db", "--out " + (dir / "rp").string()));
  ASSERT_EQ(rp.exit_code, 0) << rp.output;
  EXPECT_NE(rp.output.find("final equity"), std::string::npos) << rp.output;
  EXPECT_NE(rp.output.find("503 sessions"), std::string::npos) << rp.output;
  for (const char* file : {"orders.csv", "trades.csv", "equity.csv"}) {
    const auto a = normalise_ids(read_file(dir / "bt" / file));
    const auto b = normalise_ids(read_file(dir / "rp" / file));
    EXPECT_GT(a.size(), 1000u) << file;
    EXPECT_EQ(a, b) << file;
  }
  // The journal has every order and fill of the backtest, and its predictions.
  auto journal = store::Journal::open(dir / "journal.db");
  ASSERT_TRUE(journal);
  const auto run = **journal->latest_run();
  const auto orders_csv = read_file(dir / "bt" / "orders.csv");
  EXPECT_EQ(journal->orders(run.run_id)->size(),
            static_cast<std::size_t>(std::count(orders_csv.begin(), orders_csv.end(), '\n') - 1));
  EXPECT_EQ(journal->predictions(run.run_id, core::Date::from_ymd(2018, 1, 2))->size(), 20u);
  EXPECT_EQ(journal->days(run.run_id)->size(), 503u);
}

// Runs the replay of `config` into `journal`, killed with SIGKILL at `commit_kills` journal
// commits drawn at random and by `external_kills` SIGKILLs from outside (once the journal holds
// a random number of sessions more than it did, wherever the node is in its day), each time
// restarted; then runs it to the end and returns that last run.
CommandResult killed_and_restarted(const std::filesystem::path& config, const std::string& journal, std::mt19937& rng,
                                   int commit_kills, int external_kills) {
  std::vector<int> points;
  std::uniform_int_distribution<int> commit(2, 800);  // a whole run makes more than 1,000 commits
  for (int k = 0; k < commit_kills; ++k) points.push_back(commit(rng));
  std::sort(points.begin(), points.end());
  int killed = 0;
  for (int point : points) {
    const auto r = run_command(replay_cmd(config, journal, "--crash-after-commits " + std::to_string(point)));
    if (r.exit_code != 0) ++killed;
  }
  EXPECT_GE(killed, std::min(commit_kills, 1));
  auto journaled_days = [&] {
    auto db = store::open_journal_database(journal, store::JournalDatabase::Durability::Normal);
    if (!db) return std::int64_t{0};
    auto rows = (*db)->query("SELECT COUNT(*) FROM days", {});
    return rows && !rows->empty() ? rows->front().int64(0) : std::int64_t{0};
  };
  std::uniform_int_distribution<int> more_days(10, 60);
  for (int k = 0; k < external_kills; ++k) {
    const std::int64_t target = journaled_days() + more_days(rng);
    const pid_t pid = fork();
    EXPECT_GE(pid, 0);
    if (pid == 0) {
      const std::string cmd = replay_cmd(config, journal) + " > /dev/null 2>&1";
      execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    bool exited = false;
    while (!exited && journaled_days() < target) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      exited = waitpid(pid, &status, WNOHANG) == pid;
    }
    if (!exited) {
      ::kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      EXPECT_TRUE(WIFSIGNALED(status)) << "the replay ended before the kill";
    }
  }
  return run_command(replay_cmd(config, journal));
}

// One run, several starts.
void expect_one_run_started(const std::string& journal, std::int64_t at_least) {
  auto db = journal_database(journal);
  ASSERT_TRUE(db);
  auto starts = db->query("SELECT COUNT(*), COUNT(DISTINCT run_id) FROM run_starts", {});
  ASSERT_TRUE(starts && starts->size() == 1);
  EXPECT_GE(starts->front().int64(0), at_least);
  EXPECT_EQ(starts->front().int64(1), 1);
}

// Writes the paper config into `dir` and replays it once without interruption into a SQLite
// journal: the journal text a killed and restarted replay must end with.
void uninterrupted_journal(const TempDir& dir, std::string& text) {
  write_file(dir / "paper.toml", paper_config(dir.path()));
  const auto whole = run_command(replay_cmd(dir / "paper.toml", (dir / "whole.db").string()));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  text = journal_text((dir / "whole.db").string());
}

TEST(TradeRestart, KilledAtRandomPointsAndRestartedEndsWithTheSameJournal) {
  TempDir dir;
  std::string expected;
  ASSERT_NO_FATAL_FAILURE(uninterrupted_journal(dir, expected));

  const auto seed = static_cast<unsigned>(std::random_device{}());
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));  // to reproduce a failure
  const std::string restarted = (dir / "restarted.db").string();
  const auto last = killed_and_restarted(dir / "paper.toml", restarted, rng, 4, 2);
  ASSERT_EQ(last.exit_code, 0) << last.output;
  EXPECT_NE(last.output.find("(resumed)"), std::string::npos) << last.output;
  const std::string got = journal_text(restarted);
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "the restarted run's journal differs from the uninterrupted one";
  expect_one_run_started(restarted, 3);
}

// The same on PostgreSQL: killed and restarted, the node ends with exactly the journal an
// uninterrupted run writes to SQLite — row for row, to the last digit.
TEST(TradeRestart, OnPostgreSQLKilledAndRestartedEndsWithTheSQLiteJournal) {
  TempDir dir;
  std::string expected;
  ASSERT_NO_FATAL_FAILURE(uninterrupted_journal(dir, expected));

  const auto seed = static_cast<unsigned>(std::random_device{}());
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::string journal = fresh_postgres_database();
  const auto last = killed_and_restarted(dir / "paper.toml", journal, rng, 2, 1);
  ASSERT_EQ(last.exit_code, 0) << last.output;
  EXPECT_NE(last.output.find("(resumed)"), std::string::npos) << last.output;
  EXPECT_EQ(first_difference(journal_text(journal), expected), "");
  expect_one_run_started(journal, 2);
  // Status and controls read the same journal.
  const auto status = run_command(kExe + " trade status --db '" + journal + "'");
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("503 sessions"), std::string::npos) << status.output;
}

TEST(TradeKillSwitch, KillFlattensAndStaysHaltedAcrossRestartsUntilResumed) {
  TempDir dir;
  write_file(dir / "paper.toml", paper_config(dir.path()));
  // Stop the node part-way (as a crash would), ask for the kill switch, restart it.
  const auto first = run_command(replay_cmd(dir / "paper.toml", dir / "j.db", "--crash-after-commits 600"));
  ASSERT_NE(first.exit_code, 0);
  const auto kill = run_command(kExe + " trade kill --flatten --db " + (dir / "j.db").string());
  ASSERT_EQ(kill.exit_code, 0) << kill.output;
  const auto halted = run_command(replay_cmd(dir / "paper.toml", dir / "j.db", "--crash-after-commits 680"));
  ASSERT_NE(halted.exit_code, 0);
  auto status = run_command(kExe + " trade status --db " + (dir / "j.db").string());
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("risk: HALTED"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("positions (0):"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("open orders (0):"), std::string::npos) << status.output;
  // A restart stays halted: still flat.
  const auto again = run_command(replay_cmd(dir / "paper.toml", dir / "j.db", "--crash-after-commits 760"));
  ASSERT_NE(again.exit_code, 0);
  status = run_command(kExe + " trade status --db " + (dir / "j.db").string());
  EXPECT_NE(status.output.find("risk: HALTED"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("positions (0):"), std::string::npos) << status.output;
  // Resume: the node trades again.
  ASSERT_EQ(run_command(kExe + " trade resume --db " + (dir / "j.db").string()).exit_code, 0);
  const auto done = run_command(replay_cmd(dir / "paper.toml", dir / "j.db"));
  ASSERT_EQ(done.exit_code, 0) << done.output;
  status = run_command(kExe + " trade status --db " + (dir / "j.db").string());
  EXPECT_NE(status.output.find("risk: trading"), std::string::npos) << status.output;
  auto journal = store::Journal::open(dir / "j.db");
  const auto run = **journal->latest_run();
  std::vector<std::string> controls;
  const auto decisions = journal->decisions(run.run_id);
  ASSERT_TRUE(decisions);
  for (const auto& d : *decisions) {
    if (d.kind.starts_with("control:")) controls.push_back(d.kind);
  }
  EXPECT_EQ(controls, (std::vector<std::string>{"control:kill_flatten", "control:resume"}));
  // Orders after the resume: the strategy traded again.
  const auto days = journal->days(run.run_id);
  ASSERT_TRUE(days && !days->empty());
  EXPECT_GT(days->back().positions, 0);
}

TEST(TradeBackup, BackupsTakenWhileTheNodeWritesRestoreAndResumeToTheSameJournal) {
  TempDir dir;
  write_file(dir / "paper.toml", paper_config(dir.path()));
  // The uninterrupted run, for reference.
  ASSERT_EQ(run_command(replay_cmd(dir / "paper.toml", dir / "whole.db")).exit_code, 0);
  // Another run, backed up again and again while it writes.
  CommandResult node;
  std::atomic<bool> done = false;
  std::thread writer([&] {
    node = run_command(replay_cmd(dir / "paper.toml", dir / "j.db"));
    done = true;
  });
  std::vector<std::filesystem::path> backups;
  while (!done) {
    if (std::filesystem::exists(dir / "j.db")) {
      const auto b = run_command(kExe + " db backup --db " + (dir / "j.db").string() + " --to " + (dir / "backups").string());
      if (b.exit_code == 0) {
        const auto line = b.output.substr(b.output.find(" to ") + 4);
        backups.emplace_back(line.substr(0, line.find(" (")));
      } else {
        ADD_FAILURE() << b.output;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  writer.join();
  ASSERT_EQ(node.exit_code, 0) << node.output;
  // Backups of the run part-way through (the last ones may show it finished).
  const auto finished_run = [](const std::filesystem::path& journal) {
    auto db = store::sqlite::Database::open(journal, store::sqlite::Database::Mode::ReadOnly);
    auto stmt = db->prepare("SELECT finished FROM runs");
    if (!stmt) return false;  // no tables yet
    auto row = stmt->step();
    return row && *row && stmt->text(0) == "1";
  };
  std::vector<std::filesystem::path> part_way;
  for (const auto& b : backups) {
    if (!finished_run(b)) part_way.push_back(b);
  }
  ASSERT_FALSE(part_way.empty()) << "the run ended before a backup was taken";
  const auto whole = journal_text(dir / "whole.db");
  // Each is a consistent journal: restored, the node resumes from it and ends with the
  // uninterrupted run's journal.
  for (std::size_t k : {std::size_t{0}, part_way.size() / 2, part_way.size() - 1}) {  // first, middle, last
    const auto restored = dir / fmt::format("restored-{}.db", k);
    if (std::filesystem::exists(restored)) continue;
    EXPECT_NE(first_difference(journal_text(part_way[k]), whole), "") << part_way[k] << " is not part-way";
    const auto r = run_command(kExe + " db restore --from " + part_way[k].string() + " --db " + restored.string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto resumed = run_command(replay_cmd(dir / "paper.toml", restored));
    ASSERT_EQ(resumed.exit_code, 0) << part_way[k] << "\n" << resumed.output;
    EXPECT_EQ(first_difference(journal_text(restored), whole), "") << part_way[k];
  }
  // Restoring over a journal needs --replace and keeps what it replaces.
  const std::string restore = kExe + " db restore --from " + backups.front().string() + " --db " + (dir / "j.db").string();
  auto refused = run_command(restore);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("exists; add --replace"), std::string::npos) << refused.output;
  const auto finished = journal_text(dir / "j.db");
  const auto replaced = run_command(restore + " --replace");
  ASSERT_EQ(replaced.exit_code, 0) << replaced.output;
  const auto saved_at = replaced.output.find("saved as ");
  ASSERT_NE(saved_at, std::string::npos) << replaced.output;
  const auto saved = replaced.output.substr(saved_at + 9, replaced.output.find(')', saved_at) - saved_at - 9);
  EXPECT_EQ(first_difference(journal_text(saved), finished), "");
  EXPECT_EQ(first_difference(journal_text(dir / "j.db"), journal_text(backups.front())), "");
}

TEST(TradeKillSwitch, TheKillFileHaltsAndBlocksResume) {
  TempDir dir;
  write_file(dir / "paper.toml", paper_config(dir.path()));
  write_file(dir / "KILL", "maintenance\n");
  const auto r = run_command(replay_cmd(dir / "paper.toml", dir / "j.db"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("HALTED"), std::string::npos) << r.output;
  auto journal = store::Journal::open(dir / "j.db");
  const auto run = **journal->latest_run();
  const auto days = journal->days(run.run_id);
  ASSERT_TRUE(days);
  for (const auto& d : *days) EXPECT_EQ(d.positions, 0) << d.date.to_string();  // halted after the first close
}

TEST(TradeRun, PaperTradesNewBarsAsTheyArriveAndMatchesTheReplay) {
  TempDir dir;
  // A store with the sample data up to 2019-11-29; the rest arrives later in a drop folder.
  sample_data_up_to(dir / "early", "2019-11-29");
  ASSERT_EQ(run_command(kExe + " -q data import --db " + (dir / "market.db").string() + " " + (dir / "early").string()).exit_code, 0);
  auto config = paper_config(dir.path(), "start = \"2019-11-29\"\ndrop_dir = \"" + (dir / "drop").string() + "\"\n");
  config = std::regex_replace(config, std::regex("csv_dir = \"[^\"]*\""), "db = \"" + (dir / "market.db").string() + "\"");
  write_file(dir / "paper.toml", config);
  const std::string run = kExe + " -q trade run --exit-when-idle --config " + (dir / "paper.toml").string() +
                          " --db " + (dir / "j.db").string();
  const auto first = run_command(run);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("1 sessions"), std::string::npos) << first.output;  // only 11-29 is there yet
  // The rest of the data arrives; the node resumes its run and trades every new session.
  std::filesystem::copy(KESTREL_SAMPLE_DATA, dir / "drop");
  const auto second = run_command(run);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("(resumed)"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("2019-11-29 .. 2019-12-31"), std::string::npos) << second.output;
  // The same days replayed from the full data give the same equity.
  auto replay_config = paper_config(dir.path());
  write_file(dir / "replay.toml", replay_config);
  const auto replayed = run_command(kExe + " -q trade replay --config " + (dir / "replay.toml").string() +
                                    " --from 2019-11-29 --to 2019-12-31 --db " + (dir / "replay.db").string());
  ASSERT_EQ(replayed.exit_code, 0) << replayed.output;
  const std::regex equity("final equity ([0-9.]+)");
  std::smatch a, b;
  ASSERT_TRUE(std::regex_search(second.output, a, equity));
  ASSERT_TRUE(std::regex_search(replayed.output, b, equity));
  EXPECT_EQ(a[1], b[1]);
}

}  // namespace
}  // namespace kestrel::testing
