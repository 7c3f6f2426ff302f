#pragma once
// `mpinmf project`: expressing new data in a learned basis. With W fixed, each new column
// of V' is a non-negative least-squares problem in k unknowns, solved exactly (block
// principal pivoting), distributed as the engine's H half is: V' row-partitioned, WᵀW
// and WᵀV' summed over ranks, each rank solving its own columns. With H fixed, each new
// row is its own problem and needs no communication.

#include <iosfwd>

#include "mpinmf/options.hpp"
#include "parallel/comm.hpp"
#include "rules/penalty.hpp"

namespace mpinmf {

/// H' = argmin over H' ≥ 0 of ½‖V' − W H'‖² + penalty, for this rank's rows `local_rows`
/// of V' and of W. Returns all of H' (k × n') on every rank.
Matrix project_columns(Communicator& comm, const RowMatrix& local_rows, const RowMatrix& W,
                       const Penalty& penalty);

/// W'' = argmin over W'' ≥ 0 of ½‖V'' − W'' H‖² + penalty, for this rank's rows.
RowMatrix project_rows(const RowMatrix& local_rows, const Matrix& H, const Penalty& penalty);

/// Reads the model and the new data, projects, writes /H (axis columns) or /W (axis rows)
/// to the output. Every rank calls it; failures surface as AgreedError on all ranks.
void run_projection(Communicator& comm, const ProjectOptions& options, std::ostream& out);

}  // namespace mpinmf
