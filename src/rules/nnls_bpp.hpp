#pragma once
// Kim & Park's block principal pivoting for non-negative least squares with many
// right-hand sides: the exact solver of one half of alternating NNLS (ANLS).

#include <cstdint>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// How a call went, for diagnostics and tests; it never changes the answer.
struct NnlsBppReport {
  /// Rounds (one solve per column that is still infeasible; the active-set stage counts as
  /// one) the slowest column took.
  Index rounds = 0;
  /// Columns stopped by the round limit, whose answers are feasible but not optimal.
  Index unconverged_columns = 0;
};

/// Solves min over X ≥ 0 of ½‖Y − A X‖² column by column, given only G = AᵀA (k×k,
/// symmetric positive semi-definite) and B = AᵀY (k×c). The result (k×c) satisfies the
/// KKT conditions X ≥ 0, G X − B ≥ 0 and X ∘ (G X − B) = 0 up to rounding.
///
/// A first round of block pivoting solves every column on its starting passive set (columns
/// that share one share G_FF's factorisation) and keeps those that satisfy the KKT
/// conditions. For k < 32 a second round of full exchanges follows (cheaper there than the
/// active set). The others go to Lawson & Hanson's active-set method from the round's clipped
/// iterate, with G_FF's Cholesky factor updated one variable at a time: on ill-conditioned G
/// (an overfitted k) Kim & Park's full exchanges keep failing and their single-variable
/// backup rule needs hundreds of rounds, each with a fresh factorisation. Where a pivot of
/// that update is too small to trust (G_FF numerically singular), the column goes back to
/// block pivoting with the backup rule. The columns are shared among the calling thread's
/// OpenMP threads.
///
/// Each column's solve depends on that column of B and on G alone, never on the other
/// columns of the call or on the threads: splitting the columns differently gives the same X
/// bit for bit. A component with G_ii = 0 (an all-zero column of A) stays at zero. When G is
/// singular on a passive set, that subproblem takes its (Jacobi-scaled) minimum-norm
/// solution. If a column has not converged after 10k + 100 rounds, its answer is its last
/// iterate clipped at zero, or zero itself where that has the smaller objective.
Matrix nnls_block_principal_pivoting(const Matrix& gram, const Eigen::Ref<const Matrix>& product,
                                     NnlsBppReport* report = nullptr);

/// The same, starting from `warm_start` (k×c), as ANLS does with the previous iterate. A
/// column of it on a face of X ≥ 0 (some usable variable at zero, some positive: a solution
/// of a nearby problem) goes straight to the active set from that point, which finishes it
/// in a few one-variable steps when the support changes little; a column inside the orthant
/// or at zero (an initial guess) starts the block pivoting from its passive set {X_ij > 0}.
Matrix nnls_block_principal_pivoting(const Matrix& gram, const Eigen::Ref<const Matrix>& product,
                                     const Eigen::Ref<const Matrix>& warm_start,
                                     NnlsBppReport* report = nullptr);

/// The same in place: `x` holds the warm start on entry and the solution on return. What the
/// solver holds besides X is kept from call to call on the calling thread, so that calls on
/// the sizes of an earlier one (ANLS's, every iteration) allocate nothing.
void nnls_block_principal_pivoting_in_place(const Matrix& gram,
                                            const Eigen::Ref<const Matrix>& product,
                                            Eigen::Ref<Matrix> x, NnlsBppReport* report = nullptr);

/// The memory one call with k components and c columns allocates, the returned X included:
/// for the up-front memory check.
std::int64_t nnls_bpp_allocated_bytes(Index k, Index columns);

}  // namespace mpinmf
