#include "sentiment/sentiment_classifier.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/parallel_for.h>

#include "core/atomic_file.hpp"
#include "core/checksum.hpp"
#include "sentiment/hashed_text_features.hpp"
#include "store/text_file.hpp"

namespace kestrel::sentiment {
namespace {

constexpr int K = kSentimentClasses;
constexpr std::string_view kKind = "hashed_logistic_regression";

std::size_t slots(unsigned bits) { return std::size_t{1} << bits; }

SentimentClassifier::Probabilities softmax(const std::array<double, K>& z) {
  const double top = std::max({z[0], z[1], z[2]});
  std::array<double, K> e{};
  double sum = 0;
  for (int k = 0; k < K; ++k) sum += e[k] = std::exp(z[k] - top);
  SentimentClassifier::Probabilities p{};
  for (int k = 0; k < K; ++k) p[k] = static_cast<float>(e[k] / sum);
  return p;
}

std::array<double, K> logits(const std::vector<float>& w, std::size_t bias_at, const SparseText& x) {
  std::array<double, K> z{w[bias_at], w[bias_at + 1], w[bias_at + 2]};
  for (const std::uint32_t j : x.index) {
    const float* row = &w[static_cast<std::size_t>(j) * K];
    for (int k = 0; k < K; ++k) z[k] += static_cast<double>(row[k]) * x.value;
  }
  return z;
}

// AdaGrad over `order` for `epochs` passes, each pass in a fresh seeded order; `after_epoch`
// (when given) sees the weights after every pass and may stop training by returning false.
template <class AfterEpoch>
void adagrad(std::vector<float>& w, const std::vector<SparseText>& x, const std::vector<int>& y,
             std::vector<std::size_t> order, std::size_t epochs, const ClassifierOptions& o, AfterEpoch after_epoch) {
  const std::size_t bias_at = w.size() - K;
  std::vector<float> g2(w.size(), 0.0f);
  std::mt19937_64 rng(o.seed);
  const float lr = static_cast<float>(o.learning_rate);
  const float l2 = static_cast<float>(o.l2);
  for (std::size_t epoch = 1; epoch <= epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (const std::size_t i : order) {
      const auto p = softmax(logits(w, bias_at, x[i]));
      std::array<float, K> g{};
      for (int k = 0; k < K; ++k) g[k] = p[k] - (y[i] == k ? 1.0f : 0.0f);
      auto step = [&](std::size_t at, float grad) {
        g2[at] += grad * grad;
        w[at] -= lr * grad / (std::sqrt(g2[at]) + 1e-8f);
      };
      for (const std::uint32_t j : x[i].index) {
        const std::size_t row = static_cast<std::size_t>(j) * K;
        for (int k = 0; k < K; ++k) step(row + k, g[k] * x[i].value + l2 * w[row + k]);
      }
      for (int k = 0; k < K; ++k) step(bias_at + k, g[k]);
    }
    if (!after_epoch(epoch, w)) break;
  }
}

}  // namespace

SentimentClassifier::SentimentClassifier(const ClassifierOptions& options)
    : options_(options), weights_(slots(options.bits) * K + K, 0.0f) {}

core::Result<SentimentClassifier> SentimentClassifier::train(std::span<const LabelledText> rows,
                                                             const ClassifierOptions& options,
                                                             std::shared_ptr<const Lexicon> lexicon) {
  if (options.bits < 8 || options.bits > 24) return core::fail_as(core::ErrorKind::Config, "sentiment classifier: bits must be in 8..24, not {}", options.bits);
  if (rows.size() < 20) return core::fail("sentiment classifier: {} labelled texts are too few to train on", rows.size());
  if (!(options.holdout > 0 && options.holdout < 0.5)) return core::fail_as(core::ErrorKind::Config, "sentiment classifier: holdout must be in (0, 0.5)");
  std::vector<SparseText> x(rows.size());
  std::vector<int> y(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    hash_text(rows[i].text, options.bits, x[i], lexicon.get());
    y[i] = rows[i].label;
  }
  // The holdout: a seeded random tenth of the rows.
  std::vector<std::size_t> all(rows.size());
  std::iota(all.begin(), all.end(), 0);
  std::vector<std::size_t> shuffled = all;
  std::mt19937_64 split_rng(options.seed ^ 0x5DEECE66DULL);
  std::shuffle(shuffled.begin(), shuffled.end(), split_rng);
  const auto held = static_cast<std::size_t>(std::ceil(options.holdout * static_cast<double>(rows.size())));
  const std::vector<std::size_t> holdout(shuffled.begin(), shuffled.begin() + static_cast<std::ptrdiff_t>(held));
  const std::vector<std::size_t> fit_rows(shuffled.begin() + static_cast<std::ptrdiff_t>(held), shuffled.end());

  SentimentClassifier model(options);
  model.lexicon_ = std::move(lexicon);
  ClassifierTraining& t = model.training_;
  t.rows = rows.size();
  double best = std::numeric_limits<double>::infinity();
  std::size_t since_best = 0;
  {
    std::vector<float> w(model.weights_.size(), 0.0f);
    adagrad(w, x, y, fit_rows, options.max_epochs, options, [&](std::size_t epoch, const std::vector<float>& weights) {
      double loss = 0;
      std::size_t right = 0;
      for (const std::size_t i : holdout) {
        const auto p = softmax(logits(weights, weights.size() - K, x[i]));
        loss -= std::log(std::max(p[y[i]], 1e-12f));
        right += static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin()) == y[i];
      }
      loss /= static_cast<double>(holdout.size());
      if (loss < best - 1e-6) {
        best = loss;
        t.epochs = epoch;
        t.holdout_loss = loss;
        t.holdout_accuracy = static_cast<double>(right) / static_cast<double>(holdout.size());
        since_best = 0;
      } else if (++since_best >= options.patience) {
        return false;
      }
      return true;
    });
  }
  // The final model: every training row, for the chosen number of epochs.
  adagrad(model.weights_, x, y, all, t.epochs, options, [](std::size_t, const std::vector<float>&) { return true; });
  return model;
}

