#pragma once
// Checks on the values of V that every reader applies before the data is trusted.

#include <optional>
#include <string>

#include "io/sparse_structure.hpp"
#include "mpinmf/types.hpp"
#include "parallel/comm.hpp"

namespace mpinmf::io {

/// The first entry of `block` (row-major order) that is negative, NaN or infinite, as a
/// failure whose order is its global linear index, so that agreeing on it picks the first
/// bad entry of the whole matrix. `source` names the file and dataset.
/// A single-precision block's message also says when an entry was too large to narrow.
template <typename Block>
std::optional<LocalFailure> first_invalid_entry(const Block& block, Index first_row,
                                                Index total_columns, const std::string& source);

/// Every rank checks its block; all ranks throw the same error about the first bad entry.
template <typename Block>
void require_nonnegative_finite(const Communicator& comm, const Block& block, Index first_row,
                                const std::string& source) {
  comm.agree(first_invalid_entry(block, first_row, block.cols(), source));
}

/// The first entry of a CSR block too large for single precision (beyond ±3.4e38), as
/// above; checked before the block is narrowed.
std::optional<LocalFailure> first_entry_beyond_single(const CompressedMatrix& rows, Index first_row,
                                                      const std::string& source);

}  // namespace mpinmf::io
