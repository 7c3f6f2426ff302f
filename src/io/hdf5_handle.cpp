#include "mpinmf/io/hdf5_handle.hpp"

#include <array>

#include "mpinmf/error.hpp"

namespace mpinmf::io {

void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle mpi_file_access(MPI_Comm comm) {
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!access.valid() || H5Pset_fapl_mpio(access.get(), comm, MPI_INFO_NULL) < 0) {
    throw Error("HDF5: cannot set up MPI-IO file access");
  }
  return access;
}

Handle collective_transfer() {
  Handle transfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  if (!transfer.valid() || H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE) < 0) {
    throw Error("HDF5: cannot set up collective transfers");
  }
  return transfer;
}

Handle open_for_reading(MPI_Comm comm, const std::string& path) {
  const Handle access = mpi_file_access(comm);
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);
  if (!file.valid()) {
    throw Error(path + ": cannot open as an HDF5 file");
  }
  return file;
}

RowSelection select_rows(hid_t dataset, Index first_row, Index row_count, Index columns) {
  RowSelection selection;
  selection.empty = row_count == 0 || columns == 0;
  selection.file_space = Handle(H5Dget_space(dataset), H5Sclose);
  const std::array<hsize_t, 2> offset{static_cast<hsize_t>(first_row), 0};
  const std::array<hsize_t, 2> count{static_cast<hsize_t>(row_count),
                                     static_cast<hsize_t>(columns)};
  const std::array<hsize_t, 2> memory_extent{selection.empty ? 1 : count[0],
                                             selection.empty ? 1 : count[1]};
  selection.memory_space = Handle(H5Screate_simple(2, memory_extent.data(), nullptr), H5Sclose);
  if (!selection.file_space.valid() || !selection.memory_space.valid()) {
    throw Error("HDF5: cannot create the selection for a row block");
  }
  if (selection.empty) {
    H5Sselect_none(selection.file_space.get());
    H5Sselect_none(selection.memory_space.get());
  } else {
    H5Sselect_hyperslab(selection.file_space.get(), H5S_SELECT_SET, offset.data(), nullptr,
                        count.data(), nullptr);
  }
  return selection;
}

bool object_exists(hid_t file, const std::string& path) {
  // H5Lexists fails rather than answering when an intermediate group is missing.
  std::size_t position = 0;
  while (position != std::string::npos) {
    position = path.find('/', position + 1);
    const std::string prefix = path.substr(0, position);
    if (prefix.empty() || prefix == "/") {
      continue;
    }
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) {
      return false;
    }
  }
  return H5Oexists_by_name(file, path.c_str(), H5P_DEFAULT) > 0;
}

}  // namespace mpinmf::io
