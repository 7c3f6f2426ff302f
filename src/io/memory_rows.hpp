#pragma once
// V's rows from the caller's memory instead of a file (the library's DenseRows and CsrRows:
// NumPy and SciPy arrays, from the Python module): each rank its own block, in rank order.
// The ranks agree on the shape and their offsets, and the rows get the checks a file's get.

#include "io/input.hpp"
#include "mpinmf/mpinmf.hpp"
#include "parallel/comm.hpp"

namespace mpinmf::io {

/// What a file's inspection and reading give, for rows held in memory.
struct MemoryInput {
  InputPlan plan;
  LocalInput local;
};

/// This rank's rows copied into the engine's storage in `precision`, with the global row
/// count and this rank's offset agreed over `comm`. Errors (ranks whose column counts
/// differ) are agreed; the values of dense rows are checked by the caller
/// (`checked_matrix`).
MemoryInput copy_dense_rows(Communicator& comm, const DenseRows& rows, Precision precision);

/// The same for CSR rows, validated (indices inside the matrix, values finite and ≥ 0,
/// naming the first bad row and column) and made canonical (indices sorted, repeats summed).
MemoryInput copy_csr_rows(Communicator& comm, const CsrRows& rows, Precision precision);

}  // namespace mpinmf::io
