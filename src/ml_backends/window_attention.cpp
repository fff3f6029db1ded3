#include "ml_backends/window_attention.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include <ATen/Parallel.h>

#include "ml_backends/keyed_dropout.hpp"

namespace kestrel::ml {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

constexpr std::int64_t kPairsPerTask = 16;  // (sample, head) pairs: a few microseconds each

// Shapes and strides of one call. Element (t, b, c) of a [T, B, d] operand whose last
// dimension is contiguous sits at t·stride0 + b·stride1 + c.
struct Layout {
  std::int64_t queries, batch, width, keys, heads, head_width;
  std::int64_t q0, q1, k0, k1, v0, v1;
  float scale;  // 1 / √head_width

  Layout(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, std::int64_t heads_)
      : queries(q.size(0)), batch(q.size(1)), width(q.size(2)), keys(k.size(0)), heads(heads_),
        head_width(q.size(2) / heads_), q0(q.stride(0)), q1(q.stride(1)), k0(k.stride(0)), k1(k.stride(1)),
        v0(v.stride(0)), v1(v.stride(1)), scale(1.0f / std::sqrt(static_cast<float>(q.size(2) / heads_))) {}
};

// Dropout of the weights: which are kept, and the factor of a kept one.
struct WeightDropout {
  bool active = false;
  std::uint64_t key = 0;
  std::uint32_t threshold = 0;
  float kept_scale = 1;

  float factor(std::uint64_t index) const {
    return !active || dropout_keeps(key, index, threshold) ? kept_scale : 0.0f;
  }
};

// The dropout of mask `key` at rate p; the backward pass rebuilds the forward's from its key.
WeightDropout weight_dropout_with_key(double p, std::uint64_t key) {
  return {.active = true, .key = key, .threshold = dropout_threshold(p),
          .kept_scale = static_cast<float>(1.0 / (1.0 - p))};
}

// A fresh mask for a training forward pass, none otherwise.
WeightDropout weight_dropout(double p, bool training) {
  if (!training || p <= 0) return {};
  return weight_dropout_with_key(p, draw_dropout_key());
}

// The loops below are compiled twice, for AVX2 and for any x86-64, and the better one is
// picked when the module loads. Without FMA in either clone, both give the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define KESTREL_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define KESTREL_VECTOR_CLONES
#endif

// Σ a[c]·b[c] in eight interleaved partial sums: vectorisable, in a fixed order. Used by the
// backward pass only; the forward scores against keys stored by column instead.
inline float dot(const float* a, const float* b, std::int64_t n) {
  float lanes[8] = {};
  std::int64_t c = 0;
  for (; c + 8 <= n; c += 8) {
    for (int l = 0; l < 8; ++l) lanes[l] += a[c + l] * b[c + l];
  }
  float rest = 0;
  for (; c < n; ++c) rest += a[c] * b[c];
  return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7])) + rest;
}

struct Operands {
  const float* q;
  const float* k;
  const float* v;
};

// Forward for one (sample, head) pair: its head's columns of out [Lq, B, d], and its softmax
// weights before dropout in `weights` [Lq, L]. `keys_by_column` is scratch for the pair's keys
// transposed ([d_head, L]), so that a query's scores are vector operations across the keys.
KESTREL_VECTOR_CLONES void attend_pair(const Layout& s, const Operands& in, std::int64_t pair,
                                       const WeightDropout& drop, float* out, float* weights, float* keys_by_column) {
  const std::int64_t b = pair / s.heads;
  const std::int64_t column = (pair % s.heads) * s.head_width;
  for (std::int64_t j = 0; j < s.keys; ++j) {
    const float* kj = in.k + j * s.k0 + b * s.k1 + column;
    for (std::int64_t c = 0; c < s.head_width; ++c) keys_by_column[c * s.keys + j] = kj[c] * s.scale;
  }
  for (std::int64_t t = 0; t < s.queries; ++t) {
    const float* qt = in.q + t * s.q0 + b * s.q1 + column;
    float* row = weights + t * s.keys;
    std::fill(row, row + s.keys, 0.0f);
    for (std::int64_t c = 0; c < s.head_width; ++c) {
      const float qc = qt[c];
      const float* kc = keys_by_column + c * s.keys;
      for (std::int64_t j = 0; j < s.keys; ++j) row[j] += qc * kc[j];
    }
    float top = -std::numeric_limits<float>::infinity();
    for (std::int64_t j = 0; j < s.keys; ++j) top = std::max(top, row[j]);
    float sum = 0;
    for (std::int64_t j = 0; j < s.keys; ++j) {
      row[j] = std::exp(row[j] - top);
      sum += row[j];
    }
    const float inverse = 1.0f / sum;
    for (std::int64_t j = 0; j < s.keys; ++j) row[j] *= inverse;

    float* ot = out + (t * s.batch + b) * s.width + column;
    std::fill(ot, ot + s.head_width, 0.0f);
    const auto first = static_cast<std::uint64_t>((pair * s.queries + t) * s.keys);
    for (std::int64_t j = 0; j < s.keys; ++j) {
      const float w = row[j] * drop.factor(first + static_cast<std::uint64_t>(j));
      const float* vj = in.v + j * s.v0 + b * s.v1 + column;
      for (std::int64_t c = 0; c < s.head_width; ++c) ot[c] += w * vj[c];
    }
  }
}

