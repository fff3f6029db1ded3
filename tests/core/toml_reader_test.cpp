// The shared TOML reader: absent keys keep defaults, every problem is collected with its
// file, line, column and dotted key, and bad values leave the default untouched.
#include <gtest/gtest.h>

#include "core/toml_reader.hpp"

namespace kestrel::core {
namespace {

TEST(TomlReader, ReadsTypedValuesAndKeepsDefaultsForAbsentKeys) {
  const auto doc = toml::parse(R"(
count = 7
ratio = 0.25
flag = true
when = 2019-12-31
names = ["a", "b"]
[sub]
kind = "rolling"
dir = "data"
)");
  TomlReader r("x.toml", "/base");
  int count = 1, missing = 42;
  double ratio = 0;
  bool flag = false;
  std::optional<core::Date> when;
  std::vector<std::string> names;
  std::filesystem::path dir;
  r.count(doc, "count", "", count, 0);
  r.count(doc, "missing", "", missing, 0);
  r.number(doc, "ratio", "", ratio, 0, 1);
  r.boolean(doc, "flag", "", flag);
  r.date(doc, "when", "", when);
  r.strings(doc, "names", "", names);
  const toml::table* sub = r.table(doc, "sub", "");
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(r.choice(*sub, "kind", "sub", {"expanding", "rolling"}), 1);
  r.path_value(*sub, "dir", "sub", dir);
  r.only(doc, "", {"count", "ratio", "flag", "when", "names", "sub"});
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_EQ(count, 7);
  EXPECT_EQ(missing, 42);
  EXPECT_EQ(ratio, 0.25);
  EXPECT_TRUE(flag);
  EXPECT_EQ(when, core::Date::parse("2019-12-31"));
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(dir, std::filesystem::path("/base/data"));
}

TEST(TomlReader, CollectsEveryProblemWithItsPositionAndKeepsDefaults) {
  const auto doc = toml::parse(R"(count = -2
ratio = "high"
[sub]
colour = 1
kind = "sideways"
sizes = [3, 0]
)",
                               std::string_view("x.toml"));
  TomlReader r("x.toml");
  int count = 5;
  double ratio = 0.5;
  std::vector<std::int64_t> sizes{8};
  r.count(doc, "count", "", count, 0);
  r.number(doc, "ratio", "", ratio, 0, 1);
  const toml::table* sub = r.table(doc, "sub", "");
  ASSERT_NE(sub, nullptr);
  r.only(*sub, "sub", {"kind", "sizes"});
  EXPECT_EQ(r.choice(*sub, "kind", "sub", {"expanding", "rolling"}), -1);
  r.positive_integers(*sub->get("sizes"), "sub.sizes", sizes);
  ASSERT_EQ(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[0], "x.toml:1:9: count: must be at least 0, got -2");
  EXPECT_EQ(r.errors[1], "x.toml:2:9: ratio: expected a number");
  EXPECT_EQ(r.errors[2], "x.toml:4:10: sub.colour: unknown key");
  EXPECT_EQ(r.errors[3], "x.toml:5:8: sub.kind: expected one of \"expanding\", \"rolling\"");
  EXPECT_EQ(r.errors[4], "x.toml:6:13: sub.sizes: expected an array of positive integers");
  EXPECT_EQ(count, 5);
  EXPECT_EQ(ratio, 0.5);
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{8}));
}

}  // namespace
}  // namespace kestrel::core
