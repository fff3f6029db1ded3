// The Transformer's eval-mode shortcut (final layer for the last query only) must score
// what the whole encoder scores, and still read the whole window.
#include <gtest/gtest.h>

#include "ml_backends/neural_networks.hpp"

namespace kestrel::ml {
namespace {

TEST(TransformerNetwork, LastQueryShortcutMatchesTheWholeEncoder) {
  for (const std::int64_t layers : {1, 3}) {
    torch::manual_seed(7);
    TransformerNetwork net(11, 32, 4, layers, 48, 0.2);
    net.eval();
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({64, 17, 11});
    const auto fast = net.forward(x);
    const auto full = net.forward_all_positions(x);
    ASSERT_EQ(fast.sizes(), full.sizes());
    EXPECT_TRUE(torch::allclose(fast, full, 1e-5, 1e-5))
        << layers << " layers: max difference " << (fast - full).abs().max().item<float>();
  }
}

TEST(TransformerNetwork, ShortcutDependsOnTheWholeWindow) {
  // Keys and values still span the window: changing the oldest day changes the score.
  torch::manual_seed(3);
  TransformerNetwork net(5, 16, 2, 2, 32, 0.0);
  net.eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({8, 10, 5});
  const auto before = net.forward(x);
  x.select(1, 0).add_(3.0);
  EXPECT_FALSE(torch::allclose(before, net.forward(x)));
}

}  // namespace
}  // namespace kestrel::ml
