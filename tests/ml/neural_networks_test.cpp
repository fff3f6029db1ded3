// The Transformer's own encoder code (final layer for the last query only, its attention core
// and dropout) must score what LibTorch's whole encoder scores, in scoring and in training,
// and still read the whole window; its attention maps are the softmax the layers compute, head
// by head.
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

// Training without dropout: the same scores and the same gradient for every parameter as
// LibTorch's layers over every position.
TEST(TransformerNetwork, TrainingMatchesTheWholeEncoderWithoutDropout) {
  torch::manual_seed(9);
  TransformerNetwork net(7, 32, 4, 2, 48, 0.0);
  net.train();
  const auto x = torch::randn({16, 12, 7});
  const auto y = (torch::rand({16}) > 0.5).to(torch::kFloat32);
  const auto gradients = [&](const torch::Tensor& scores) {
    net.zero_grad();
    torch::binary_cross_entropy_with_logits(scores, y).backward();
    std::vector<torch::Tensor> out;
    for (const auto& p : net.parameters()) out.push_back(p.grad().clone());
    return std::make_pair(scores.detach(), out);
  };
  const auto [ours, our_gradients] = gradients(net.forward(x));
  const auto [theirs, their_gradients] = gradients(net.forward_all_positions(x));
  EXPECT_TRUE(torch::allclose(ours, theirs, 1e-5, 1e-5)) << (ours - theirs).abs().max().item<float>();
  ASSERT_EQ(our_gradients.size(), their_gradients.size());
  for (std::size_t i = 0; i < our_gradients.size(); ++i) {
    EXPECT_TRUE(torch::allclose(our_gradients[i], their_gradients[i], 1e-4, 1e-6))
        << "parameter " << i << ": max difference " << (our_gradients[i] - their_gradients[i]).abs().max().item<float>();
  }
}

// With dropout, a training pass is random but reproducible from torch::manual_seed.
TEST(TransformerNetwork, TrainingDropoutFollowsTheSeed) {
  torch::manual_seed(2);
  TransformerNetwork net(5, 16, 2, 2, 32, 0.3);
  net.train();
  const auto x = torch::randn({8, 10, 5});
  const auto pass = [&](std::uint64_t seed) {
    torch::manual_seed(seed);
    return net.forward(x).detach();
  };
  EXPECT_TRUE(pass(1).equal(pass(1)));
  EXPECT_FALSE(pass(1).equal(pass(2)));
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

// Layer 1's attention of the last query, written out from the layer's own projections:
// softmax(q·k / sqrt(d_head)) per head, heads in the order of the projection's rows.
TEST(TransformerNetwork, AttentionMapsAreEachHeadsSoftmaxOfTheLastQuery) {
  torch::manual_seed(11);
  const std::int64_t features = 6, d = 16, heads = 4, length = 9, batch = 5;
  TransformerNetwork net(features, d, heads, 2, 24, 0.0);
  net.eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({batch, length, features});
  const auto maps = net.last_query_attention(x);
  ASSERT_EQ(maps.sizes(), (std::vector<std::int64_t>{2, batch, heads, length}));
  // Every (layer, sample, head) row is a distribution over the window.
  EXPECT_TRUE(torch::allclose(maps.sum(-1), torch::ones({2, batch, heads}), 1e-5, 1e-5));
  EXPECT_TRUE((maps >= 0).all().item<bool>());

  const auto params = net.named_parameters();
  const auto buffers = net.named_buffers();
  const auto h = (torch::matmul(x, params["input.weight"].t()) + params["input.bias"]).transpose(0, 1) +
                 buffers["positions"].slice(0, 0, length);  // [L, B, d]
  const auto w = params["encoder.layers.0.self_attn.in_proj_weight"];
  const auto bias = params["encoder.layers.0.self_attn.in_proj_bias"];
  const auto q = torch::matmul(h[length - 1], w.slice(0, 0, d).t()) + bias.slice(0, 0, d);  // [B, d]
  const auto k = torch::matmul(h, w.slice(0, d, 2 * d).t()) + bias.slice(0, d, 2 * d);      // [L, B, d]
  const std::int64_t dh = d / heads;
  for (std::int64_t head = 0; head < heads; ++head) {
    const auto qh = q.slice(1, head * dh, (head + 1) * dh);         // [B, dh]
    const auto kh = k.slice(2, head * dh, (head + 1) * dh);         // [L, B, dh]
    const auto scores = (kh * qh.unsqueeze(0)).sum(-1).t() / std::sqrt(static_cast<double>(dh));  // [B, L]
    const auto expected = torch::softmax(scores, -1);
    const auto got = maps[0].select(1, head);  // [B, L]
    EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-5))
        << "head " << head << ": max difference " << (got - expected).abs().max().item<float>();
  }
}

}  // namespace
}  // namespace kestrel::ml
