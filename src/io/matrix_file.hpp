#pragma once
// Writing a matrix in the HDF5 layouts mpinmf reads fastest (`mpinmf convert`): a CSR group
// (data float64, indices and indptr int64, with the `shape` and `encoding-type` attributes
// AnnData and mpinmf recognize) or a 2-D float64 dataset. Each rank writes its own rows,
// collectively; the file appears whole or not at all (see output_file.hpp).

#include <functional>
#include <string>
#include <vector>

#include "io/input.hpp"
#include "io/output_file.hpp"
#include "mpinmf/options.hpp"
#include "mpinmf/types.hpp"
#include "parallel/comm.hpp"

namespace mpinmf::io {

/// Writes `path` holding the total_rows × columns matrix whose rows `local.rows` this rank
/// has (the ranks' rows in rank order) at `name` in `layout` (csr or dense; a dense block
/// written as CSR keeps its nonzero entries, a sparse block written dense is expanded),
/// `attributes` on the root and `finish.labels` as /row_names and /col_names (`finish` as
/// write_output_file's); `more`, when given,
/// writes further datasets into the open file (collectively, as write_output_file's
/// contents). Collective; errors are agreed and leave no file.
void write_matrix_file(Communicator& comm, const std::string& path, const std::string& name,
                       OutputLayout layout, const LocalInput& local, Index total_rows,
                       Index columns, const std::vector<Attribute>& attributes,
                       const OutputFinish& finish,
                       const std::function<void(hid_t file)>& more = {});

}  // namespace mpinmf::io
