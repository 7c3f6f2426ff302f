#pragma once
// Compressed sparse matrices (CSR and CSC) as files store them: the checks a reader applies
// before trusting one, and the conversion of coordinate triplets into one. Pure functions: no
// MPI and no HDF5, so they are unit-tested and fuzzed on their own.
//
// Policy on index order and duplicates (the same for Matrix Market files and CSR/CSC groups,
// and the same as scipy's): indices need not be sorted within a row (CSR) or column (CSC), and
// an index may repeat. Neither is an error: `canonicalize` sorts the indices of each row and
// sums the values of repeated entries, as scipy's sum_duplicates() and every COO → CSR
// conversion do. What is refused is what cannot be meant: pointers that decrease or leave the
// arrays, indices outside the matrix, and values that are negative, NaN or infinite.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mpinmf::io {

/// One entry in coordinate form, 0-based.
struct Triplet {
  std::int64_t row = 0;
  std::int64_t column = 0;
  double value = 0.0;

  bool operator==(const Triplet& other) const = default;
};

/// Which axis the pointers compress: CSR holds one slice of `indices` per row (the "major"
/// axis is rows, indices are columns), CSC one per column. Messages name rows and columns
/// accordingly.
enum class Compression { csr, csc };

/// One rank's part of a compressed matrix as read from a file, or the whole of it
/// (`first_major` = 0 and `indptr` with major_extent + 1 entries).
struct CompressedSlice {
  Compression compression = Compression::csr;
  std::int64_t major_extent = 0;   ///< rows for CSR, columns for CSC (of the whole matrix)
  std::int64_t minor_extent = 0;   ///< columns for CSR, rows for CSC
  std::int64_t total_entries = 0;  ///< length of the whole `indices` and `data` arrays (nnz)
  std::int64_t first_major = 0;    ///< global position of indptr.front() in the whole indptr
  /// The global indptr[first_major ..= first_major + count] for `count` majors of this slice.
  std::span<const std::int64_t> indptr;
  /// The global indices and data at [indptr.front(), indptr.back()).
  std::span<const std::int64_t> indices;
  std::span<const double> values;
};

/// Checks the sizes a file declares, before anything is read: extents >= 0 whose product
/// fits in int64, indptr with major_extent + 1 entries, indices and data of equal length.
void validate_compressed_shape(Compression compression, std::int64_t major_extent,
                               std::int64_t minor_extent, std::int64_t indptr_length,
                               std::int64_t indices_length, std::int64_t data_length,
                               const std::string& source);

/// Checks the shape and the pointers alone, so that a reader can trust indptr before it uses
/// it to read indices and data: extents >= 0 and their product within int64; the slice inside
/// the major axis; indptr[0] = 0 where the slice starts the matrix; every pointer in
/// [0, total_entries] and not below the one before it; the last one equal to total_entries
/// where the slice ends the matrix. Throws Error naming `source` (e.g. "data.h5:/X") and the
/// first bad position.
void validate_compressed_pointers(const CompressedSlice& slice, const std::string& source);

/// Everything `validate_compressed_pointers` checks, then that indices and values hold the
/// slice's entries, every index lies in [0, minor_extent) and every value is finite and >= 0
/// (naming its row and column, both 0-based). Returns whether the slice is already canonical:
/// indices strictly increasing within every major, so no sorting and no duplicates.
bool validate_compressed(const CompressedSlice& slice, const std::string& source);

/// A compressed matrix (or one rank's rows of it) in memory, with indptr starting at 0.
struct CompressedMatrix {
  Compression compression = Compression::csr;
  std::int64_t major_extent = 0;
  std::int64_t minor_extent = 0;
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int64_t> indices;
  std::vector<double> values;

  [[nodiscard]] std::int64_t entries() const { return static_cast<std::int64_t>(values.size()); }
  /// The structure as a whole-matrix slice, for `validate_compressed`.
  [[nodiscard]] CompressedSlice view() const;
};

/// Sorts the indices within every major and sums the values of repeated indices, in place
/// (the policy above). `matrix` must have passed validation. `first_major` is the global
/// position of its first major, for messages. Throws Error if summed duplicates overflow to
/// infinity. Returns how many entries were merged into others.
std::int64_t canonicalize(CompressedMatrix& matrix, std::int64_t first_major,
                          const std::string& source);

/// Builds the canonical CSR form of a rows × columns matrix given as triplets (any order,
/// duplicates summed). Throws Error naming `source` for an index outside the matrix or a
/// value that is negative, NaN or infinite. Allocates rows + 1 pointers: the caller bounds
/// `rows`.
CompressedMatrix triplets_to_csr(std::int64_t rows, std::int64_t columns,
                                 std::span<const Triplet> triplets, const std::string& source);

/// "negative", "NaN" or "infinite" for a value NMF refuses, empty for a valid one (finite and
/// >= 0). Shared by the readers so that every message says the same.
std::string_view invalid_value_kind(double value);

}  // namespace mpinmf::io