SentimentClassifier::Probabilities SentimentClassifier::probabilities(std::string_view text) const {
  thread_local SparseText x;
  hash_text(text, options_.bits, x, lexicon_.get());
  return softmax(logits(weights_, weights_.size() - K, x));
}

int SentimentClassifier::predict(std::string_view text) const {
  const auto p = probabilities(text);
  return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
}

float SentimentClassifier::score(std::string_view text) const {
  const auto p = probabilities(text);
  return p[kBullish] - p[kBearish];
}

std::vector<float> SentimentClassifier::score_all(std::span<const std::string_view> texts) const {
  std::vector<float> out(texts.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, texts.size(), 1024), [&](const auto& range) {
    for (std::size_t i = range.begin(); i < range.end(); ++i) out[i] = score(texts[i]);
  });
  return out;
}

core::Status SentimentClassifier::save(const std::filesystem::path& dir) const {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return core::fail("{}: cannot create the folder: {}", dir.string(), ec.message());
  const std::string_view bytes(reinterpret_cast<const char*>(weights_.data()), weights_.size() * sizeof(float));
  if (auto s = core::write_file_atomically(dir / "weights.f32", bytes); !s) return s;
  nlohmann::json meta = {
      {"kind", kKind},
      {"classes", {"bearish", "bullish", "neutral"}},
      {"score", "P(bullish) - P(bearish)"},
      {"bits", options_.bits},
      {"learning_rate", options_.learning_rate},
      {"l2", options_.l2},
      {"max_epochs", options_.max_epochs},
      {"patience", options_.patience},
      {"holdout", options_.holdout},
      {"seed", options_.seed},
      {"training", {{"rows", training_.rows}, {"epochs", training_.epochs}, {"holdout_loss", training_.holdout_loss},
                    {"holdout_accuracy", training_.holdout_accuracy}}},
      {"weights", "weights.f32"},
      {"weights_xxh64", fmt::format("{:016x}", core::xxh64(std::as_bytes(std::span(bytes.data(), bytes.size()))))},
  };
  if (lexicon_) {
    meta["lexicon"] = {{"path", lexicon_->path().string()}, {"xxh64", lexicon_->checksum()},
                       {"words", lexicon_->words()}, {"categories", lexicon_->categories()}};
  }
  return core::write_file_atomically(dir / "sentiment.json", meta.dump(2) + "\n");
}

