#pragma once
// Matrix types shared by every module.
//
// V's local block and W are row-major: a rank's rows arrive from HDF5 in C order and
// leave the same way, with no transposition. H is column-major so that the column slice
// a rank updates is one contiguous block (reduce-scatter and allgather need that), and
// so that Wᵀ, seen through W's row-major storage, is an ordinary column-major matrix.
// A sparse V's block is CSR for the same reason: its rows arrive and stay together.
//
// V's block may also be held in single precision (--precision single): half the memory and
// bandwidth, and BLAS's single-precision products. The loop then holds its working copies of
// the factors and the products in float too; the sums that decide convergence stay double
// (engine/frobenius_loop.cpp).

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <cstdint>
#include <type_traits>

namespace mpinmf {

using Index = Eigen::Index;
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// A rank's rows of a sparse V, as CSR; 64-bit indices since nnz may pass 2³¹.
using SparseRowMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, std::int64_t>;
/// V's block, and the loop's factors and products, in single precision.
using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
/// The matrix types above by precision: H's and W's layouts in `Scalar`.
template <typename Scalar>
using ColumnsOf = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
template <typename Scalar>
using RowsOf = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using SparseRowMatrixF = Eigen::SparseMatrix<float, Eigen::RowMajor, std::int64_t>;

/// Expands `X(T)` for every type V's block may have: the list explicit instantiations of
/// code templated on V's storage follow, so that a new storage is added in one place.
#define MPINMF_FOR_EACH_LOCAL_ROWS(X) \
  X(::mpinmf::RowMatrix)              \
  X(::mpinmf::SparseRowMatrix)        \
  X(::mpinmf::RowMatrixF)             \
  X(::mpinmf::SparseRowMatrixF)

/// Whether a type of V's block is sparse (CSR).
template <typename LocalRows>
inline constexpr bool is_sparse_v =
    std::is_base_of_v<Eigen::SparseMatrixBase<LocalRows>, LocalRows>;

}  // namespace mpinmf
