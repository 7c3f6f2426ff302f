#pragma once
// Matrix types shared by every module.
//
// V's local block and W are row-major: a rank's rows arrive from HDF5 in C order and
// leave the same way, with no transposition. H is column-major so that the column slice
// a rank updates is one contiguous block (reduce-scatter and allgather need that), and
// so that Wᵀ, seen through W's row-major storage, is an ordinary column-major matrix.
// A sparse V's block is CSR for the same reason: its rows arrive and stay together.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <cstdint>

namespace mpinmf {

using Index = Eigen::Index;
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// A rank's rows of a sparse V, as CSR; 64-bit indices since nnz may pass 2³¹.
using SparseRowMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, std::int64_t>;

}  // namespace mpinmf
