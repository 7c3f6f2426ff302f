#pragma once
// New data expressed in a learned basis. With W fixed, each new column of V' is a
// non-negative least-squares problem in k unknowns, solved exactly by the anls-bpp rule's
// update (block principal pivoting), distributed as the engine's H half is: V'
// row-partitioned, WᵀW and WᵀV' summed over ranks, each rank solving its own columns. With H
// fixed, each new row is its own problem and needs no communication. Used by `mpinmf project`
// and by the library's project_rows (the Python estimator's transform).

#include "mpinmf/types.hpp"
#include "parallel/comm.hpp"
#include "rules/penalty.hpp"

namespace mpinmf {

/// H' = argmin over H' ≥ 0 of ½‖V' − W H'‖² + penalty, for this rank's rows `local_rows`
/// of V' (dense or sparse, RowMatrix or SparseRowMatrix) and of W. Returns all of H' (k × n')
/// on every rank.
template <typename LocalRows>
Matrix project_columns(Communicator& comm, const LocalRows& local_rows, const RowMatrix& W,
                       const Penalty& penalty);

/// W'' = argmin over W'' ≥ 0 of ½‖V'' − W'' H‖² + penalty, for this rank's rows.
template <typename LocalRows>
RowMatrix project_rows(const LocalRows& local_rows, const Matrix& H, const Penalty& penalty);

extern template Matrix project_columns(Communicator&, const RowMatrix&, const RowMatrix&,
                                       const Penalty&);
extern template Matrix project_columns(Communicator&, const SparseRowMatrix&, const RowMatrix&,
                                       const Penalty&);
extern template RowMatrix project_rows(const RowMatrix&, const Matrix&, const Penalty&);
extern template RowMatrix project_rows(const SparseRowMatrix&, const Matrix&, const Penalty&);

}  // namespace mpinmf
