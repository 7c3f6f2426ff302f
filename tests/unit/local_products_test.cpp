// The products that read V: the sparse kernels, and the dense products (BLAS or the
// project's kernels), split among threads give the dense products' values for any thread
// count and either split of Wᵀ V, skewed columns and empty rows included, and a
// single-precision V gives them to single precision.

#include "kernels/local_products.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <random>
#include <tuple>
#include <utility>

namespace mpinmf {
namespace {

/// A sparse block whose first columns hold most nonzeros, with some empty rows.
RowMatrix skewed_block(Index rows, Index columns) {
  std::mt19937_64 generator(5);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  RowMatrix V = RowMatrix::Zero(rows, columns);
  for (Index i = 0; i < rows; ++i) {
    if (i % 7 == 3) {
      continue;
    }
    for (Index j = 0; j < columns; ++j) {
      const double keep = 0.9 / static_cast<double>(1 + j);
      if (uniform(generator) < keep + 0.05) {
        V(i, j) = uniform(generator) + 0.1;
      }
    }
  }
  return V;
}

class LocalProductsTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { omp_set_num_threads(GetParam()); }
  void TearDown() override { omp_set_num_threads(1); }
};

/// V Hᵀ and Wᵀ V through LocalProducts<LocalRows>, the factors rounded to V's precision and
/// the products returned in double.
template <typename LocalRows>
std::pair<RowMatrix, Matrix> both_products(const LocalRows& V, const RowMatrix& W,
                                           const Matrix& H) {
  using Scalar = typename LocalRows::Scalar;
  LocalProducts<LocalRows> products(V);
  RowsOf<Scalar> VHt;
  ColumnsOf<Scalar> WtV(2, 2);  // resized by the product
  products.times_h_transposed(H.cast<Scalar>(), VHt);
  products.w_transposed_times(W.cast<Scalar>(), WtV);
  return {VHt.template cast<double>(), WtV.template cast<double>()};
}

/// The sparse kernels take k in passes of up to 32 components, each compiled for its width:
/// one pass (1, 5, 31, 32), a full pass and a short one (33, 50), two full ones (64) and more.
class LocalProductsWidthTest : public ::testing::TestWithParam<std::tuple<int, Index>> {
 protected:
  void SetUp() override { omp_set_num_threads(std::get<0>(GetParam())); }
  void TearDown() override { omp_set_num_threads(1); }
};

TEST_P(LocalProductsWidthTest, EveryStorageGivesTheDenseProducts) {
  const Index k = std::get<1>(GetParam());
  const RowMatrix dense = skewed_block(61, 43);
  const SparseRowMatrix sparse = dense.sparseView();
  const Matrix H = Matrix::Random(k, 43).cwiseAbs();
  const RowMatrix W = RowMatrix::Random(61, k).cwiseAbs();
  const auto [VHt, WtV] = both_products(dense, W, H);
  ASSERT_EQ(WtV.rows(), k);
  ASSERT_EQ(WtV.cols(), 43);
  ASSERT_GT(VHt.norm(), 0.0);

  const auto expect_close = [&](const auto& products, double tolerance) {
    ASSERT_EQ(products.first.rows(), VHt.rows());
    ASSERT_EQ(products.first.cols(), VHt.cols());
    ASSERT_EQ(products.second.rows(), WtV.rows());
    ASSERT_EQ(products.second.cols(), WtV.cols());
    EXPECT_LT((products.first - VHt).norm(), tolerance * VHt.norm());
    EXPECT_LT((products.second - WtV).norm(), tolerance * WtV.norm());
  };
  expect_close(both_products(sparse, W, H), 1e-12);
  // Single precision: V's values, and for dense V the factors and sums, rounded to 24 bits.
  const RowMatrixF dense_single = dense.cast<float>();
  const SparseRowMatrixF sparse_single = sparse.cast<float>();
  expect_close(both_products(dense_single, W, H), 1e-6);
  expect_close(both_products(sparse_single, W, H), 1e-6);
  // ... but not to double precision: the float path is really taken.
  EXPECT_GT((both_products(dense_single, W, H).first - VHt).norm(), 1e-12 * VHt.norm());
}

/// Wᵀ V twice through the same LocalProducts: the second is right only if the per-thread
/// partials are zeroed (or overwritten) for each product.
template <typename LocalRows>
Matrix w_transposed_times_twice(const LocalRows& V, const RowMatrix& W) {
  LocalProducts<LocalRows> products(V);
  Matrix WtV;
  products.w_transposed_times(W, WtV);
  products.w_transposed_times(W, WtV);
  return WtV;
}

TEST_P(LocalProductsTest, EitherThreadSplitOfWtVGivesTheProduct) {
  // A tall block is split by rows into per-thread partials, a wide one by column ranges;
  // sparse V by the project's kernels, dense V by them too where this CPU runs them.
  const int threads = GetParam();
  // 7 × 1: by rows, with fewer rows than 8 threads (7 shares, 6 partials).
  for (const auto& [rows, columns] : {std::pair<Index, Index>{500, 40}, {40, 500}, {7, 1}}) {
    const RowMatrix dense = skewed_block(rows, columns);
    const SparseRowMatrix sparse = dense.sparseView();
    const RowMatrix W = RowMatrix::Random(rows, 7).cwiseAbs();
    const Matrix H = Matrix::Random(7, columns).cwiseAbs();
    const bool tall = rows > columns;
    EXPECT_EQ(w_transposed_times_by_rows(rows, columns, threads), tall && threads > 1);
    const Matrix expected = W.transpose() * dense;
    for (const Matrix& WtV :
         {both_products(sparse, W, H).second, both_products(dense, W, H).second,
          w_transposed_times_twice(sparse, W), w_transposed_times_twice(dense, W)}) {
      EXPECT_LT((WtV - expected).norm(), 1e-12 * expected.norm()) << rows << " × " << columns;
    }
  }
}

/// V Hᵀ and Wᵀ V of a block with no rows: no rows, and k × n zeros.
template <typename LocalRows>
void expect_zero_products_of_no_rows() {
  const LocalRows empty(0, 9);
  const RowMatrix W(0, 3);
  const Matrix H = Matrix::Random(3, 9);
  const auto [VHt, WtV] = both_products(empty, W, H);
  EXPECT_EQ(VHt.rows(), 0);
  EXPECT_EQ(WtV.rows(), 3);
  EXPECT_EQ(WtV.cols(), 9);
  EXPECT_EQ(WtV.norm(), 0.0);
}

TEST_P(LocalProductsTest, AnEmptyBlockGivesZeros) {
  expect_zero_products_of_no_rows<SparseRowMatrix>();
  expect_zero_products_of_no_rows<RowMatrix>();
  expect_zero_products_of_no_rows<RowMatrixF>();
}

INSTANTIATE_TEST_SUITE_P(Threads, LocalProductsTest, ::testing::Values(1, 2, 3, 8));
INSTANTIATE_TEST_SUITE_P(ThreadsAndWidths, LocalProductsWidthTest,
                         ::testing::Combine(::testing::Values(1, 2, 3, 8),
                                            ::testing::Values(1, 5, 31, 32, 33, 50, 64, 97)));

}  // namespace
}  // namespace mpinmf
