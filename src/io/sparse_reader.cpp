#include "io/sparse_reader.hpp"

#include <algorithm>
#include <numeric>
#include <span>
#include <vector>

#include "core/fault_injection.hpp"
#include "io/hdf5_handle.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

std::int64_t length_of(hid_t file, const std::string& path, const std::string& name) {
  const Handle dataset = open_dataset(file, path, name);
  const Handle space(H5Dget_space(dataset.get()), H5Sclose);
  if (H5Sget_simple_extent_ndims(space.get()) != 1) {
    throw Error(where(path, name) + ": must be 1-D");
  }
  hsize_t length = 0;
  H5Sget_simple_extent_dims(space.get(), &length, nullptr);
  return static_cast<std::int64_t>(length);
}

/// Entries [first, first + count) of a 1-D dataset, converted to `T` (HDF5 converts any
/// integer or float type on the way in). Collective: ranks with nothing to read take part.
template <typename T>
std::vector<T> read_range(const Communicator& comm, hid_t file, const std::string& path,
                          const std::string& name, std::int64_t first, std::int64_t count) {
  std::vector<T> values;
  Handle dataset;
  RowSelection selection;
  comm.run_agreed([&] {
    dataset = open_dataset(file, path, name);
    values.resize(static_cast<std::size_t>(count));
    selection = select_range(dataset.get(), first, count);
  });
  const hid_t memory_type = std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64;
  comm.run_agreed([&] {
    const Handle transfer = collective_transfer();
    if (H5Dread(dataset.get(), memory_type, selection.memory_space.get(),
                selection.file_space.get(), transfer.get(), selection.buffer(values.data())) < 0) {
      throw Error(where(path, name) + ": read failed for entries " + std::to_string(first) +
                  " to " + std::to_string(first + count - 1));
    }
  });
  return values;
}

/// One rank's share of the stored major axis, read and validated.
struct MajorSlice {
  IndexRange majors;
  std::vector<std::int64_t> indptr;  // global pointers for majors.begin ..= majors.end
  std::vector<std::int64_t> indices;
  std::vector<double> values;
  bool canonical = true;
};

/// A slice of `source` starting at `first_major`, its arrays still to be attached.
CompressedSlice slice_of(const CompressedSource& source, std::int64_t major_extent,
                         Index first_major) {
  CompressedSlice slice;
  slice.compression = source.compression;
  slice.major_extent = major_extent;
  slice.minor_extent = source.compression == Compression::csr ? source.columns : source.rows;
  slice.total_entries = source.entries;
  slice.first_major = first_major;
  return slice;
}

/// The stored matrix's majors split among the ranks with nearly equal entries: each rank
/// reads an even slice of indptr, places the split points that fall inside it, and the
/// ranks sum what they placed. No rank reads the whole indptr.
std::vector<Index> balanced_major_boundaries(Communicator& comm, hid_t file,
                                             const CompressedSource& source,
                                             std::int64_t major_extent) {
  const IndexRange even = even_block(major_extent, comm.size(), comm.rank());
  const std::vector<std::int64_t> pointers = read_range<std::int64_t>(
      comm, file, source.path, source.group + "/indptr", even.begin, even.size() + 1);
  const std::string name = where(source.path, source.group);
  comm.run_agreed([&] {
    CompressedSlice slice = slice_of(source, major_extent, even.begin);
    slice.indptr = pointers;
    validate_compressed_pointers(slice, name);
  });
  std::vector<std::int64_t> placed = split_points_in_slice(
      pointers, even.begin, major_extent, source.entries, comm.size(), comm.is_root());
  comm.sum_counts(placed.data(), static_cast<Index>(placed.size()));
  return {placed.begin(), placed.end()};
}

MajorSlice read_major_slice(Communicator& comm, hid_t file, const CompressedSource& source,
                            IndexRange majors, std::int64_t major_extent) {
  MajorSlice slice;
  slice.majors = majors;
  slice.indptr = read_range<std::int64_t>(comm, file, source.path, source.group + "/indptr",
                                          majors.begin, majors.size() + 1);
  const std::int64_t first = slice.indptr.front();
  const std::int64_t count = slice.indptr.back() - first;
  slice.indices =
      read_range<std::int64_t>(comm, file, source.path, source.group + "/indices", first, count);
  slice.values = read_range<double>(comm, file, source.path, source.group + "/data", first, count);
  comm.run_agreed([&] {
    CompressedSlice view = slice_of(source, major_extent, majors.begin);
    view.indptr = slice.indptr;
    view.indices = slice.indices;
    view.values = slice.values;
    slice.canonical = validate_compressed(view, where(source.path, source.group));
  });
  return slice;
}

/// The slice as the rows it stores (majors are the rows to factor).
SparseRows rows_from_majors(MajorSlice slice, Index total_rows, Index columns,
                            const std::string& name) {
  CompressedMatrix local;
  local.compression = Compression::csr;
  local.major_extent = slice.majors.size();
  local.minor_extent = columns;
  const std::int64_t first = slice.indptr.front();
  local.indptr.resize(slice.indptr.size());
  std::transform(slice.indptr.begin(), slice.indptr.end(), local.indptr.begin(),
                 [first](std::int64_t pointer) { return pointer - first; });
  local.indices = std::move(slice.indices);
  local.values = std::move(slice.values);
  if (!slice.canonical) {
    canonicalize(local, slice.majors.begin, name);
  }
  return {slice.majors, total_rows, columns, std::move(local)};
}

