// The project's dense kernels (dense_products.hpp) give Eigen's V Hᵀ and Wᵀ V for every
// shape they cut k and V into: each panel width of Hᵀ, several panels, row strips and the
// rows left over, column chunks and the columns left over, blocks of columns, and a part of
// the rows or columns only (Wᵀ V: a partial sum over some rows), leaving the rest of the result as
// it was. They run here whatever the CPU (on one without AVX-512 the engine keeps BLAS, but the
// kernels still compute).

#include "kernels/dense_products.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

namespace mpinmf {
namespace {

template <typename Scalar>
RowsOf<Scalar> random_rows(Index rows, Index columns, unsigned seed) {
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  RowsOf<Scalar> X(rows, columns);
  for (Index i = 0; i < X.size(); ++i) {
    X.data()[i] = static_cast<Scalar>(uniform(generator));
  }
  return X;
}

/// Sums of positive terms in this precision: a term left out or counted twice moves an entry
/// by at least 1 / n of it, far above these (n ≤ 6000).
template <typename Scalar>
double tolerance() {
  return sizeof(Scalar) == 4 ? 2e-5 : 1e-12;
}

constexpr double kUntouched = -7.0;

/// Asserts that `out` is `expected` (to the precision's tolerance) where `asked(i, j)`, and
/// still kUntouched elsewhere; `shape` names the case in a failure.
template <typename Scalar, typename Asked>
void expect_asked_entries_only(const RowsOf<Scalar>& out, const RowMatrix& expected, Asked asked,
                               const std::string& shape) {
  for (Index i = 0; i < out.rows(); ++i) {
    for (Index j = 0; j < out.cols(); ++j) {
      const double want = asked(i, j) ? expected(i, j) : kUntouched;
      ASSERT_NEAR(out(i, j), want, tolerance<Scalar>() * std::abs(want))
          << shape << ": entry (" << i << ", " << j << ")";
    }
  }
}

template <typename Scalar>
class DenseProductsTest : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(DenseProductsTest, Precisions);

// k reaches every panel width (1–4 vectors of 16 floats or 8 doubles) and one, two and three
// panels; 45 rows are 7 strips of 6 and 3 rows left, or a block of 32 and 13; n = 131 is
// whole chunks and 3 columns left; n = 6000 spans more than one block of columns.
const std::vector<Index> kComponents = {1, 7, 16, 17, 33, 50, 64, 65, 100, 130};
const std::vector<Index> kColumns = {3, 131, 6000};
constexpr Index kRows = 45;

/// Runs `check(k, n)` for each k of kComponents and n of kColumns.
template <typename Check>
void for_each_shape(Check check) {
  for (const Index k : kComponents) {
    for (const Index n : kColumns) {
      check(k, n);
    }
  }
}

TYPED_TEST(DenseProductsTest, VTimesHTransposedIsEigensOnTheRowsAskedFor) {
  using Scalar = TypeParam;
  for_each_shape([](Index k, Index n) {
    const RowsOf<Scalar> V = random_rows<Scalar>(kRows, n, 1);
    const ColumnsOf<Scalar> H = random_rows<Scalar>(k, n, 2);
    const RowMatrix expected = V.template cast<double>() * H.template cast<double>().transpose();
    std::vector<Scalar> packed;
    pack_h_transposed(H, packed);
    for (const IndexRange rows : {IndexRange{0, kRows}, IndexRange{5, 40}}) {
      RowsOf<Scalar> out = RowsOf<Scalar>::Constant(kRows, k, static_cast<Scalar>(kUntouched));
      times_h_transposed_in_place(V, rows, packed, k, out);
      expect_asked_entries_only<Scalar>(
          out, expected, [&](Index i, Index /*c*/) { return i >= rows.begin && i < rows.end; },
          "k = " + std::to_string(k) + ", n = " + std::to_string(n) + ", rows from " +
              std::to_string(rows.begin));
    }
  });
}

TYPED_TEST(DenseProductsTest, WTransposedTimesVIsEigensOnTheRowsAndColumnsAskedFor) {
  using Scalar = TypeParam;
  for_each_shape([](Index k, Index n) {
    const RowsOf<Scalar> V = random_rows<Scalar>(kRows, n, 3);
    const RowsOf<Scalar> W = random_rows<Scalar>(kRows, k, 4);
    for (const IndexRange rows : {IndexRange{0, kRows}, IndexRange{5, 40}}) {
      const RowMatrix expected =
          W.middleRows(rows.begin, rows.size()).template cast<double>().transpose() *
          V.middleRows(rows.begin, rows.size()).template cast<double>();
      for (const IndexRange columns : {IndexRange{0, n}, IndexRange{n / 3, n - 1}}) {
        RowsOf<Scalar> out = RowsOf<Scalar>::Constant(k, n, static_cast<Scalar>(kUntouched));
        w_transposed_times_in_place(V, W, rows, columns, out);
        expect_asked_entries_only<Scalar>(
            out, expected,
            [&](Index /*c*/, Index j) { return j >= columns.begin && j < columns.end; },
            "k = " + std::to_string(k) + ", n = " + std::to_string(n) + ", rows from " +
                std::to_string(rows.begin) + ", columns from " + std::to_string(columns.begin));
      }
    }
  });
}

TYPED_TEST(DenseProductsTest, ARankWithNoRowsGetsZeroWTransposedTimesV) {
  using Scalar = TypeParam;
  const RowsOf<Scalar> V(0, 40);
  const RowsOf<Scalar> W(0, 5);
  RowsOf<Scalar> out = RowsOf<Scalar>::Constant(5, 40, static_cast<Scalar>(kUntouched));
  w_transposed_times_in_place(V, W, IndexRange{0, 0}, IndexRange{0, 40}, out);
  EXPECT_EQ(out.cwiseAbs().maxCoeff(), Scalar{0});
}

TYPED_TEST(DenseProductsTest, VWithNoColumnsGivesZeroVTimesHTransposed) {
  using Scalar = TypeParam;
  const RowsOf<Scalar> V(6, 0);
  const ColumnsOf<Scalar> H(4, 0);
  std::vector<Scalar> packed;
  pack_h_transposed(H, packed);
  RowsOf<Scalar> out = RowsOf<Scalar>::Constant(6, 4, static_cast<Scalar>(kUntouched));
  times_h_transposed_in_place(V, IndexRange{0, 6}, packed, 4, out);
  EXPECT_EQ(out.cwiseAbs().maxCoeff(), Scalar{0});
}

}  // namespace
}  // namespace mpinmf
