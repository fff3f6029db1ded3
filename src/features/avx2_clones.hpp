#pragma once
// For the kernels whose time goes into wide element-wise loops (divisions, square roots,
// ratios): compiled twice, for AVX2 (four doubles per instruction) and for the x86-64 baseline
// (two), with the dynamic loader picking one for the CPU it runs on (GCC's target_clones, an
// ifunc). Everything the kernel calls within its own file is inlined into it (flatten), so that
// its helpers and lambdas are widened with it rather than left as one baseline copy.
//
// "avx2" does not include FMA, so the compiler fuses no multiply and add: both versions round
// every operation the same way and give the same values, bit for bit (the export's MD5 is the
// same either way; docs/benchmarks.md, "Features, 2026-11-30, morning").
#define KESTREL_AVX2_CLONES [[gnu::target_clones("avx2", "default"), gnu::flatten]]
