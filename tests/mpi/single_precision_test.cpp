// V held in single precision (--precision single), dense or sparse, gives the factors that
// double gives to single precision, for every rule, the NNDSVD start and the exact residual,
// under 1–4 ranks: the loop's factors and products are float then, and the sums that decide
// convergence (the objective, its Grams, the gradient norms) stay double.

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

constexpr Index kRows = 47;
constexpr Index kColumns = 31;
constexpr Index kRank = 4;

class SinglePrecisionTest : public ::testing::Test {
 protected:
  Communicator world{MPI_COMM_WORLD};
  IndexRange rows = even_block(kRows, world.size(), world.rank());
  // Rounded to float once, so that double and single factor the same matrix and what
  // differs is only the arithmetic.
  RowMatrix dense = low_rank_rows(8, rows, kColumns, kRank, 0.05, 0.4).cast<float>().cast<double>();
  RowMatrixF dense_single = dense.cast<float>();
  SparseRowMatrixF sparse_single = dense_single.sparseView();
  double squared_norm = world.sum(dense.squaredNorm());
  Factors start = random_factors(4, rows, kColumns, kRank, 0.3);
};

TEST_F(SinglePrecisionTest, EveryRuleGivesTheDoubleFactorsToSinglePrecision) {
  const StoppingCriteria stopping = fixed_iterations(30);
  for (const RuleSettings& settings : every_algorithm()) {
    const std::string name = algorithm_name(settings.algorithm);
    Factors from_double = start;
    const EngineResult reference =
        run_rule(world, dense, squared_norm, kRows, from_double, settings, stopping);
    ASSERT_LT(reference.final_relative_error, reference.history.front().relative_error) << name;

    const auto expect_close = [&](const auto& V, const std::string& storage) {
      Factors from_single = start;
      const EngineResult result =
          run_rule(world, V, squared_norm, kRows, from_single, settings, stopping);
      EXPECT_EQ(result.iterations, reference.iterations) << name << storage;
      EXPECT_LT(relative_difference(world, from_single.W, from_double.W, true), 1e-4)
          << name << storage;
      EXPECT_LT(relative_difference(world, from_single.H, from_double.H, false), 1e-4)
          << name << storage;
      EXPECT_NEAR(result.final_relative_error, reference.final_relative_error, 1e-5)
          << name << storage;
    };
    expect_close(dense_single, " dense");
    expect_close(sparse_single, " sparse");
  }
}

TEST_F(SinglePrecisionTest, NndsvdStartIsTheDoubleOne) {
  const Factors reference =
      nndsvd_factors(world, dense, rows, kRank, NndsvdVariant::fill_mean, 5, 0.3);
  for (const Factors& from_single :
       {nndsvd_factors(world, dense_single, rows, kRank, NndsvdVariant::fill_mean, 5, 0.3),
        nndsvd_factors(world, sparse_single, rows, kRank, NndsvdVariant::fill_mean, 5, 0.3)}) {
    EXPECT_LT(relative_difference(world, from_single.W, reference.W, true), 1e-4);
    EXPECT_LT(relative_difference(world, from_single.H, reference.H, false), 1e-4);
  }
}

TEST_F(SinglePrecisionTest, ExactResidualIsComputedInDouble) {
  // V is exactly representable in float, so the residual must agree to double precision.
  const double reference = exact_squared_residual(world, dense, start);
  EXPECT_NEAR(exact_squared_residual(world, dense_single, start), reference, 1e-12 * reference);
  EXPECT_NEAR(exact_squared_residual(world, sparse_single, start), reference, 1e-12 * reference);
}

}  // namespace
}  // namespace mpinmf
