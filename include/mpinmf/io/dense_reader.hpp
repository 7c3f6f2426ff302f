#pragma once
// Reading a 2-D HDF5 dataset by rows: each rank reads only its own rows, collectively.

#include <string>

#include "mpinmf/comm.hpp"
#include "mpinmf/partition.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf::io {

struct DenseShape {
  Index rows = 0;
  Index columns = 0;
};

/// The shape of `dataset` in `path`, after checking that the file opens, the dataset
/// exists, is 2-D and holds numbers (floating-point or integer, any width). Errors are
/// agreed: every rank throws the same AgreedError, naming the file and dataset.
DenseShape inspect_dense(const Communicator& comm, const std::string& path,
                         const std::string& dataset);

/// Rows `rows` of `dataset`, converted to double. A collective call; the shape must have
/// been checked with inspect_dense. Errors are agreed.
RowMatrix read_dense_rows(const Communicator& comm, const std::string& path,
                          const std::string& dataset, IndexRange rows);

/// Columns `columns` of every row (m × c): a rank's rows of Vᵀ, transposed.
RowMatrix read_dense_columns(const Communicator& comm, const std::string& path,
                             const std::string& dataset, IndexRange columns);

}  // namespace mpinmf::io