core::Result<SentimentClassifier> SentimentClassifier::load(const std::filesystem::path& dir) {
  const auto meta_path = dir / "sentiment.json";
  auto text = store::read_text_file(meta_path);
  if (!text) return std::unexpected(text.error());
  try {
    const auto meta = nlohmann::json::parse(*text);
    if (meta.at("kind").get<std::string>() != kKind) {
      return core::fail("{}: not a sentiment classifier (kind '{}')", meta_path.string(), meta.at("kind").get<std::string>());
    }
    ClassifierOptions o;
    o.bits = meta.at("bits").get<unsigned>();
    o.learning_rate = meta.at("learning_rate").get<double>();
    o.l2 = meta.at("l2").get<double>();
    o.max_epochs = meta.at("max_epochs").get<std::size_t>();
    o.patience = meta.at("patience").get<std::size_t>();
    o.holdout = meta.at("holdout").get<double>();
    o.seed = meta.at("seed").get<std::uint64_t>();
    if (o.bits < 8 || o.bits > 24) return core::fail("{}: bits {} is outside 8..24", meta_path.string(), o.bits);
    SentimentClassifier model(o);
    const auto& t = meta.at("training");
    model.training_ = {.rows = t.at("rows").get<std::size_t>(), .epochs = t.at("epochs").get<std::size_t>(),
                       .holdout_loss = t.at("holdout_loss").get<double>(),
                       .holdout_accuracy = t.at("holdout_accuracy").get<double>()};
    const auto weights_path = dir / meta.at("weights").get<std::string>();
    auto bytes = store::read_text_file(weights_path);
    if (!bytes) return std::unexpected(bytes.error());
    if (bytes->size() != model.weights_.size() * sizeof(float)) {
      return core::fail("{}: {} bytes, expected {} for 2^{} slots", weights_path.string(), bytes->size(),
                        model.weights_.size() * sizeof(float), o.bits);
    }
    const std::string sum = fmt::format("{:016x}", core::xxh64(std::as_bytes(std::span(bytes->data(), bytes->size()))));
    if (sum != meta.at("weights_xxh64").get<std::string>()) {
      return core::fail("{}: checksum {} does not match sentiment.json's {}: the file is damaged", weights_path.string(), sum,
                        meta.at("weights_xxh64").get<std::string>());
    }
    std::memcpy(model.weights_.data(), bytes->data(), bytes->size());
    if (const auto lex = meta.find("lexicon"); lex != meta.end()) {
      const std::filesystem::path path = lex->at("path").get<std::string>();
      auto lexicon = Lexicon::read(path);
      if (!lexicon) {
        return core::fail("{}: the classifier was trained with the lexicon {}, which cannot be read: {}",
                          meta_path.string(), path.string(), lexicon.error().message);
      }
      if (lexicon->checksum() != lex->at("xxh64").get<std::string>()) {
        return core::fail("{}: the lexicon {} changed since the classifier was trained with it (checksum {}, "
                          "trained with {}): retrain, or restore that file",
                          meta_path.string(), path.string(), lexicon->checksum(), lex->at("xxh64").get<std::string>());
      }
      model.lexicon_ = std::make_shared<const Lexicon>(std::move(*lexicon));
    }
    return model;
  } catch (const nlohmann::json::exception& e) {
    return core::fail("{}: {}", meta_path.string(), e.what());
  }
}

}  // namespace kestrel::sentiment
