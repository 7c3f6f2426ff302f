// NNDSVD starts under 1–4 ranks: the randomized SVD against a full SVD, the start against
// the random start, what each variant does with zeros, and rank-count independence.

#include "starts/nndsvd.hpp"

#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <array>
#include <cmath>
#include <limits>

#include "engine/frobenius_loop.hpp"
#include "rules/update_rule.hpp"
#include "test_problems.hpp"

namespace mpinmf {
namespace {

using testing::low_rank_rows;
using testing::relative_difference;

constexpr std::uint64_t kSeed = 17;

struct VariantCase {
  const char* name;
  NndsvdVariant variant;
};

constexpr std::array<VariantCase, 3> kVariants{{{"nndsvd", NndsvdVariant::plain},
                                                {"nndsvda", NndsvdVariant::fill_mean},
                                                {"nndsvdar", NndsvdVariant::fill_random}}};

/// This rank's rows of a test matrix, split as the program splits V, and its mean.
struct Problem {
  IndexRange rows;
  RowMatrix V;
  double mean = 0.0;
};

template <typename MakeRows>
Problem split_problem(Communicator& comm, Index m, Index n, MakeRows&& make_rows) {
  Problem problem;
  problem.rows = even_block(m, comm.size(), comm.rank());
  problem.V = make_rows(problem.rows);
  problem.mean = comm.sum(problem.V.sum()) / static_cast<double>(m * n);
  return problem;
}

Factors nndsvd_start(Communicator& comm, const Problem& problem, Index k, NndsvdVariant variant) {
  return nndsvd_factors(comm, problem.V, problem.rows, k, variant, kSeed, problem.mean);
}

/// ‖V − WH‖ / ‖V‖ over all ranks.
double relative_error(Communicator& comm, const Problem& problem, const Factors& factors) {
  return std::sqrt(exact_squared_residual(comm, problem.V, factors) /
                   comm.sum(problem.V.squaredNorm()));
}

/// The smallest entry over all ranks (+∞ when there is none).
template <typename Derived>
double smallest_entry(Communicator& comm, const Eigen::MatrixBase<Derived>& factor) {
  return -comm.max(factor.size() ? -factor.minCoeff() : -std::numeric_limits<double>::infinity());
}

/// Counts, over all ranks, the entries where `filled` departs from `plain`: where plain is
/// nonzero it must be untouched, where plain is zero it must lie in [low, high].
template <typename Derived>
double misplaced_fills(Communicator& comm, const Eigen::MatrixBase<Derived>& plain,
                       const Eigen::MatrixBase<Derived>& filled, double low, double high) {
  const auto zero = plain.array() == 0.0;
  const auto in_range = filled.array() >= low && filled.array() <= high;
  const auto untouched = filled.array() == plain.array();
  return comm.sum(static_cast<double>((zero && !in_range).count() + (!zero && !untouched).count()));
}

/// Rows of an m × n matrix of three nonnegative rank-one blocks on the diagonal, weighted
/// 4, 2 and 1 so that their singular values differ. NNDSVD with k >= 3 rebuilds it exactly.
RowMatrix diagonal_block_rows(IndexRange rows, Index m, Index n) {
  constexpr std::array<double, 3> kWeights{4.0, 2.0, 1.0};
  constexpr auto kBlocks = static_cast<Index>(kWeights.size());
  RowMatrix V = RowMatrix::Zero(rows.size(), n);
  for (Index i = 0; i < rows.size(); ++i) {
    const Index row = rows.begin + i;
    const Index block = row * kBlocks / m;
    const double weight = kWeights.at(static_cast<std::size_t>(block));
    for (Index j = block * n / kBlocks; j < (block + 1) * n / kBlocks; ++j) {
      V(i, j) = weight * (1.0 + counter_uniform(1, 0, static_cast<std::uint64_t>(row), 0)) *
                (1.0 + counter_uniform(1, 1, 0, static_cast<std::uint64_t>(j)));
    }
  }
  return V;
}

/// scikit-learn's init='nndsvd' written out on the whole matrix from a full SVD, with the
/// threshold scaled as documented: a reference the distributed start must agree with.
Factors reference_nndsvd(const Matrix& V, Index k) {
  const Eigen::JacobiSVD<Matrix> svd(V, Eigen::ComputeThinU | Eigen::ComputeThinV);
  Factors reference;
  reference.W = RowMatrix::Zero(V.rows(), k);
  reference.H = Matrix::Zero(k, V.cols());
  for (Index j = 0; j < k; ++j) {
    const Eigen::VectorXd x = svd.matrixU().col(j);
    const Eigen::VectorXd y = svd.matrixV().col(j);
    const double sigma = svd.singularValues()(j);
    if (j == 0) {
      reference.W.col(0) = std::sqrt(sigma) * x.cwiseAbs();
      reference.H.row(0) = std::sqrt(sigma) * y.cwiseAbs().transpose();
      continue;
    }
    const Eigen::VectorXd x_positive = x.cwiseMax(0.0);
    const Eigen::VectorXd x_negative = (-x).cwiseMax(0.0);
    const Eigen::VectorXd y_positive = y.cwiseMax(0.0);
    const Eigen::VectorXd y_negative = (-y).cwiseMax(0.0);
    const double m_positive = x_positive.norm() * y_positive.norm();
    const double m_negative = x_negative.norm() * y_negative.norm();
    const bool positive = m_positive > m_negative;
    const double lambda = std::sqrt(sigma * (positive ? m_positive : m_negative));
    reference.W.col(j) = lambda * (positive ? x_positive.normalized() : x_negative.normalized());
    reference.H.row(j) =
        lambda * (positive ? y_positive.normalized() : y_negative.normalized()).transpose();
  }
  const double eps = 1e-6 * std::sqrt(V.mean());
  reference.W = (reference.W.array() < eps).select(0.0, reference.W);
  reference.H = (reference.H.array() < eps).select(0.0, reference.H);
  return reference;
}

class NndsvdTest : public ::testing::Test {
 protected:
  Communicator world{MPI_COMM_WORLD};
};

// Exact rank 6: the leading singular values are those of a full SVD, U diag(s) Rᵀ gives V
// back, and asking for more than the rank (the sketch's Gram is then singular) gives zeros.
TEST_F(NndsvdTest, RandomizedSvdMatchesAFullSvdOfAnExactLowRankMatrix) {
  const Index m = 120;
  const Index n = 80;
  const Index true_rank = 6;
  auto make_rows = [&](IndexRange rows) { return low_rank_rows(5, rows, n, true_rank, 0.0); };
  const Problem problem = split_problem(world, m, n, make_rows);
  const Matrix whole = make_rows({0, m});
  const Eigen::VectorXd reference = Eigen::JacobiSVD<Matrix>(whole).singularValues();
  ASSERT_LT(reference(true_rank), 1e-12 * reference(0));

  for (const Index k : {true_rank, true_rank + 2}) {
    const TruncatedSvd svd = randomized_svd(world, problem.V, problem.rows, k, kSeed);
    ASSERT_EQ(svd.singular_values.size(), k);
    ASSERT_EQ(svd.left_rows.rows(), problem.rows.size());
    ASSERT_EQ(svd.left_rows.cols(), k);
    ASSERT_EQ(svd.right.rows(), n);
    ASSERT_EQ(svd.right.cols(), k);
    for (Index j = 0; j < true_rank; ++j) {
      EXPECT_NEAR(svd.singular_values(j), reference(j), 1e-8 * reference(j)) << "k " << k;
    }
    // What V lacks comes back as exact zeros, not as rounding blown up into vectors.
    EXPECT_EQ(svd.singular_values.tail(k - true_rank).norm(), 0.0) << "k " << k;
    EXPECT_EQ(svd.right.rightCols(k - true_rank).norm(), 0.0) << "k " << k;
    const RowMatrix rebuilt =
        svd.left_rows * svd.singular_values.asDiagonal() * svd.right.transpose();
    EXPECT_LT(relative_difference(world, rebuilt, problem.V, true), 1e-8) << "k " << k;

    Matrix expected_gram = Matrix::Zero(k, k);
    expected_gram.diagonal().head(true_rank).setOnes();
    Matrix left_gram = svd.left_rows.transpose() * svd.left_rows;
    world.sum(left_gram);
    EXPECT_LT((left_gram - expected_gram).norm(), 1e-10) << "k " << k;
    EXPECT_LT((svd.right.transpose() * svd.right - expected_gram).norm(), 1e-10) << "k " << k;
  }
}

// On an exact rank-k matrix the randomized SVD is exact, so the start is the one scikit-learn's
// rule gives from a full SVD, whatever signs either SVD chose.
TEST_F(NndsvdTest, FollowsScikitLearnsRuleOnAFullSvd) {
  const Index m = 120;
  const Index n = 80;
  const Index k = 6;
  auto make_rows = [&](IndexRange rows) { return low_rank_rows(5, rows, n, k, 0.0); };
  const Problem problem = split_problem(world, m, n, make_rows);
  const Factors reference = reference_nndsvd(make_rows({0, m}), k);
  const Factors start = nndsvd_start(world, problem, k, NndsvdVariant::plain);
  const RowMatrix reference_rows = reference.W.middleRows(problem.rows.begin, problem.rows.size());
  EXPECT_LT(relative_difference(world, start.W, reference_rows, true), 1e-8);
  EXPECT_LT(relative_difference(world, start.H, reference.H, false), 1e-8);
}

// On a matrix NMF can fit exactly, nndsvd and nndsvdar start much closer than the random
// start. nndsvda need not: like scikit-learn's, it writes mean(V) into every zero, which moves
// WH far from V; it pays off once the updates run, so every variant is compared after 30
// multiplicative updates too.
TEST_F(NndsvdTest, StartsCloserThanTheRandomStart) {
  const Index m = 120;
  const Index n = 80;
  const Index k = 6;
  const Problem problem = split_problem(
      world, m, n, [&](IndexRange rows) { return low_rank_rows(5, rows, n, k, 0.0); });
  const auto rule = make_update_rule(RuleSettings{});
  StoppingCriteria stopping;
  stopping.max_iterations = 30;
  stopping.tolerance = 0.0;
  const double squared_norm = world.sum(problem.V.squaredNorm());
  auto fitted_error = [&](Factors factors) {
    return factorize(world, problem.V, squared_norm, factors, *rule, Penalties{}, stopping)
        .final_relative_error;
  };

  const Factors random = random_factors(kSeed, problem.rows, n, k, problem.mean);
  const double random_error = relative_error(world, problem, random);
  const double random_fitted_error = fitted_error(random);
  for (const VariantCase& c : kVariants) {
    const Factors start = nndsvd_start(world, problem, k, c.variant);
    if (c.variant != NndsvdVariant::fill_mean) {
      EXPECT_LT(relative_error(world, problem, start), 0.5 * random_error) << c.name;
    }
    EXPECT_LT(fitted_error(start), 0.8 * random_fitted_error) << c.name;
  }
}

// nndsvd is nonnegative with zeros; nndsvda puts mean(V) in those zeros and nndsvdar puts
// values in (0, mean(V) / 100) there, leaving every other entry as it was.
TEST_F(NndsvdTest, EachVariantFillsTheZerosItsOwnWay) {
  const Index m = 120;
  const Index n = 80;
  const Index k = 6;
  const Problem problem = split_problem(
      world, m, n, [&](IndexRange rows) { return low_rank_rows(8, rows, n, 4, 0.1); });
  const Factors plain = nndsvd_start(world, problem, k, NndsvdVariant::plain);
  const Factors mean = nndsvd_start(world, problem, k, NndsvdVariant::fill_mean);
  const Factors random = nndsvd_start(world, problem, k, NndsvdVariant::fill_random);

  EXPECT_GE(smallest_entry(world, plain.W), 0.0);
  EXPECT_GE(smallest_entry(world, plain.H), 0.0);
  const double zeros = world.sum(static_cast<double>((plain.W.array() == 0.0).count())) +
                       static_cast<double>((plain.H.array() == 0.0).count());
  EXPECT_GT(zeros, 0.0) << "the fill tests below would test nothing";

  EXPECT_GT(smallest_entry(world, mean.W), 0.0);
  EXPECT_GT(smallest_entry(world, mean.H), 0.0);
  EXPECT_EQ(misplaced_fills(world, plain.W, mean.W, problem.mean, problem.mean), 0.0);
  EXPECT_EQ(misplaced_fills(world, plain.H, mean.H, problem.mean, problem.mean), 0.0);

  EXPECT_GT(smallest_entry(world, random.W), 0.0);
  EXPECT_GT(smallest_entry(world, random.H), 0.0);
  const double ceiling = problem.mean / 100.0;
  EXPECT_EQ(misplaced_fills(world, plain.W, random.W, 0.0, ceiling), 0.0);
  EXPECT_EQ(misplaced_fills(world, plain.H, random.H, 0.0, ceiling), 0.0);
}

// Disjoint rank-one blocks: the singular pairs are one-signed, so NNDSVD must keep each
// pair's positive side and rebuild V exactly; the fourth direction, which V lacks, is zero.
TEST_F(NndsvdTest, RebuildsDisjointRankOneBlocksExactly) {
  const Index m = 30;
  const Index n = 24;
  const Index k = 4;
  const Problem problem =
      split_problem(world, m, n, [&](IndexRange rows) { return diagonal_block_rows(rows, m, n); });
  const TruncatedSvd svd = randomized_svd(world, problem.V, problem.rows, k, kSeed);
  EXPECT_EQ(svd.singular_values(k - 1), 0.0);
  EXPECT_EQ(world.sum(svd.left_rows.col(k - 1).squaredNorm()), 0.0);

  const Factors start = nndsvd_start(world, problem, k, NndsvdVariant::plain);
  EXPECT_LT(relative_error(world, problem, start), 1e-12);
  EXPECT_EQ(world.sum(start.W.col(k - 1).squaredNorm()) + start.H.row(k - 1).squaredNorm(), 0.0);
}

/// Checks that the start on `world` equals the start on each rank alone, W on own rows.
template <typename MakeRows>
void expect_rank_count_independence(Communicator& world, Index m, Index n, Index k,
                                    MakeRows&& make_rows) {
  Communicator alone = world.split(world.rank());
  const Problem together = split_problem(world, m, n, make_rows);
  const Problem single = split_problem(alone, m, n, make_rows);
  for (const VariantCase& c : kVariants) {
    const Factors shared = nndsvd_start(world, together, k, c.variant);
    const Factors own = nndsvd_start(alone, single, k, c.variant);
    const RowMatrix own_rows = own.W.middleRows(together.rows.begin, together.rows.size());
    EXPECT_LT(relative_difference(world, shared.W, own_rows, true), 1e-10) << c.name;
    EXPECT_LT(relative_difference(world, shared.H, own.H, false), 1e-10) << c.name;
  }
  const TruncatedSvd shared = randomized_svd(world, together.V, together.rows, k, kSeed);
  const TruncatedSvd own = randomized_svd(alone, single.V, single.rows, k, kSeed);
  EXPECT_LT(relative_difference(world, shared.singular_values, own.singular_values, false), 1e-10);
  EXPECT_LT(relative_difference(world, shared.right, own.right, false), 1e-10);
}

TEST_F(NndsvdTest, StartsDoNotDependOnTheNumberOfRanks) {
  const Index n = 61;
  expect_rank_count_independence(
      world, 97, n, 5, [&](IndexRange rows) { return low_rank_rows(3, rows, n, 4, 0.05); });
  // Rank 3 for k = 4: which Gram directions are dropped must not depend on P either.
  expect_rank_count_independence(
      world, 30, 24, 4, [&](IndexRange rows) { return diagonal_block_rows(rows, 30, 24); });
}

// Three rows over up to four ranks: a rank with no rows joins every collective.
TEST_F(NndsvdTest, RanksWithoutRowsStillGiveTheSameStart) {
  const Index n = 5;
  expect_rank_count_independence(
      world, 3, n, 2, [&](IndexRange rows) { return low_rank_rows(6, rows, n, 2, 0.1); });
}

}  // namespace
}  // namespace mpinmf
