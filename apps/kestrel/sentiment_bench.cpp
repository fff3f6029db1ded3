// `kestrel bench sentiment`: how fast the sentiment classifier scores texts (the bar:
// a million texts in under 10 s on 2 cores).
#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include "cli_support.hpp"
#include "core/elapsed.hpp"
#include "sentiment/sentiment_classifier.hpp"
#include "store/csv.hpp"
#include "store/text_file.hpp"

namespace kestrel::app {
namespace {

struct SentimentBenchArgs {
  std::string classifier;
  std::string texts;
  std::size_t count = 1'000'000;
};

void run_sentiment_bench(const SentimentBenchArgs& args) {
  const auto model = value_or_fail(sentiment::SentimentClassifier::load(args.classifier));
  const std::string csv = value_or_fail(store::read_text_file(args.texts));
  // The texts of the file's `text` column, repeated until there are `count`.
  store::CsvRecords records(csv);
  std::vector<std::string_view> fields;
  std::vector<std::string> storage;
  bool malformed = false;
  std::vector<std::string> texts;
  std::optional<std::size_t> column;
  while (records.next(fields, storage, malformed)) {
    if (!column) {
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (store::trim(fields[i]) == "text") column = i;
      }
      if (!column) throw CommandFailed{fmt::format("{}: no 'text' column in the header", args.texts)};
      continue;
    }
    if (*column < fields.size()) texts.emplace_back(fields[*column]);
  }
  if (malformed) throw CommandFailed{fmt::format("{}:{}: a quoted field is never closed", args.texts, records.line_number())};
  if (texts.empty()) throw CommandFailed{fmt::format("{}: no texts", args.texts)};
  std::vector<std::string_view> batch;
  batch.reserve(args.count);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < args.count; ++i) {
    batch.emplace_back(texts[i % texts.size()]);
    chars += batch.back().size();
  }
  const auto started = std::chrono::steady_clock::now();
  const auto scores = model.score_all(batch);
  const double seconds = core::seconds_since(started);
  double mean = 0;
  for (float s : scores) mean += s;
  mean /= static_cast<double>(scores.size());
  fmt::print("sentiment: scored {} texts ({} distinct from {}, {:.0f} characters on average) in {:.2f} s: "
             "{:.0f} texts/s on {} threads; mean score {:+.3f}\n",
             batch.size(), std::min(texts.size(), batch.size()), args.texts,
             static_cast<double>(chars) / static_cast<double>(batch.size()), seconds,
             static_cast<double>(batch.size()) / seconds, tbb::info::default_concurrency(), mean);
}

}  // namespace

void add_sentiment_bench(CLI::App& bench, const GlobalOptions&) {
  auto args = std::make_shared<SentimentBenchArgs>();
  CLI::App* cmd = bench.add_subcommand("sentiment", "Score many texts with a saved sentiment classifier; prints texts/s");
  cmd->add_option("--classifier", args->classifier, "Folder `kestrel news train` saved")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--texts", args->texts, "CSV with a 'text' column (e.g. ../shared/data/news/tweets-2014-2015.csv.gz)")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--count", args->count, "Texts to score (the file's texts repeated)")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->callback([args] { run_sentiment_bench(*args); });
}

}  // namespace kestrel::app
