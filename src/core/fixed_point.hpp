#pragma once
// Fixed-point money and prices for orders and accounting. Both are int64 counts of
// micro-dollars (1 unit = 1e-6 USD): fine enough for split-adjusted prices of a few cents
// (0.000001 relative error at $1), and wide enough for ±9.2 trillion dollars. Quantities are
// whole shares (int64). Conversions from floating point are checked and return errors;
// arithmetic overflow (or rounding a NaN) means the numbers are far outside any real account,
// a programmer error: it throws std::overflow_error, which the CLI reports as an error and a
// test reports as a failure of that test — never an abort of the whole process.
#include <cmath>
#include <compare>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace kestrel::core {

inline constexpr std::int64_t kFixedScale = 1'000'000;  // units per dollar
using Quantity = std::int64_t;                           // shares, negative = short/sell

[[noreturn]] inline void fixed_point_overflow(const char* what) {
  throw std::overflow_error(std::string("fixed-point overflow in ") + what);
}

inline std::int64_t checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) fixed_point_overflow("add");
  return r;
}
inline std::int64_t checked_sub(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) fixed_point_overflow("sub");
  return r;
}
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) fixed_point_overflow("mul");
  return r;
}
// Rounds a double to int64 (half away from zero); aborts when it is not representable.
inline std::int64_t checked_round(double v) {
  if (!std::isfinite(v) || std::fabs(v) >= 9.2e18) fixed_point_overflow("round");
  return static_cast<std::int64_t>(std::llround(v));
}

template <class Tag>
class Fixed {
 public:
  constexpr Fixed() = default;
  static constexpr Fixed from_raw(std::int64_t raw) { return Fixed(raw); }
  // Whole cents or dollars written in code, e.g. Fixed::dollars(100).
  static constexpr Fixed dollars(std::int64_t d) { return Fixed(d * kFixedScale); }
  // Rounds to the nearest micro-dollar; fails for NaN, infinities and out-of-range values.
  static Result<Fixed> from_double(double value) {
    if (!std::isfinite(value)) return fail("not a finite number: {}", value);
    const double scaled = value * static_cast<double>(kFixedScale);
    if (std::fabs(scaled) >= 9.2e18) return fail("out of the fixed-point range: {}", value);
    return Fixed(static_cast<std::int64_t>(std::llround(scaled)));
  }
  // For values already known to be finite and in range (e.g. computed from valid prices).
  static Fixed round(double value) { return Fixed(checked_round(value * static_cast<double>(kFixedScale))); }

  constexpr std::int64_t raw() const { return raw_; }
  constexpr double to_double() const { return static_cast<double>(raw_) / static_cast<double>(kFixedScale); }
  constexpr bool is_zero() const { return raw_ == 0; }

  Fixed operator+(Fixed o) const { return Fixed(checked_add(raw_, o.raw_)); }
  Fixed operator-(Fixed o) const { return Fixed(checked_sub(raw_, o.raw_)); }
  Fixed operator-() const { return Fixed(checked_sub(0, raw_)); }
  Fixed& operator+=(Fixed o) { return *this = *this + o; }
  Fixed& operator-=(Fixed o) { return *this = *this - o; }
  // Scaling by a ratio (fees, slippage, weights), rounded to the nearest unit.
  Fixed scaled(double ratio) const { return Fixed(checked_round(static_cast<double>(raw_) * ratio)); }
  Fixed abs() const { return raw_ < 0 ? -*this : *this; }
  constexpr auto operator<=>(const Fixed&) const = default;

 private:
  constexpr explicit Fixed(std::int64_t raw) : raw_(raw) {}
  std::int64_t raw_ = 0;
};

struct PriceTag;
struct MoneyTag;
using Price = Fixed<PriceTag>;  // per share
using Money = Fixed<MoneyTag>;  // cash, values, P&L, fees

// price × shares, exact.
inline Money notional(Price price, Quantity quantity) {
  return Money::from_raw(checked_mul(price.raw(), quantity));
}
// Whole shares that `money` buys at `price` (rounded toward zero); 0 for a non-positive price.
inline Quantity shares_for(Money money, Price price) {
  return price.raw() > 0 ? money.raw() / price.raw() : 0;
}
inline Money min(Money a, Money b) { return a < b ? a : b; }
inline Money max(Money a, Money b) { return a < b ? b : a; }

// "123.456789" with all six decimals trimmed of trailing zeros (at least two kept).
template <class Tag>
std::string to_string(Fixed<Tag> value) {
  const std::int64_t raw = value.raw();
  const std::uint64_t mag = raw < 0 ? 0ULL - static_cast<std::uint64_t>(raw) : static_cast<std::uint64_t>(raw);
  std::string frac = fmt::format("{:06d}", mag % kFixedScale);
  while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
  return fmt::format("{}{}.{}", raw < 0 ? "-" : "", mag / kFixedScale, frac);
}

}  // namespace kestrel::core
