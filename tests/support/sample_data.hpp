#pragma once
// The sample data (data/sample) cut at a date: its bar files up to `last` (YYYY-MM-DD) as plain
// CSVs in `folder`, the other files copied as they are — the data a node has before the later
// bars arrive. Only for test targets that know KESTREL_SAMPLE_DATA.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/run_command.hpp"

namespace kestrel::testing {

inline void sample_data_up_to(const std::filesystem::path& folder, const std::string& last) {
  std::filesystem::create_directories(folder);
  for (const auto& entry : std::filesystem::directory_iterator(KESTREL_SAMPLE_DATA)) {
    const auto name = entry.path().filename().string();
    if (!name.ends_with(".csv.gz")) {
      std::filesystem::copy(entry.path(), folder / name);
      continue;
    }
    const auto r = run_command("gzip -dc " + entry.path().string() + " | awk -F, 'NR == 1 || $1 <= \"" + last + "\"' > " +
                               (folder / name.substr(0, name.size() - 3)).string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
}

}  // namespace kestrel::testing
