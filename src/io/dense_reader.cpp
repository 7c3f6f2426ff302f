#include "io/dense_reader.hpp"

#include <array>
#include <filesystem>
#include <new>
#include <optional>
#include <type_traits>

#include "core/bytes.hpp"
#include "core/fault_injection.hpp"
#include "core/resources.hpp"
#include "io/hdf5_handle.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

DenseShape shape_of(hid_t dataset_id, const std::string& name) {
  const Handle type(H5Dget_type(dataset_id), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  if (type_class != H5T_FLOAT && type_class != H5T_INTEGER) {
    throw Error(name + ": holds no numbers (expected a floating-point or integer type)");
  }
  const Handle space(H5Dget_space(dataset_id), H5Sclose);
  const int dimensions = H5Sget_simple_extent_ndims(space.get());
  if (dimensions != 2) {
    throw Error(name + ": has " + std::to_string(dimensions) +
                " dimensions; V must be a 2-D dataset (rows × columns)");
  }
  std::array<hsize_t, 2> extent{};
  H5Sget_simple_extent_dims(space.get(), extent.data(), nullptr);
  if (extent[0] == 0 || extent[1] == 0) {
    throw Error(name + ": is empty (" + std::to_string(extent[0]) + " × " +
                std::to_string(extent[1]) + ")");
  }
  // Keeps every count and byte offset derived from the shape (m·n·8 included) inside int64.
  constexpr hsize_t kMostEntries = hsize_t{1} << 58;
  if (extent[0] > kMostEntries / extent[1]) {
    throw Error(name + ": " + std::to_string(extent[0]) + " × " + std::to_string(extent[1]) +
                " has more entries than mpinmf can address (2^58)");
  }
  return {static_cast<Index>(extent[0]), static_cast<Index>(extent[1])};
}

}  // namespace

DenseShape inspect_dense(const Communicator& comm, const std::string& path,
                         const std::string& dataset) {
  silence_hdf5_errors();
  comm.run_agreed([&] { check_file_is_there(path); });
  DenseShape shape;
  Handle file;
  comm.run_agreed([&] {
    file = open_for_reading(comm.handle(), path);
    const Handle data = open_dataset(file.get(), path, dataset);
    shape = shape_of(data.get(), where(path, dataset));
  });
  return shape;
}

namespace {

/// The block `rows` × `columns` (all columns when `columns` is empty) of a 2-D dataset.
template <typename Scalar>
DenseRows<Scalar> read_dense_block(const Communicator& comm, const std::string& path,
                                   const std::string& dataset, IndexRange rows,
                                   std::optional<IndexRange> columns) {
  silence_hdf5_errors();
  DenseRows<Scalar> block;
  Handle file;
  Handle data;
  RowSelection selection;
  comm.run_agreed([&] {
    file = open_for_reading(comm.handle(), path);
    data = open_dataset(file.get(), path, dataset);
    const DenseShape shape = shape_of(data.get(), where(path, dataset));
    const IndexRange wanted_columns = columns.value_or(IndexRange{0, shape.columns});
    if (rows.begin < 0 || rows.end > shape.rows || wanted_columns.begin < 0 ||
        wanted_columns.end > shape.columns) {
      throw Error(where(path, dataset) + ": rows or columns requested beyond the dataset's end");
    }
    if (fault_planned(FaultPoint::read, comm.rank())) {
      throw Error(where(path, dataset) + ": cannot read rows " + std::to_string(rows.begin) +
                  " to " + std::to_string(rows.end - 1) + " (injected fault)");
    }
    try {
      if (fault_planned(FaultPoint::alloc, comm.rank())) {
        throw std::bad_alloc();
      }
      block.resize(rows.size(), wanted_columns.size());
      advise_large_pages(block.data(), static_cast<std::size_t>(block.size()) * sizeof(Scalar));
    } catch (const std::bad_alloc&) {
      const double bytes = static_cast<double>(rows.size()) *
                           static_cast<double>(wanted_columns.size()) * sizeof(Scalar);
      throw Error(where(path, dataset) + ": out of memory allocating rows " +
                  std::to_string(rows.begin) + " to " + std::to_string(rows.end - 1) + " (" +
                  format_bytes(bytes) + "); use more ranks or nodes");
    }
    selection = select_block(data.get(), rows, wanted_columns);
  });
  comm.run_agreed([&] {
    const Handle transfer = collective_transfer();
    // HDF5 converts whatever the file holds to Scalar on the way in.
    const hid_t memory_type = std::is_same_v<Scalar, float> ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    if (H5Dread(data.get(), memory_type, selection.memory_space.get(), selection.file_space.get(),
                transfer.get(), selection.buffer(block.data())) < 0) {
      throw Error(where(path, dataset) + ": read failed for rows " + std::to_string(rows.begin) +
                  " to " + std::to_string(rows.end - 1));
    }
  });
  return block;
}

}  // namespace

template <typename Scalar>
DenseRows<Scalar> read_dense_rows(const Communicator& comm, const std::string& path,
                                  const std::string& dataset, IndexRange rows) {
  return read_dense_block<Scalar>(comm, path, dataset, rows, std::nullopt);
}

template <typename Scalar>
DenseRows<Scalar> read_dense_columns(const Communicator& comm, const std::string& path,
                                     const std::string& dataset, IndexRange columns) {
  const DenseShape shape = inspect_dense(comm, path, dataset);
  return read_dense_block<Scalar>(comm, path, dataset, {0, shape.rows}, columns);
}

template DenseRows<double> read_dense_rows(const Communicator&, const std::string&,
                                           const std::string&, IndexRange);
template DenseRows<float> read_dense_rows(const Communicator&, const std::string&,
                                          const std::string&, IndexRange);
template DenseRows<double> read_dense_columns(const Communicator&, const std::string&,
                                              const std::string&, IndexRange);
template DenseRows<float> read_dense_columns(const Communicator&, const std::string&,
                                             const std::string&, IndexRange);

}  // namespace mpinmf::io
