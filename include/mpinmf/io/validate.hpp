#pragma once
// Checks on the values of V that every reader applies before the data is trusted.

#include <optional>
#include <string>

#include "mpinmf/comm.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf::io {

/// The first entry of `block` (row-major order) that is negative, NaN or infinite, as a
/// failure whose order is its global linear index, so that agreeing on it picks the first
/// bad entry of the whole matrix. `source` names the file and dataset.
std::optional<LocalFailure> first_invalid_entry(const RowMatrix& block, Index first_row,
                                                Index total_columns, const std::string& source);

/// Every rank checks its block; all ranks throw the same error about the first bad entry.
void require_nonnegative_finite(const Communicator& comm, const RowMatrix& block, Index first_row,
                                const std::string& source);

}  // namespace mpinmf::io
