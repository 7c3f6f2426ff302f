// A sparse V (CSR rows) gives the factors the same V gives dense, for every rule, the
// NNDSVD start and the exact residual, under 1–4 ranks: only the products differ.

#include <gtest/gtest.h>

#include "starts/nndsvd.hpp"
#include "test_problems.hpp"

namespace mpinmf {
namespace {

using testing::every_algorithm;
using testing::fixed_iterations;
using testing::low_rank_rows;
using testing::relative_difference;
using testing::run_rule;

constexpr Index kRows = 53;
constexpr Index kColumns = 37;
constexpr Index kRank = 4;

/// Rows of a low-rank matrix with about 60% of its entries zeroed by a hash of their
/// global position, so every rank count sees the same matrix.
RowMatrix sparse_pattern_rows(IndexRange rows) {
  RowMatrix V = low_rank_rows(21, rows, kColumns, kRank, 0.05);
  for (Index i = 0; i < V.rows(); ++i) {
    for (Index j = 0; j < V.cols(); ++j) {
      if (counter_uniform(99, 0, static_cast<std::uint64_t>(rows.begin + i),
                          static_cast<std::uint64_t>(j)) < 0.6) {
        V(i, j) = 0.0;
      }
    }
  }
  return V;
}

class SparseEngineTest : public ::testing::Test {
 protected:
  Communicator world{MPI_COMM_WORLD};
  IndexRange rows = even_block(kRows, world.size(), world.rank());
  RowMatrix dense = sparse_pattern_rows(rows);
  SparseRowMatrix sparse = dense.sparseView();
  double squared_norm = world.sum(dense.squaredNorm());
  Factors start = random_factors(3, rows, kColumns, kRank, 0.3);
};

TEST_F(SparseEngineTest, HoldsOnlyTheNonzeros) {
  EXPECT_LT(static_cast<double>(world.sum(static_cast<double>(sparse.nonZeros()))),
            0.5 * kRows * kColumns);
  EXPECT_EQ(relative_difference(world, RowMatrix(sparse), dense, true), 0.0);
}

TEST_F(SparseEngineTest, EveryRuleGivesTheDenseFactors) {
  const StoppingCriteria stopping = fixed_iterations(40);
  for (const RuleSettings& settings : every_algorithm()) {
    const std::string name = algorithm_name(settings.algorithm);
    Factors from_dense = start;
    Factors from_sparse = start;
    const EngineResult dense_result =
        run_rule(world, dense, squared_norm, kRows, from_dense, settings, stopping);
    const EngineResult sparse_result =
        run_rule(world, sparse, squared_norm, kRows, from_sparse, settings, stopping);
    EXPECT_LT(relative_difference(world, from_sparse.W, from_dense.W, true), 1e-10) << name;
    EXPECT_LT(relative_difference(world, from_sparse.H, from_dense.H, false), 1e-10) << name;
    EXPECT_NEAR(sparse_result.final_relative_error, dense_result.final_relative_error, 1e-10)
        << name;
    EXPECT_NEAR(sparse_result.history.back().objective, dense_result.history.back().objective,
                1e-9 * dense_result.history.back().objective)
        << name;
  }
}

TEST_F(SparseEngineTest, NndsvdStartIsTheDenseOne) {
  const Factors from_dense =
      nndsvd_factors(world, dense, rows, kRank, NndsvdVariant::fill_mean, 5, 0.3);
  const Factors from_sparse =
      nndsvd_factors(world, sparse, rows, kRank, NndsvdVariant::fill_mean, 5, 0.3);
  EXPECT_LT(relative_difference(world, from_sparse.W, from_dense.W, true), 1e-10);
  EXPECT_LT(relative_difference(world, from_sparse.H, from_dense.H, false), 1e-10);
}

TEST_F(SparseEngineTest, ExactResidualIsTheDenseOne) {
  EXPECT_NEAR(exact_squared_residual(world, sparse, start),
              exact_squared_residual(world, dense, start),
              1e-12 * exact_squared_residual(world, dense, start));
}

}  // namespace
}  // namespace mpinmf
