#pragma once
// Logarithms and exponentials of whole arrays through glibc's vector math library (libmvec),
// four values per call with AVX2 and two without. The feature set takes about six logarithms
// per bar; one by one, through libm, they were the largest single item of its profile.
//
// libmvec's results are within a few ulp of libm's (2 for the logarithms, 3 for the
// exponential, tested) rather than bit for bit libm's. So every logarithm and exponential of
// the price features goes through these functions, single values included: the same input
// gives the same output wherever it is taken, whatever its position in an array. (The machine
// decides between the two widths once; a machine with AVX2 and one without may differ in the
// last bit, as libm's own variants may.)
#include <span>

namespace kestrel::features {

// out[i] = log(x[i]) for every element (NaN stays NaN, 0 gives -inf, negatives NaN). `out` has
// x's size and may be x itself.
void log_of(std::span<const double> x, std::span<double> out);
// out[i] = log1p(x[i]) = log(1 + x[i]).
void log1p_of(std::span<const double> x, std::span<double> out);
// out[i] = exp(x[i]).
void exp_of(std::span<const double> x, std::span<double> out);
// One logarithm, computed exactly as log_of computes it.
double vector_log(double x);

}  // namespace kestrel::features
