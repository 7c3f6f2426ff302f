// The products that read V: the sparse kernels split among threads give the dense
// products' values for any thread count, skewed columns and empty rows included.

#include "mpinmf/local_products.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <random>

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

TEST_P(LocalProductsTest, SparseKernelsMatchTheDenseProducts) {
  const RowMatrix dense = skewed_block(61, 43);
  const SparseRowMatrix sparse = dense.sparseView();
  const Matrix H = Matrix::Random(5, 43).cwiseAbs();
  const RowMatrix W = RowMatrix::Random(61, 5).cwiseAbs();

  RowMatrix VHt_dense;
  RowMatrix VHt_sparse;
  times_h_transposed(dense, H, VHt_dense);
  times_h_transposed(sparse, H, VHt_sparse);
  EXPECT_LT((VHt_sparse - VHt_dense).norm(), 1e-12 * VHt_dense.norm());

  Matrix WtV_dense;
  Matrix WtV_sparse(2, 2);  // resized by the kernel
  w_transposed_times(W, dense, WtV_dense, column_split(dense));
  w_transposed_times(W, sparse, WtV_sparse, column_split(sparse));
  ASSERT_EQ(WtV_sparse.rows(), 5);
  ASSERT_EQ(WtV_sparse.cols(), 43);
  EXPECT_LT((WtV_sparse - WtV_dense).norm(), 1e-12 * WtV_dense.norm());
}

TEST_P(LocalProductsTest, AnEmptyBlockGivesZeros) {
  const SparseRowMatrix empty(0, 9);
  const RowMatrix W(0, 3);
  Matrix WtV;
  w_transposed_times(W, empty, WtV, column_split(empty));
  EXPECT_EQ(WtV.rows(), 3);
  EXPECT_EQ(WtV.cols(), 9);
  EXPECT_EQ(WtV.norm(), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Threads, LocalProductsTest, ::testing::Values(1, 2, 3, 8));

}  // namespace
}  // namespace mpinmf
