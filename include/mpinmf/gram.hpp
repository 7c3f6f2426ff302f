#pragma once
// Grams of the factors' thin sides (k × k): WᵀW and H Hᵀ, formed every iteration. BLAS's
// SYRK forms one triangle, half a GEMM's work, and the other is mirrored. H Hᵀ is summed
// over the rank's threads' shares of H's columns, each on one thread: a threaded BLAS call
// for this small product cost more in waking BLAS's threads than in arithmetic (1.7 ms
// against 0.2 ms at k = 50, n = 2000, 1 rank × 2 threads).

#include <vector>

#include "mpinmf/thread_shares.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf {

/// `gram` (k × k) = X Xᵀ for the k × c matrix X.
template <typename Wide, typename Out>
void form_gram(const Wide& X, Out&& gram) {
  gram.setZero();
  gram.template selfadjointView<Eigen::Lower>().rankUpdate(X);
  gram.template triangularView<Eigen::StrictlyUpper>() = gram.transpose();
}

/// `gram` = X Xᵀ for the k × c matrix X, its columns shared among the rank's threads; the
/// shares' Grams are added in share order, so the result does not depend on scheduling.
inline void form_gram_in_shares(const Eigen::Ref<const Matrix>& X, Eigen::Ref<Matrix> gram) {
  const Index k = X.rows();
  std::vector<Matrix> share_grams(static_cast<std::size_t>(thread_shares(X.cols())), Matrix(k, k));
  for_each_thread_share(X.cols(), [&](int share, IndexRange columns) {
    form_gram(X.middleCols(columns.begin, columns.size()),
              share_grams[static_cast<std::size_t>(share)]);
  });
  gram = share_grams.front();
  for (std::size_t share = 1; share < share_grams.size(); ++share) {
    gram += share_grams[share];
  }
}

}  // namespace mpinmf
