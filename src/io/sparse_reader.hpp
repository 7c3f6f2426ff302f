#pragma once
// Reading a compressed sparse matrix (CSR or CSC) from an HDF5 group holding `data`,
// `indices` and `indptr`, the layout SciPy, AnnData (.h5ad) and 10x Genomics (.h5) write.
// Each rank reads only its own part: a slice of indptr, then the indices and data that
// slice points at. Rows are split so that every rank holds nearly the same number of
// nonzeros. When the stored compression does not run along the rows being factored (CSC
// read for a row partition, or a transposed request), each rank reads a slice of the
// stored axis and one all-to-all exchange sends every entry to the rank owning its row.

#include <cstdint>
#include <string>
#include <vector>

#include "core/partition.hpp"
#include "io/sparse_structure.hpp"
#include "mpinmf/types.hpp"
#include "parallel/comm.hpp"

namespace mpinmf::io {

/// Where a compressed matrix lives and how it is stored.
struct CompressedSource {
  std::string path;
  std::string group;  // holds data, indices and indptr
  Compression compression = Compression::csr;
  std::int64_t rows = 0;  // of the matrix as stored (its logical shape)
  std::int64_t columns = 0;
  std::int64_t entries = 0;  // stored entries (nnz, duplicates included)
};

/// This rank's rows of the matrix to factor (the stored one, or its transpose), as CSR
/// arrays; `as_eigen` turns them into the engine's matrix in the precision wanted.
struct SparseRows {
  IndexRange rows;
  Index total_rows = 0;
  Index columns = 0;
  CompressedMatrix local;  // CSR, canonical
};

/// `rows` as an Eigen CSR matrix of `Scalar` (double, or float for --precision single),
/// releasing its arrays: the copy is all it adds to the peak, so a float copy adds less
/// than a double one.
template <typename Scalar>
Eigen::SparseMatrix<Scalar, Eigen::RowMajor, std::int64_t> as_eigen(CompressedMatrix&& rows);

/// Reads the group's sizes (indptr, indices, data) and checks them against `source`'s
/// shape and compression, filling `source.entries`. Errors are agreed.
void inspect_compressed(const Communicator& comm, CompressedSource& source);

/// Reads this rank's rows of the stored matrix (or of its transpose), nonzero-balanced,
/// validated (pointers, indices, values) and canonical (duplicates summed). Errors are
/// agreed.
SparseRows read_compressed_rows(Communicator& comm, const CompressedSource& source, bool transpose);

/// Entries from anywhere (this rank's share of a file, in any order) sent to the ranks
/// owning their rows, rows split by nonzeros, and assembled as each rank's CSR rows
/// (duplicates summed). Collective: one sum of row counts and one all-to-all exchange.
SparseRows rows_from_triplets(Communicator& comm, const std::vector<Triplet>& entries,
                              Index total_rows, Index columns, const std::string& name);

}  // namespace mpinmf::io
