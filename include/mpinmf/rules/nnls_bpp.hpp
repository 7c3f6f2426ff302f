#pragma once
// Kim & Park's block principal pivoting for non-negative least squares with many
// right-hand sides: the exact solver of one half of alternating NNLS (ANLS).

#include <cstdint>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// How a call went, for diagnostics and tests; it never changes the answer.
struct NnlsBppReport {
  /// Pivoting rounds (one solve per column that is still infeasible) the slowest column took.
  Index rounds = 0;
  /// Columns stopped by the round limit, whose answers are feasible but not optimal.
  Index unconverged_columns = 0;
};

/// Solves min over X ≥ 0 of ½‖Y − A X‖² column by column, given only G = AᵀA (k×k,
/// symmetric positive semi-definite) and B = AᵀY (k×c). The result (k×c) satisfies the
/// KKT conditions X ≥ 0, G X − B ≥ 0 and X ∘ (G X − B) = 0 up to rounding.
///
/// Each column's pivoting depends on that column of B and on G alone, never on the other
/// columns of the call, so splitting the columns differently gives the same X up to
/// rounding in the shared multi-column solves (about 1e-15 relative). A component
/// with G_ii = 0 (an all-zero column of A) stays at zero. When G is singular on a passive
/// set, that subproblem takes its (Jacobi-scaled) minimum-norm solution. If a column has
/// not converged after 10k + 100 pivoting rounds, its answer is its last iterate clipped
/// at zero, or zero itself where that has the smaller objective.
Matrix nnls_block_principal_pivoting(const Matrix& gram, const Eigen::Ref<const Matrix>& product,
                                     NnlsBppReport* report = nullptr);

/// The same, starting from the passive set {X_ij > 0} of `warm_start` (k×c), as ANLS does
/// with the previous iterate; it converges in fewer rounds when the support changes little.
Matrix nnls_block_principal_pivoting(const Matrix& gram, const Eigen::Ref<const Matrix>& product,
                                     const Eigen::Ref<const Matrix>& warm_start,
                                     NnlsBppReport* report = nullptr);

/// The memory one call with k components and c columns allocates, the returned X included:
/// for the up-front memory check.
std::int64_t nnls_bpp_allocated_bytes(Index k, Index columns);

}  // namespace mpinmf
