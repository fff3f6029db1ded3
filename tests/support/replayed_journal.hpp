#pragma once
// A trading journal to serve and report on: `kestrel trade replay` of the sample's test years (2018-2019)
// with the model trained on 2011-2017, written once per test process.
#include <filesystem>
#include <string>

#include "support/run_command.hpp"
#include "support/sample_model.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {

inline const TempDir& replayed_journal_dir() {
  static TempDir dir;
  return dir;
}

inline const std::filesystem::path& replayed_sample_journal() {
  static const std::filesystem::path journal = [] {
    const TempDir& dir = replayed_journal_dir();
    write_file(dir / "paper.toml", sample_paper_config(dir.path(), "dashboard-test",
                                                       "journal = \"" + (dir / "journal.db").string() + "\"\n"));
    const auto r = run_command(std::string(KESTREL_BINARY) + " -q trade replay --config " +
                                                 (dir / "paper.toml").string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return dir / "journal.db";
  }();
  return journal;
}

}  // namespace kestrel::testing
