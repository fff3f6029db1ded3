#include "features/vector_math.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstddef>

// glibc's vector variants, by their vector-ABI names (glibc declares them only for -ffast-math
// builds): 'b' takes two doubles in an SSE register, 'd' four in an AVX2 register.
extern "C" {
__m128d _ZGVbN2v_log(__m128d);
__m128d _ZGVbN2v_log1p(__m128d);
__m128d _ZGVbN2v_exp(__m128d);
[[gnu::target("avx2")]] __m256d _ZGVdN4v_log(__m256d);
[[gnu::target("avx2")]] __m256d _ZGVdN4v_log1p(__m256d);
[[gnu::target("avx2")]] __m256d _ZGVdN4v_exp(__m256d);
}

namespace kestrel::features {
namespace {

enum class Function { Log, Log1p, Exp };

bool has_avx2() {
  static const bool yes = [] {
    __builtin_cpu_init();  // may run before the constructor that would otherwise do it
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return yes;
}

// Each function maps blocks of 4 (AVX2) or 2 values; the last, partial block of an array is padded
// with 1.0 (a valid argument of every function) so that it goes through the same vector function
// as the others.
[[gnu::target("avx2")]] __m256d four(__m256d v, Function f) {
  switch (f) {
    case Function::Log: return _ZGVdN4v_log(v);
    case Function::Log1p: return _ZGVdN4v_log1p(v);
    case Function::Exp: return _ZGVdN4v_exp(v);
  }
  return v;
}

[[gnu::target("avx2")]] void apply_avx2(std::span<const double> x, std::span<double> out, Function f) {
  std::size_t i = 0;
  for (; i + 4 <= x.size(); i += 4) _mm256_storeu_pd(out.data() + i, four(_mm256_loadu_pd(x.data() + i), f));
  if (i == x.size()) return;
  double block[4] = {1.0, 1.0, 1.0, 1.0};
  std::copy(x.data() + i, x.data() + x.size(), block);
  _mm256_storeu_pd(block, four(_mm256_loadu_pd(block), f));
  std::copy(block, block + (x.size() - i), out.data() + i);
}

__m128d two(__m128d v, Function f) {
  switch (f) {
    case Function::Log: return _ZGVbN2v_log(v);
    case Function::Log1p: return _ZGVbN2v_log1p(v);
    case Function::Exp: return _ZGVbN2v_exp(v);
  }
  return v;
}

void apply_sse2(std::span<const double> x, std::span<double> out, Function f) {
  std::size_t i = 0;
  for (; i + 2 <= x.size(); i += 2) _mm_storeu_pd(out.data() + i, two(_mm_loadu_pd(x.data() + i), f));
  if (i == x.size()) return;
  double block[2] = {x[i], 1.0};
  _mm_storeu_pd(block, two(_mm_loadu_pd(block), f));
  out[i] = block[0];
}

void apply(std::span<const double> x, std::span<double> out, Function f) {
  assert(out.size() == x.size());
  if (has_avx2()) {
    apply_avx2(x, out, f);
  } else {
    apply_sse2(x, out, f);
  }
}

}  // namespace

void log_of(std::span<const double> x, std::span<double> out) { apply(x, out, Function::Log); }

void log1p_of(std::span<const double> x, std::span<double> out) { apply(x, out, Function::Log1p); }

void exp_of(std::span<const double> x, std::span<double> out) { apply(x, out, Function::Exp); }

double vector_log(double x) {
  log_of({&x, 1}, {&x, 1});
  return x;
}

}  // namespace kestrel::features
