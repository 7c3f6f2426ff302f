#pragma once
// Reading a 2-D HDF5 dataset by rows: each rank reads only its own rows, collectively.

#include <string>

#include "core/partition.hpp"
#include "mpinmf/types.hpp"
#include "parallel/comm.hpp"

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

template <typename Scalar>
using DenseRows = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Rows `rows` of `dataset`, converted to `Scalar` (double or float) by HDF5 as they are
/// read. A collective call; the shape must have been checked with inspect_dense. Errors are
/// agreed.
template <typename Scalar = double>
DenseRows<Scalar> read_dense_rows(const Communicator& comm, const std::string& path,
                                  const std::string& dataset, IndexRange rows);

/// Columns `columns` of every row (m × c): a rank's rows of Vᵀ, transposed.
template <typename Scalar = double>
DenseRows<Scalar> read_dense_columns(const Communicator& comm, const std::string& path,
                                     const std::string& dataset, IndexRange columns);

}  // namespace mpinmf::io
