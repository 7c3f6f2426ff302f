#pragma once
// Grams of the factors' thin sides (k × k): WᵀW and H Hᵀ, formed every iteration. BLAS's
// SYRK forms one triangle, half a GEMM's work, and the other is mirrored. H Hᵀ is summed
// over the rank's threads' shares of H's columns, each on one thread: a threaded BLAS call
// for this small product measured costlier, spending more in waking BLAS's threads than in
// arithmetic.

#include <algorithm>
#include <type_traits>
#include <vector>

#include "core/scratch.hpp"
#include "core/thread_shares.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf {

/// `gram` (k × k) = X Xᵀ for the k × c matrix X.
template <typename Wide, typename Out>
void form_gram(const Wide& X, Out&& gram) {
  gram.setZero();
  gram.template selfadjointView<Eigen::Lower>().rankUpdate(X);
  gram.template triangularView<Eigen::StrictlyUpper>() = gram.transpose();
}

/// Columns of a float X whose Gram is summed in float before it joins the double sum.
inline constexpr Index kFloatGramColumns = 256;

/// `gram` = X Xᵀ for the k × c matrix X (double or float), its columns shared among the
/// rank's threads; the shares' Grams are added in share order, so the result does not depend
/// on scheduling. The result is double either way: a float X's Gram is summed in float over
/// blocks of kFloatGramColumns columns only (SSYRK, measured much faster than widening X to
/// double for DSYRK), and the blocks' Grams in double, since the Grams decide the objective
/// (engine/frobenius_loop.cpp).
template <typename Wide>
void form_gram_in_shares(const Eigen::MatrixBase<Wide>& X, Eigen::Ref<Matrix> gram) {
  using Scalar = typename Wide::Scalar;
  const Eigen::Ref<const ColumnsOf<Scalar>> columns_of_x(X);
  const Index k = X.rows();
  // The shares' Grams side by side, in memory kept from call to call (core/scratch.hpp).
  const int shares = thread_shares(X.cols());
  auto share_grams = scratch_matrix<Matrix, struct ShareGrams>(k, k * shares);
  for_each_thread_share(X.cols(), [&](int share, IndexRange columns) {
    auto share_gram = share_grams.middleCols(share * k, k);
    if constexpr (std::is_same_v<Scalar, double>) {
      form_gram(columns_of_x.middleCols(columns.begin, columns.size()), share_gram);
    } else {
      share_gram.setZero();
      auto block_gram = scratch_matrix<Eigen::MatrixXf, struct FloatBlockGram>(k, k);
      for (Index first = columns.begin; first < columns.end; first += kFloatGramColumns) {
        const Index count = std::min(kFloatGramColumns, columns.end - first);
        block_gram.setZero();
        block_gram.template selfadjointView<Eigen::Lower>().rankUpdate(
            columns_of_x.middleCols(first, count));
        share_gram.template triangularView<Eigen::Lower>() += block_gram.template cast<double>();
      }
      share_gram.template triangularView<Eigen::StrictlyUpper>() = share_gram.transpose();
    }
  });
  gram = share_grams.leftCols(k);
  for (int share = 1; share < shares; ++share) {
    gram += share_grams.middleCols(share * k, k);
  }
}

}  // namespace mpinmf
