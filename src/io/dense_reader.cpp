#include "mpinmf/io/dense_reader.hpp"

#include <array>
#include <filesystem>
#include <iomanip>
#include <new>
#include <sstream>

#include "mpinmf/error.hpp"
#include "mpinmf/fault_injection.hpp"
#include "mpinmf/io/hdf5_handle.hpp"

namespace mpinmf::io {
namespace {

std::string where(const std::string& path, const std::string& dataset) {
  return path + ":" + dataset;
}

/// Checks, on this rank alone, what can be checked without a collective open.
void check_file_is_there(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    throw Error(path + ": no such file");
  }
  if (!std::filesystem::is_regular_file(path, error)) {
    throw Error(path + ": not a regular file");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw Error(path + ": not an HDF5 file (or not readable)");
  }
}

Handle open_dataset(hid_t file, const std::string& path, const std::string& dataset) {
  if (!object_exists(file, dataset)) {
    throw Error(where(path, dataset) + ": no such dataset in the file");
  }
  H5O_info_t info{};
  if (H5Oget_info_by_name2(file, dataset.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0 ||
      info.type != H5O_TYPE_DATASET) {
    throw Error(where(path, dataset) + ": is not a dataset (a group?)");
  }
  Handle handle(H5Dopen2(file, dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!handle.valid()) {
    throw Error(where(path, dataset) + ": cannot open the dataset");
  }
  return handle;
}

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

RowMatrix read_dense_rows(const Communicator& comm, const std::string& path,
                          const std::string& dataset, IndexRange rows) {
  silence_hdf5_errors();
  RowMatrix block;
  Handle file;
  Handle data;
  RowSelection selection;
  comm.run_agreed([&] {
    file = open_for_reading(comm.handle(), path);
    data = open_dataset(file.get(), path, dataset);
    const DenseShape shape = shape_of(data.get(), where(path, dataset));
    if (rows.begin < 0 || rows.end > shape.rows) {
      throw Error(where(path, dataset) + ": rows requested beyond the dataset's end");
    }
    if (fault_planned(FaultPoint::read, comm.rank())) {
      throw Error(where(path, dataset) + ": cannot read rows " + std::to_string(rows.begin) +
                  " to " + std::to_string(rows.end - 1) + " (injected fault)");
    }
    try {
      if (fault_planned(FaultPoint::alloc, comm.rank())) {
        throw std::bad_alloc();
      }
      block.resize(rows.size(), shape.columns);
    } catch (const std::bad_alloc&) {
      std::ostringstream message;
      message << where(path, dataset) << ": out of memory allocating rows " << rows.begin << " to "
              << rows.end - 1 << " (" << std::setprecision(3)
              << static_cast<double>(rows.size()) * static_cast<double>(shape.columns) *
                     sizeof(double) / (1024.0 * 1024.0 * 1024.0)
              << " GiB); use more ranks or nodes";
      throw Error(message.str());
    }
    selection = select_rows(data.get(), rows.begin, rows.size(), shape.columns);
  });
  comm.run_agreed([&] {
    const Handle transfer = collective_transfer();
    // HDF5 converts integer and single-precision data to double on the way in.
    if (H5Dread(data.get(), H5T_NATIVE_DOUBLE, selection.memory_space.get(),
                selection.file_space.get(), transfer.get(), selection.buffer(block.data())) < 0) {
      throw Error(where(path, dataset) + ": read failed for rows " + std::to_string(rows.begin) +
                  " to " + std::to_string(rows.end - 1));
    }
  });
  return block;
}

}  // namespace mpinmf::io
