// The Transformer's own attention core and dropout (window_attention.hpp, keyed_dropout.hpp)
// against LibTorch's operations: the same values and gradients, the documented mask, the
// documented drop rate, and the same bits on one thread as on two.
#include <gtest/gtest.h>

#include "ml_backends/keyed_dropout.hpp"
#include "ml_backends/window_attention.hpp"

namespace kestrel::ml {
namespace {

struct Operands {
  torch::Tensor projection;  // [L, B, 3d]: q, k and v are slices of it, as in the encoder
  torch::Tensor q, k, v;
};

Operands operands(std::int64_t length, std::int64_t batch, std::int64_t width, std::int64_t queries) {
  Operands o;
  o.projection = torch::randn({length, batch, 3 * width}).requires_grad_(true);
  o.q = o.projection.slice(2, 0, width).slice(0, length - queries);
  o.k = o.projection.slice(2, width, 2 * width);
  o.v = o.projection.slice(2, 2 * width, 3 * width);
  return o;
}

// The mask window_attention documents: element ((b·heads + h)·Lq + t)·L + s of the key drawn.
torch::Tensor documented_mask(std::uint64_t key, double p, std::int64_t pairs, std::int64_t queries,
                              std::int64_t keys) {
  auto mask = torch::empty({pairs, queries, keys});
  float* m = mask.data_ptr<float>();
  const auto threshold = dropout_threshold(p);
  for (std::int64_t i = 0; i < mask.numel(); ++i) {
    m[i] = dropout_keeps(key, static_cast<std::uint64_t>(i), threshold) ? static_cast<float>(1 / (1 - p)) : 0.0f;
  }
  return mask;
}

double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / std::max(1e-12, b.abs().max().item<double>());
}

TEST(WindowAttention, MatchesLibTorchsOperationsWithTheDocumentedMask) {
  const std::int64_t length = 13, batch = 9, width = 24, heads = 3;
  for (const std::int64_t queries : {length, std::int64_t{1}}) {
    for (const double p : {0.0, 0.3}) {
      torch::manual_seed(5);
      auto ours = operands(length, batch, width, queries);
      torch::manual_seed(99);
      const auto upstream = torch::randn({queries, batch, width});
      torch::manual_seed(5);
      auto theirs = operands(length, batch, width, queries);

      torch::manual_seed(21);
      const auto out = window_attention(ours.q, ours.k, ours.v, heads, p, /*training=*/true);
      torch::manual_seed(21);
      const auto mask = p > 0 ? documented_mask(draw_dropout_key(), p, batch * heads, queries, length) : torch::Tensor();
      const auto expected = window_attention_reference(theirs.q, theirs.k, theirs.v, heads, mask);

      ASSERT_EQ(out.sizes(), expected.sizes());
      EXPECT_LT(relative_difference(out, expected), 1e-5) << "queries " << queries << ", p " << p;
      (out * upstream).sum().backward();
      (expected * upstream).sum().backward();
      EXPECT_LT(relative_difference(ours.projection.grad(), theirs.projection.grad()), 1e-5)
          << "gradient, queries " << queries << ", p " << p;
    }
  }
}

TEST(WindowAttention, DropoutOnlyWhileTraining) {
  torch::manual_seed(4);
  const auto o = operands(8, 5, 16, 8);
  torch::NoGradGuard no_grad;
  const auto scoring = window_attention(o.q, o.k, o.v, 2, 0.5, /*training=*/false);
  EXPECT_TRUE(torch::allclose(scoring, window_attention_reference(o.q, o.k, o.v, 2, {}), 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(scoring, window_attention(o.q, o.k, o.v, 2, 0.5, /*training=*/true)));
}

TEST(KeyedDropout, DropsAtTheRateAskedAndScalesWhatItKeeps) {
  torch::manual_seed(8);
  const auto x = torch::rand({1000, 1000}) + 1;  // no zeros of its own
  for (const double p : {0.1, 0.5}) {
    const auto y = keyed_dropout(x, p, /*training=*/true);
    const double dropped = (y == 0).to(torch::kDouble).mean().item<double>();
    EXPECT_NEAR(dropped, p, 0.003) << "p " << p;  // ±6 standard errors of 10^6 draws
    const auto kept = y != 0;
    EXPECT_TRUE(torch::allclose(y.masked_select(kept), x.masked_select(kept) / (1 - p)));
  }
  EXPECT_TRUE(keyed_dropout(x, 0.5, /*training=*/false).equal(x));
}

TEST(KeyedDropout, SameSeedSameMaskOnAnyNumberOfThreads) {
  const auto x = torch::ones({300, 1000});
  const auto masked = [&](int threads) {
    torch::set_num_threads(threads);
    torch::manual_seed(17);
    return keyed_dropout(x, 0.2, /*training=*/true);
  };
  const auto one = masked(1);
  const auto two = masked(2);
  EXPECT_TRUE(one.equal(two));
  torch::manual_seed(18);
  EXPECT_FALSE(one.equal(keyed_dropout(x, 0.2, /*training=*/true)));
}

}  // namespace
}  // namespace kestrel::ml