// Backward for one pair, for the upstream gradient g [Lq, B, d] (contiguous): adds into its
// head's columns of dq, dk and dv (contiguous), which no other pair writes.
KESTREL_VECTOR_CLONES void attend_pair_backward(const Layout& s, const Operands& in, std::int64_t pair,
                                                const float* weights, const WeightDropout& drop, const float* g,
                                                float* dq, float* dk, float* dv, float* d_weight) {
  const std::int64_t b = pair / s.heads;
  const std::int64_t column = (pair % s.heads) * s.head_width;
  for (std::int64_t t = 0; t < s.queries; ++t) {
    const float* gt = g + (t * s.batch + b) * s.width + column;
    const float* row = weights + (pair * s.queries + t) * s.keys;
    const auto first = static_cast<std::uint64_t>((pair * s.queries + t) * s.keys);
    // d(out)/d(weight j) through the dropout; v's gradient from the dropped weights.
    float weighted = 0;  // Σ_j weight_j · dweight_j, for the softmax's backward
    for (std::int64_t j = 0; j < s.keys; ++j) {
      const float factor = drop.factor(first + static_cast<std::uint64_t>(j));
      const float* vj = in.v + j * s.v0 + b * s.v1 + column;
      float* dvj = dv + (j * s.batch + b) * s.width + column;
      const float w = row[j] * factor;
      for (std::int64_t c = 0; c < s.head_width; ++c) dvj[c] += w * gt[c];
      d_weight[j] = dot(gt, vj, s.head_width) * factor;
      weighted += row[j] * d_weight[j];
    }
    // Softmax backward, then the scaled dot products.
    const float* qt = in.q + t * s.q0 + b * s.q1 + column;
    float* dqt = dq + (t * s.batch + b) * s.width + column;
    for (std::int64_t j = 0; j < s.keys; ++j) {
      const float d_score = row[j] * (d_weight[j] - weighted) * s.scale;
      const float* kj = in.k + j * s.k0 + b * s.k1 + column;
      float* dkj = dk + (j * s.batch + b) * s.width + column;
      for (std::int64_t c = 0; c < s.head_width; ++c) {
        dqt[c] += d_score * kj[c];
        dkj[c] += d_score * qt[c];
      }
    }
  }
}

// Forward over every pair. `weights` [B·heads, Lq, L] keeps the softmax for a backward pass;
// null when scoring (a per-task scratch row block instead).
void attend(const Layout& s, const Operands& in, const WeightDropout& drop, float* out, float* weights) {
  at::parallel_for(0, s.batch * s.heads, kPairsPerTask, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> scratch(weights == nullptr ? static_cast<std::size_t>(s.queries * s.keys) : 0);
    std::vector<float> keys_by_column(static_cast<std::size_t>(s.head_width * s.keys));
    for (std::int64_t pair = begin; pair < end; ++pair) {
      float* pair_weights = weights == nullptr ? scratch.data() : weights + pair * s.queries * s.keys;
      attend_pair(s, in, pair, drop, out, pair_weights, keys_by_column.data());
    }
  });
}

void attend_backward(const Layout& s, const Operands& in, const float* weights, const WeightDropout& drop,
                     const float* g, float* dq, float* dk, float* dv) {
  at::parallel_for(0, s.batch * s.heads, kPairsPerTask, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> d_weight(static_cast<std::size_t>(s.keys));
    for (std::int64_t pair = begin; pair < end; ++pair) {
      attend_pair_backward(s, in, pair, weights, drop, g, dq, dk, dv, d_weight.data());
    }
  });
}

