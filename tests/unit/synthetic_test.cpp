#include "analysis/synthetic.hpp"

#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <cmath>
#include <set>

namespace mpinmf {
namespace {

SyntheticSpec spec(double density, double noise) {
  SyntheticSpec s;
  s.rows = 90;
  s.columns = 70;
  s.rank = 4;
  s.clusters = 4;
  s.density = density;
  s.noise = noise;
  s.seed = 11;
  return s;
}

RowMatrix dense_rows(const SyntheticSpec& s, IndexRange rows) {
  const Matrix H = planted_H(s);
  const auto V = synthetic_rows(s, rows, planted_W_rows(s, rows), H);
  if (const auto* dense = std::get_if<RowMatrix>(&V)) {
    return *dense;
  }
  return RowMatrix(std::get<SparseRowMatrix>(V));
}

TEST(Synthetic, ABlockOfRowsIsTheSameHoweverTheRowsAreSplit) {
  for (const double density : {1.0, 0.2}) {
    const SyntheticSpec s = spec(density, 0.1);
    const RowMatrix whole = dense_rows(s, {0, s.rows});
    RowMatrix pieces(s.rows, s.columns);
    pieces.topRows(37) = dense_rows(s, {0, 37});
    pieces.bottomRows(s.rows - 37) = dense_rows(s, {37, s.rows});
    EXPECT_TRUE(whole == pieces) << "density " << density;
  }
}

TEST(Synthetic, WithoutNoiseVIsExactlyTheProductOfThePlantedFactorsAndHasRankK) {
  const SyntheticSpec s = spec(1.0, 0.0);
  const RowMatrix V = dense_rows(s, {0, s.rows});
  const RowMatrix WH = planted_W_rows(s, {0, s.rows}) * planted_H(s);
  EXPECT_LT((V - WH).norm(), 1e-12 * WH.norm());
  const Eigen::JacobiSVD<Matrix> svd(V);
  const auto& singular = svd.singularValues();
  EXPECT_GT(singular(s.rank - 1), 1e-3 * singular(0));
  EXPECT_LT(singular(s.rank), 1e-10 * singular(0));
  EXPECT_GE(V.minCoeff(), 0.0);
}

TEST(Synthetic, NoiseIsRelativeToTheMeanEntryAndNeverNegative) {
  const SyntheticSpec clean = spec(1.0, 0.0);
  const SyntheticSpec noisy = spec(1.0, 0.2);
  const RowMatrix difference =
      dense_rows(noisy, {0, clean.rows}) - dense_rows(clean, {0, clean.rows});
  const double spread =
      std::sqrt(difference.squaredNorm() / static_cast<double>(difference.size()));
  const double expected = 0.2 * mean_planted_entry(planted_H(clean));
  EXPECT_NEAR(spread, expected, 0.15 * expected);  // clipping at 0 trims it a little
  EXPECT_GE(dense_rows(noisy, {0, clean.rows}).minCoeff(), 0.0);
}

TEST(Synthetic, SparseRowsKeepAboutDensityOfTheEntriesWithTheDenseValues) {
  SyntheticSpec s = spec(0.1, 0.1);
  s.rows = 400;
  s.columns = 500;
  const auto V = synthetic_rows(s, {0, s.rows}, planted_W_rows(s, {0, s.rows}), planted_H(s));
  const auto& sparse = std::get<SparseRowMatrix>(V);
  const double entries = static_cast<double>(s.rows * s.columns);
  const double expected = s.density * entries;
  EXPECT_NEAR(static_cast<double>(sparse.nonZeros()), expected,
              4.0 * std::sqrt(expected * (1.0 - s.density)));
  SyntheticSpec dense_spec = s;
  dense_spec.density = 1.0;
  const RowMatrix dense = dense_rows(dense_spec, {0, s.rows});
  std::set<Index> columns_used;
  for (Index i = 0; i < sparse.outerSize(); ++i) {
    for (SparseRowMatrix::InnerIterator entry(sparse, i); entry; ++entry) {
      ASSERT_EQ(entry.value(), dense(i, entry.col()));
      columns_used.insert(entry.col());
    }
  }
  EXPECT_GT(columns_used.size(), 450U);  // positions spread over the whole row
}

TEST(Synthetic, EachColumnIsDominatedByItsPlantedClustersComponent) {
  SyntheticSpec s = spec(1.0, 0.0);
  s.columns = 300;
  const Matrix H = planted_H(s);
  const std::vector<std::int64_t> clusters = planted_column_clusters(s);
  std::set<std::int64_t> seen;
  for (Index j = 0; j < s.columns; ++j) {
    Index dominant = 0;
    H.col(j).maxCoeff(&dominant);
    EXPECT_EQ(dominant, clusters[static_cast<std::size_t>(j)] % s.rank) << "column " << j;
    seen.insert(clusters[static_cast<std::size_t>(j)]);
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(s.clusters));
  EXPECT_GE(H.minCoeff(), 0.0);
}

TEST(Synthetic, AnotherSeedGivesAnotherMatrix) {
  SyntheticSpec other = spec(1.0, 0.1);
  other.seed = 12;
  EXPECT_FALSE(dense_rows(spec(1.0, 0.1), {0, 20}) == dense_rows(other, {0, 20}));
}

}  // namespace
}  // namespace mpinmf