/// The slice's entries as (row, column) of the matrix to factor, whose rows are the stored
/// minors.
std::vector<Triplet> entries_by_minor(const MajorSlice& slice) {
  std::vector<Triplet> entries;
  entries.reserve(slice.values.size());
  const std::int64_t first = slice.indptr.front();
  for (Index major = 0; major < slice.majors.size(); ++major) {
    for (std::int64_t entry = slice.indptr[static_cast<std::size_t>(major)] - first;
         entry < slice.indptr[static_cast<std::size_t>(major) + 1] - first; ++entry) {
      entries.push_back({slice.indices[static_cast<std::size_t>(entry)], slice.majors.begin + major,
                         slice.values[static_cast<std::size_t>(entry)]});
    }
  }
  return entries;
}

}  // namespace

SparseRows rows_from_triplets(Communicator& comm, const std::vector<Triplet>& entries,
                              Index total_rows, Index columns, const std::string& name) {
  std::vector<std::int64_t> row_pointer(static_cast<std::size_t>(total_rows) + 1, 0);
  comm.run_agreed([&] {
    for (const Triplet& entry : entries) {
      if (entry.row < 0 || entry.row >= total_rows || entry.column < 0 || entry.column >= columns) {
        throw Error(name + ": entry (" + std::to_string(entry.row) + ", " +
                    std::to_string(entry.column) + ") lies outside the " +
                    std::to_string(total_rows) + " × " + std::to_string(columns) + " matrix");
      }
      ++row_pointer[static_cast<std::size_t>(entry.row) + 1];
    }
  });
  comm.sum_counts(row_pointer.data(), static_cast<Index>(row_pointer.size()));
  std::partial_sum(row_pointer.begin(), row_pointer.end(), row_pointer.begin());
  const std::vector<Index> owners = nnz_balanced_boundaries(row_pointer, comm.size());

  std::vector<std::vector<Triplet>> outgoing(static_cast<std::size_t>(comm.size()));
  for (const Triplet& entry : entries) {
    const auto owner =
        std::upper_bound(owners.begin(), owners.end(), entry.row) - owners.begin() - 1;
    outgoing[static_cast<std::size_t>(owner)].push_back(entry);
  }
  std::vector<Triplet> mine = comm.exchange(outgoing);
  const IndexRange rows{owners[static_cast<std::size_t>(comm.rank())],
                        owners[static_cast<std::size_t>(comm.rank()) + 1]};
  for (Triplet& entry : mine) {
    entry.row -= rows.begin;
  }
  SparseRows result{rows, total_rows, columns, {}};
  comm.run_agreed([&] { result.local = triplets_to_csr(rows.size(), columns, mine, name); });
  return result;
}

void inspect_compressed(const Communicator& comm, CompressedSource& source) {
  silence_hdf5_errors();
  comm.run_agreed([&] { check_file_is_there(source.path); });
  comm.run_agreed([&] {
    const Handle file = open_for_reading(comm.handle(), source.path);
    const std::int64_t pointers = length_of(file.get(), source.path, source.group + "/indptr");
    const std::int64_t indices = length_of(file.get(), source.path, source.group + "/indices");
    const std::int64_t values = length_of(file.get(), source.path, source.group + "/data");
    const bool csr = source.compression == Compression::csr;
    validate_compressed_shape(source.compression, csr ? source.rows : source.columns,
                              csr ? source.columns : source.rows, pointers, indices, values,
                              where(source.path, source.group));
    source.entries = values;
  });
}

SparseRows read_compressed_rows(Communicator& comm, const CompressedSource& source,
                                bool transpose) {
  silence_hdf5_errors();
  Handle file;
  comm.run_agreed([&] { file = open_for_reading(comm.handle(), source.path); });
  const bool csr = source.compression == Compression::csr;
  const std::int64_t major_extent = csr ? source.rows : source.columns;
  const Index total_rows = transpose ? source.columns : source.rows;
  const Index columns = transpose ? source.rows : source.columns;
  const std::string name = where(source.path, source.group);

  const std::vector<Index> boundaries =
      balanced_major_boundaries(comm, file.get(), source, major_extent);
  const IndexRange majors{boundaries[static_cast<std::size_t>(comm.rank())],
                          boundaries[static_cast<std::size_t>(comm.rank()) + 1]};
  comm.run_agreed([&] {
    if (fault_planned(FaultPoint::read, comm.rank())) {
      throw Error(name + ": cannot read entries (injected fault)");
    }
  });
  MajorSlice slice = read_major_slice(comm, file.get(), source, majors, major_extent);
  // CSR rows, or CSC columns of a transposed request, are the rows to factor already.
  if (csr != transpose) {
    return rows_from_majors(std::move(slice), total_rows, columns, name);
  }
  return rows_from_triplets(comm, entries_by_minor(slice), total_rows, columns, name);
}

template <typename Scalar>
Eigen::SparseMatrix<Scalar, Eigen::RowMajor, std::int64_t> as_eigen(CompressedMatrix&& rows) {
  using Csr = Eigen::SparseMatrix<Scalar, Eigen::RowMajor, std::int64_t>;
  Csr matrix(rows.major_extent, rows.minor_extent);
  matrix.resizeNonZeros(rows.entries());
  std::copy(rows.indptr.begin(), rows.indptr.end(), matrix.outerIndexPtr());
  std::copy(rows.indices.begin(), rows.indices.end(), matrix.innerIndexPtr());
  std::transform(rows.values.begin(), rows.values.end(), matrix.valuePtr(),
                 [](double value) { return static_cast<Scalar>(value); });
  rows = CompressedMatrix();
  return matrix;
}

template SparseRowMatrix as_eigen(CompressedMatrix&&);
template SparseRowMatrixF as_eigen(CompressedMatrix&&);

}  // namespace mpinmf::io