Operands operands_of(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  return {q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>()};
}

class WindowAttention : public torch::autograd::Function<WindowAttention> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, std::int64_t heads, double dropout, bool training) {
    const Layout layout(q, k, v, heads);
    const WeightDropout drop = weight_dropout(dropout, training);
    auto out = torch::empty({layout.queries, layout.batch, layout.width}, q.options());
    auto weights = torch::empty({layout.batch * heads, layout.queries, layout.keys}, q.options());
    attend(layout, operands_of(q, k, v), drop, out.data_ptr<float>(), weights.data_ptr<float>());
    ctx->save_for_backward({q, k, v, weights});
    ctx->saved_data["heads"] = heads;
    ctx->saved_data["active"] = drop.active;
    ctx->saved_data["key"] = static_cast<std::int64_t>(drop.key);
    ctx->saved_data["dropout"] = dropout;
    return out;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &weights = saved[3];
    const Layout layout(q, k, v, ctx->saved_data["heads"].toInt());
    const WeightDropout drop =
        ctx->saved_data["active"].toBool()
            ? weight_dropout_with_key(ctx->saved_data["dropout"].toDouble(),
                                      static_cast<std::uint64_t>(ctx->saved_data["key"].toInt()))
            : WeightDropout{};
    const torch::Tensor g = grads[0].contiguous();
    auto dq = torch::zeros({layout.queries, layout.batch, layout.width}, q.options());
    auto dk = torch::zeros({layout.keys, layout.batch, layout.width}, k.options());
    auto dv = torch::zeros({layout.keys, layout.batch, layout.width}, v.options());
    attend_backward(layout, operands_of(q, k, v), weights.data_ptr<float>(), drop, g.data_ptr<float>(),
                    dq.data_ptr<float>(), dk.data_ptr<float>(), dv.data_ptr<float>());
    return {dq, dk, dv, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

bool kernel_applies(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  for (const auto* t : {&q, &k, &v}) {
    if (!t->is_cpu() || t->scalar_type() != torch::kFloat32 || t->dim() != 3 || t->stride(2) != 1) return false;
  }
  return true;
}

}  // namespace

torch::Tensor window_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               std::int64_t heads, double dropout, bool training) {
  TORCH_CHECK(q.dim() == 3 && k.sizes() == v.sizes() && q.size(1) == k.size(1) && q.size(2) == k.size(2),
              "window_attention: q [Lq, B, d], k and v [L, B, d]");
  TORCH_CHECK(heads > 0 && q.size(2) % heads == 0, "window_attention: width ", q.size(2), " is not divisible by ",
              heads, " heads");
  if (!kernel_applies(q, k, v)) {
    const auto keep = training && dropout > 0
                          ? torch::dropout(torch::ones({q.size(1) * heads, q.size(0), k.size(0)}, q.options()),
                                           dropout, true)
                          : torch::Tensor();
    return window_attention_reference(q, k, v, heads, keep);
  }
  const bool needs_graph = torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad());
  if (needs_graph) return WindowAttention::apply(q, k, v, heads, dropout, training);
  // Scoring: the forward loops alone, nothing kept for a backward pass.
  const Layout layout(q, k, v, heads);
  const WeightDropout drop = weight_dropout(dropout, training);
  auto out = torch::empty({layout.queries, layout.batch, layout.width}, q.options());
  attend(layout, operands_of(q, k, v), drop, out.data_ptr<float>(), nullptr);
  return out;
}

torch::Tensor window_attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                         std::int64_t heads, const torch::Tensor& weight_mask) {
  const std::int64_t queries = q.size(0), batch = q.size(1), width = q.size(2), keys = k.size(0);
  const std::int64_t head_width = width / heads;
  // [T, B, d] -> [B·heads, T, d_head], as MultiheadAttention reshapes.
  const auto split = [&](const torch::Tensor& x, std::int64_t length) {
    return x.reshape({length, batch * heads, head_width}).transpose(0, 1);
  };
  auto weights = torch::softmax(torch::bmm(split(q, queries), split(k, keys).transpose(1, 2)) /
                                    std::sqrt(static_cast<double>(head_width)),
                                -1);
  if (weight_mask.defined()) weights = weights * weight_mask;
  return torch::bmm(weights, split(v, keys)).transpose(0, 1).reshape({queries, batch, width});
}

}  // namespace kestrel::ml
