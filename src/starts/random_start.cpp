#include "starts/random_start.hpp"

#include <cmath>
#include <numbers>

namespace mpinmf {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

constexpr std::uint64_t kStreamW = 1;
constexpr std::uint64_t kStreamH = 2;

/// |N(0, 1)| by Box–Muller from two counters, so it depends on the indices alone.
double half_normal(std::uint64_t seed, std::uint64_t stream, Index row, Index column) {
  const auto r = static_cast<std::uint64_t>(row);
  const auto c = static_cast<std::uint64_t>(column);
  const double u1 = counter_uniform(seed, 2 * stream, r, c);
  const double u2 = counter_uniform(seed, 2 * stream + 1, r, c);
  return std::abs(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2));
}

}  // namespace

double counter_uniform(std::uint64_t seed, std::uint64_t stream, std::uint64_t row,
                       std::uint64_t column) {
  std::uint64_t x = splitmix64(seed);
  x = splitmix64(x ^ stream);
  x = splitmix64(x ^ row);
  x = splitmix64(x ^ column);
  // 53 random bits, shifted by half a unit so that 0 never occurs.
  return (static_cast<double>(x >> 11U) + 0.5) * 0x1.0p-53;
}

Factors random_factors(std::uint64_t seed, IndexRange rows, Index columns, Index rank,
                       double mean_of_v) {
  const double scale = std::sqrt(mean_of_v / static_cast<double>(rank));
  Factors factors;
  factors.W.resize(rows.size(), rank);
  for (Index i = 0; i < rows.size(); ++i) {
    for (Index j = 0; j < rank; ++j) {
      factors.W(i, j) = scale * half_normal(seed, kStreamW, rows.begin + i, j);
    }
  }
  factors.H.resize(rank, columns);
  for (Index j = 0; j < columns; ++j) {
    for (Index i = 0; i < rank; ++i) {
      factors.H(i, j) = scale * half_normal(seed, kStreamH, i, j);
    }
  }
  return factors;
}

}  // namespace mpinmf
