#include "starts/nndsvd.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>

#include "mpinmf/error.hpp"

namespace mpinmf {
namespace {

// Counter streams of their own: random_factors draws from streams 2 to 5.
constexpr std::uint64_t kStreamSketch = 40;
constexpr std::uint64_t kStreamFillW = 41;
constexpr std::uint64_t kStreamFillH = 42;

// Gram eigenvalues below this fraction of the largest are rounding, not signal. A V of rank
// r < l gives the sketch l − r of them, and scaling those by λ^(-1/2) would turn rounding
// into basis vectors. What is kept has a Gram condition number of at most 1e12, so a first
// pass leaves the basis orthonormal to roughly ε·1e12 and a second pass to rounding.
constexpr double kGramRelativeFloor = 1e-12;

// scikit-learn's eps, which it applies to the factors whatever V's scale; here it is the
// value for mean(V) = 1, and factor entries scale as √V.
constexpr double kSmallEntryForUnitMean = 1e-6;

/// An orthonormal basis of the span of `columns`, whose rows are split over the ranks when
/// `distributed`: columns · S Λ^(-1/2) from the Gram matrix's eigenpairs (S, Λ), so that only
/// the l × l Gram travels. Unlike Cholesky, this survives a singular Gram.
Matrix orthonormalize_once(Communicator& comm, const Matrix& columns, bool distributed) {
  Matrix gram = columns.transpose() * columns;
  if (distributed) {
    comm.sum(gram);
  }
  if (gram.size() == 0) {
    return columns;
  }
  const Eigen::SelfAdjointEigenSolver<Matrix> eigen(gram);
  const Eigen::VectorXd& values = eigen.eigenvalues();  // ascending
  const double floor = kGramRelativeFloor * values(values.size() - 1);
  const auto kept = static_cast<Index>((values.array() > floor).count());
  return columns * (eigen.eigenvectors().rightCols(kept) *
                    values.tail(kept).cwiseSqrt().cwiseInverse().asDiagonal());
}

/// Twice, as CholeskyQR2 does: the first pass loses orthogonality in proportion to the
/// Gram's condition number, the second starts from a Gram close to the identity.
Matrix orthonormal_basis(Communicator& comm, const Matrix& columns, bool distributed) {
  return orthonormalize_once(comm, orthonormalize_once(comm, columns, distributed), distributed);
}

/// The n × l test matrix Ω, uniform on (−1, 1) and indexed by global (column, j), so every
/// rank draws the same one. Any zero-mean i.i.d. entries make a good range finder.
Matrix sketching_matrix(std::uint64_t seed, Index columns, Index width) {
  Matrix omega(columns, width);
  for (Index j = 0; j < width; ++j) {
    for (Index i = 0; i < columns; ++i) {
      omega(i, j) = 2.0 * counter_uniform(seed, kStreamSketch, static_cast<std::uint64_t>(i),
                                          static_cast<std::uint64_t>(j)) -
                    1.0;
    }
  }
  return omega;
}

/// Boutsidis & Gallopoulos: each singular pair (u, v) becomes the nonnegative pair built from
/// its positive parts or from its negative parts, whichever carries more of σ u vᵀ.
Factors nonnegative_pairs(Communicator& comm, const TruncatedSvd& svd) {
  const Index k = svd.singular_values.size();
  const RowMatrix left_positive = svd.left_rows.cwiseMax(0.0);
  const RowMatrix left_negative = (-svd.left_rows).cwiseMax(0.0);
  const Matrix right_positive = svd.right.cwiseMax(0.0);
  const Matrix right_negative = (-svd.right).cwiseMax(0.0);
  // U's columns are split over the ranks: all 2k squared norms go in one sum.
  Matrix left_norms(2, k);
  left_norms.row(0) = left_positive.colwise().squaredNorm();
  left_norms.row(1) = left_negative.colwise().squaredNorm();
  comm.sum(left_norms);
  left_norms = left_norms.cwiseSqrt();

  Factors factors;
  factors.W = RowMatrix::Zero(svd.left_rows.rows(), k);
  factors.H = Matrix::Zero(k, svd.right.rows());
  // For a nonnegative V the leading pair is one-signed (Perron–Frobenius) up to rounding.
  const double leading = std::sqrt(svd.singular_values(0));
  factors.W.col(0) = leading * svd.left_rows.col(0).cwiseAbs();
  factors.H.row(0) = leading * svd.right.col(0).cwiseAbs().transpose();
  for (Index j = 1; j < k; ++j) {
    const double positive = left_norms(0, j) * right_positive.col(j).norm();
    const double negative = left_norms(1, j) * right_negative.col(j).norm();
    const bool use_positive = positive > negative;
    const double weight = use_positive ? positive : negative;
    if (weight == 0.0) {
      continue;  // a direction V does not have: the variant's fill decides
    }
    const RowMatrix& left_part = use_positive ? left_positive : left_negative;
    const Matrix& right_part = use_positive ? right_positive : right_negative;
    const double scale = std::sqrt(svd.singular_values(j) * weight);
    factors.W.col(j) = (scale / left_norms(use_positive ? 0 : 1, j)) * left_part.col(j);
    factors.H.row(j) = (scale / right_part.col(j).norm()) * right_part.col(j).transpose();
  }
  return factors;
}

struct ZeroFill {
  NndsvdVariant variant;
  std::uint64_t seed;
  double mean_of_v;
  double threshold;
};

/// Sets the entries below the threshold to zero, which multiplicative updates could never
/// move, and then replaces them as the variant asks. `first_row` is the global index of the
/// factor's first row, so that the random fill does not depend on the number of ranks.
template <typename Derived>
void settle_small_entries(Eigen::MatrixBase<Derived>& factor, Index first_row, std::uint64_t stream,
                          const ZeroFill& fill) {
  for (Index i = 0; i < factor.rows(); ++i) {
    for (Index j = 0; j < factor.cols(); ++j) {
      if (factor(i, j) >= fill.threshold) {
        continue;
      }
      switch (fill.variant) {
        case NndsvdVariant::plain:
          factor(i, j) = 0.0;
          break;
        case NndsvdVariant::fill_mean:
          factor(i, j) = fill.mean_of_v;
          break;
        case NndsvdVariant::fill_random:
          factor(i, j) =
              fill.mean_of_v / 100.0 *
              counter_uniform(fill.seed, stream, static_cast<std::uint64_t>(first_row + i),
                              static_cast<std::uint64_t>(j));
          break;
      }
    }
  }
}

/// V X and Xᵀ V for a thin X, in V's precision: a single-precision V sketches in single
/// precision, which a start needs no better, and no double copy of V is made.
template <typename LocalRows>
Matrix times(const LocalRows& V, const Matrix& X) {
  using Scalar = typename LocalRows::Scalar;
  return (V * X.template cast<Scalar>()).template cast<double>();
}

template <typename LocalRows>
Matrix transposed_times(const Matrix& X, const LocalRows& V) {
  using Scalar = typename LocalRows::Scalar;
  return (X.transpose().template cast<Scalar>() * V).template cast<double>();
}

}  // namespace

template <typename LocalRows>
TruncatedSvd randomized_svd(Communicator& comm, const LocalRows& local_rows, IndexRange rows,
                            Index k, std::uint64_t seed, int oversampling, int power_iterations) {
  if (k < 1 || oversampling < 0 || power_iterations < 0) {
    throw Error("randomized_svd needs k >= 1, oversampling >= 0 and power_iterations >= 0");
  }
  const Index columns = local_rows.cols();
  const auto total_rows = static_cast<Index>(comm.sum(static_cast<double>(rows.size())));
  const Index width = std::min({k + oversampling, columns, total_rows});

  Matrix basis =
      orthonormal_basis(comm, times(local_rows, sketching_matrix(seed, columns, width)), true);
  for (int pass = 0; pass < power_iterations; ++pass) {
    // Re-orthonormalizing between V and Vᵀ keeps the small singular values above the floor
    // that a plain (V Vᵀ)^q Ω would push them under.
    Matrix row_space = transposed_times(basis, local_rows).transpose();
    comm.sum(row_space);
    basis =
        orthonormal_basis(comm, times(local_rows, orthonormal_basis(comm, row_space, false)), true);
  }
  Matrix projected = transposed_times(basis, local_rows);
  comm.sum(projected);

  TruncatedSvd result;
  result.left_rows = RowMatrix::Zero(local_rows.rows(), k);
  result.singular_values = Eigen::VectorXd::Zero(k);
  result.right = Matrix::Zero(columns, k);
  const Index found = std::min(k, basis.cols());
  if (found == 0) {
    return result;
  }
  // Every rank holds the same small matrix, so every rank computes the same SVD.
  const Eigen::JacobiSVD<Matrix> small_svd(projected, Eigen::ComputeThinU | Eigen::ComputeThinV);
  result.singular_values.head(found) = small_svd.singularValues().head(found);
  result.left_rows.leftCols(found) = basis * small_svd.matrixU().leftCols(found);
  result.right.leftCols(found) = small_svd.matrixV().leftCols(found);
  for (Index j = 0; j < found; ++j) {
    Index largest = 0;
    result.right.col(j).cwiseAbs().maxCoeff(&largest);
    if (result.right(largest, j) < 0.0) {
      result.right.col(j) *= -1.0;
      result.left_rows.col(j) *= -1.0;
    }
  }
  return result;
}

template <typename LocalRows>
Factors nndsvd_factors(Communicator& comm, const LocalRows& local_rows, IndexRange rows, Index k,
                       NndsvdVariant variant, std::uint64_t seed, double mean_of_v) {
  Factors factors = nonnegative_pairs(comm, randomized_svd(comm, local_rows, rows, k, seed));
  const ZeroFill fill{variant, seed, mean_of_v, kSmallEntryForUnitMean * std::sqrt(mean_of_v)};
  settle_small_entries(factors.W, rows.begin, kStreamFillW, fill);
  settle_small_entries(factors.H, 0, kStreamFillH, fill);
  return factors;
}

#define MPINMF_INSTANTIATE_NNDSVD(LocalRows)                                               \
  template TruncatedSvd randomized_svd(Communicator&, const LocalRows&, IndexRange, Index, \
                                       std::uint64_t, int, int);                           \
  template Factors nndsvd_factors(Communicator&, const LocalRows&, IndexRange, Index,      \
                                  NndsvdVariant, std::uint64_t, double);
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_INSTANTIATE_NNDSVD)
#undef MPINMF_INSTANTIATE_NNDSVD

}  // namespace mpinmf
