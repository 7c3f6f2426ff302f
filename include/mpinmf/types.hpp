#pragma once
// Matrix types shared by every module.
//
// V's local block and W are row-major: a rank's rows arrive from HDF5 in C order and
// leave the same way, with no transposition. H is column-major so that the column slice
// a rank updates is one contiguous block (reduce-scatter and allgather need that), and
// so that Wᵀ, seen through W's row-major storage, is an ordinary column-major matrix.

#include <Eigen/Core>

namespace mpinmf {

using Index = Eigen::Index;
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace mpinmf
