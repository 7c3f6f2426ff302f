#include "analysis/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "starts/random_start.hpp"

namespace mpinmf {
namespace {

// Independent streams of the counter hash, one per kind of number.
enum Stream : std::uint64_t {
  kClusterOfColumn = 101,
  kProfileBackground,
  kColumnJitter,
  kWEntry,
  kNoiseFirst,
  kNoiseSecond,
  kGap,
};

constexpr double kBackground = 0.3;  // a profile's other components: below the dominant 1
constexpr double kJitter = 0.5;      // a column's entries scale by 1 ± kJitter / 2

double uniform(const SyntheticSpec& spec, Stream stream, Index row, Index column) {
  return counter_uniform(spec.seed, stream, static_cast<std::uint64_t>(row),
                         static_cast<std::uint64_t>(column));
}

double standard_normal(const SyntheticSpec& spec, Index row, Index column) {
  const double u1 = uniform(spec, kNoiseFirst, row, column);
  const double u2 = uniform(spec, kNoiseSecond, row, column);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double noisy(const SyntheticSpec& spec, double clean, double scale, Index row, Index column) {
  if (spec.noise == 0.0) {
    return clean;
  }
  return std::max(clean + spec.noise * scale * standard_normal(spec, row, column), 0.0);
}

}  // namespace

std::vector<std::int64_t> planted_column_clusters(const SyntheticSpec& spec) {
  std::vector<std::int64_t> clusters(static_cast<std::size_t>(spec.columns));
  for (Index j = 0; j < spec.columns; ++j) {
    const auto drawn = static_cast<Index>(uniform(spec, kClusterOfColumn, 0, j) *
                                          static_cast<double>(spec.clusters));
    clusters[static_cast<std::size_t>(j)] = std::min(drawn, spec.clusters - 1);
  }
  return clusters;
}

Matrix planted_H(const SyntheticSpec& spec) {
  Matrix profiles(spec.rank, spec.clusters);
  for (Index c = 0; c < spec.clusters; ++c) {
    for (Index l = 0; l < spec.rank; ++l) {
      profiles(l, c) =
          l == c % spec.rank ? 1.0 : kBackground * uniform(spec, kProfileBackground, c, l);
    }
  }
  const std::vector<std::int64_t> clusters = planted_column_clusters(spec);
  Matrix H(spec.rank, spec.columns);
  for (Index j = 0; j < spec.columns; ++j) {
    for (Index l = 0; l < spec.rank; ++l) {
      const double jitter = 1.0 + kJitter * (uniform(spec, kColumnJitter, l, j) - 0.5);
      H(l, j) = profiles(l, clusters[static_cast<std::size_t>(j)]) * jitter;
    }
  }
  return H;
}

RowMatrix planted_W_rows(const SyntheticSpec& spec, IndexRange rows) {
  RowMatrix W(rows.size(), spec.rank);
  for (Index i = 0; i < rows.size(); ++i) {
    for (Index l = 0; l < spec.rank; ++l) {
      W(i, l) = -std::log(uniform(spec, kWEntry, rows.begin + i, l));  // exponential, mean 1
    }
  }
  return W;
}

double mean_planted_entry(const Matrix& H) {
  return H.size() == 0 ? 0.0 : H.rowwise().mean().sum();
}

std::variant<RowMatrix, SparseRowMatrix> synthetic_rows(const SyntheticSpec& spec, IndexRange rows,
                                                        const RowMatrix& W_rows, const Matrix& H) {
  const double scale = mean_planted_entry(H);
  if (spec.density >= 1.0) {
    // Entry by entry, not W H in one product: BLAS's summation order depends on the block's
    // size, and the file must not depend on the number of ranks.
    RowMatrix V(rows.size(), spec.columns);
    for (Index i = 0; i < V.rows(); ++i) {
      for (Index j = 0; j < V.cols(); ++j) {
        V(i, j) = noisy(spec, W_rows.row(i).dot(H.col(j)), scale, rows.begin + i, j);
      }
    }
    return V;
  }
  // The kept columns of a row, in order, by geometric gaps: work in proportion to the
  // nonzeros, never to rows × columns.
  const double log_skip = std::log1p(-spec.density);
  std::vector<Eigen::Triplet<double, std::int64_t>> entries;
  entries.reserve(static_cast<std::size_t>(spec.density * static_cast<double>(rows.size()) *
                                           static_cast<double>(spec.columns) * 1.1) +
                  16);
  for (Index i = 0; i < rows.size(); ++i) {
    const Index row = rows.begin + i;
    Index column = -1;
    for (Index draw = 0;; ++draw) {
      const double gap = std::floor(std::log(uniform(spec, kGap, row, draw)) / log_skip);
      if (gap >= static_cast<double>(spec.columns - column - 1)) {
        break;
      }
      column += 1 + static_cast<Index>(gap);
      const double value = noisy(spec, W_rows.row(i).dot(H.col(column)), scale, row, column);
      if (value > 0.0) {
        entries.emplace_back(i, column, value);
      }
    }
  }
  SparseRowMatrix V(rows.size(), spec.columns);
  V.setFromTriplets(entries.begin(), entries.end());
  V.makeCompressed();
  return V;
}

}  // namespace mpinmf
