#pragma once
// The result file: /W (m×k, each rank writes its own rows), /H (k×n), /history and
// attributes, in C order so that h5py sees W as m×k (R and Julia, being column-major,
// see the transpose). Written under a temporary name and renamed once complete.

#include <string>
#include <vector>

#include "io/output_file.hpp"
#include "mpinmf/result.hpp"
#include "parallel/comm.hpp"
#include "starts/random_start.hpp"

namespace mpinmf::io {

/// Column names of /history, stored in its `columns` attribute.
inline constexpr const char* kHistoryColumns =
    "iteration,seconds,relative_error,objective,projected_gradient";

/// The `layout` attribute of a result file: how readers see the datasets.
inline constexpr const char* kFactorLayout =
    "C order: /W is rows x k and /H is k x columns as h5py reads them; column-major readers "
    "(R, Julia) see their transposes";

/// Where the loop stands after `history`'s last entry: the attributes iterations,
/// relative_error, objective and stop_reason (`status`).
std::vector<Attribute> progress_attributes(const std::vector<HistoryEntry>& history,
                                           double relative_error, const std::string& status);

/// Writes the factors, with W's rows split as `rows` over the ranks (m rows in all). A
/// factor with no columns and an empty history are left out. Collective; errors are
/// agreed and leave no file behind. `finish.labels` name V's rows (W's rows) and columns
/// (H's columns).
void write_factor_file(Communicator& comm, const std::string& path, const Factors& factors,
                       IndexRange rows, Index total_rows, const std::vector<HistoryEntry>& history,
                       const std::vector<Attribute>& attributes, const OutputFinish& finish = {});

/// Reads this rank's rows of /W and all of /H from a factor file, checking their shapes
/// against m×k and k×n (for --init-file). Errors are agreed.
Factors read_factor_file(const Communicator& comm, const std::string& path, IndexRange rows,
                         Index total_rows, Index columns, Index rank);

}  // namespace mpinmf::io
