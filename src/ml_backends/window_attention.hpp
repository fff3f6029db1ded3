#pragma once
// The attention core of the Transformer's encoder layers, written for short windows.
// LibTorch 1.13 (without MKL) multiplies batched matrices one matrix at a time: at the CPU
// preset (20-day windows, 4 heads of 16) a training step made 12 batched products of 1,024
// tiny matrices each, forward and backward, and they and the attention's serial dropout took
// most of the step. Here each (sample, head) pair is one small loop nest on one thread, forward
// and backward, with the keyed dropout of keyed_dropout.hpp on the weights.
// Torch header: include only from the ml module's torch translation units.
#include <cstdint>

#include <torch/torch.h>

namespace kestrel::ml {

// What LibTorch's MultiheadAttention computes between its input and output projections: per
// head, softmax(q·kᵀ / √d_head), dropout on those weights while training, times v.
// q [Lq, B, d]; k and v [L, B, d] (the encoder's sequence-first layout; views such as slices of
// one projection are fine). Returns [Lq, B, d], the heads side by side as MultiheadAttention
// concatenates them. Differentiable in q, k and v. The weights' dropout mask element
// ((b·heads + h)·Lq + t)·L + s is dropout_keeps(key, that index), key = draw_dropout_key().
// Off the CPU or in another dtype: window_attention_reference with torch::dropout.
torch::Tensor window_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               std::int64_t heads, double dropout, bool training);

// The same in LibTorch operations; `weight_mask`, if defined ([B·heads, Lq, L]), multiplies
// the weights after the softmax. The reference for the tests.
torch::Tensor window_attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                         std::int64_t heads, const torch::Tensor& weight_mask);

}  // namespace kestrel::ml
