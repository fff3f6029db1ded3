#include "ml_backends/keyed_dropout.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

namespace kestrel::ml {

std::uint64_t draw_dropout_key() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get<at::CPUGeneratorImpl>()->random64();
}

std::uint32_t dropout_threshold(double p) {
  return static_cast<std::uint32_t>(std::clamp(std::ldexp(p, 32), 0.0, 4294967295.0));
}

torch::Tensor keyed_dropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0) return x;
  if (!x.is_cpu()) return torch::dropout(x, p, true);
  const std::uint64_t key = draw_dropout_key();
  const std::uint32_t threshold = dropout_threshold(p);
  const float kept_scale = static_cast<float>(1.0 / (1.0 - p));
  auto mask = torch::empty(x.sizes(), x.options().dtype(torch::kFloat32).requires_grad(false));
  float* m = mask.data_ptr<float>();
  at::parallel_for(0, mask.numel(), 16384, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      m[i] = dropout_keeps(key, static_cast<std::uint64_t>(i), threshold) ? kept_scale : 0.0f;
    }
  });
  return x * mask.to(x.scalar_type());
}

}  // namespace kestrel::ml
