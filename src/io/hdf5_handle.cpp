#include "io/hdf5_handle.hpp"

#include <algorithm>
#include <array>
#include <filesystem>

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
  return select_block(dataset, {first_row, first_row + row_count}, {0, columns});
}

RowSelection select_block(hid_t dataset, IndexRange rows, IndexRange columns) {
  RowSelection selection;
  selection.empty = rows.size() == 0 || columns.size() == 0;
  selection.file_space = Handle(H5Dget_space(dataset), H5Sclose);
  const std::array<hsize_t, 2> offset{static_cast<hsize_t>(rows.begin),
                                      static_cast<hsize_t>(columns.begin)};
  const std::array<hsize_t, 2> count{static_cast<hsize_t>(rows.size()),
                                     static_cast<hsize_t>(columns.size())};
  const std::array<hsize_t, 2> memory_extent{selection.empty ? 1 : count[0],
                                             selection.empty ? 1 : count[1]};
  selection.memory_space = Handle(H5Screate_simple(2, memory_extent.data(), nullptr), H5Sclose);
  if (!selection.file_space.valid() || !selection.memory_space.valid()) {
    throw Error("HDF5: cannot create the selection for a block");
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

RowSelection select_range(hid_t dataset, Index first, Index count) {
  RowSelection selection;
  selection.empty = count == 0;
  selection.file_space = Handle(H5Dget_space(dataset), H5Sclose);
  const auto offset = static_cast<hsize_t>(first);
  const auto extent = static_cast<hsize_t>(count);
  const hsize_t memory_extent = selection.empty ? 1 : extent;
  selection.memory_space = Handle(H5Screate_simple(1, &memory_extent, nullptr), H5Sclose);
  if (!selection.file_space.valid() || !selection.memory_space.valid()) {
    throw Error("HDF5: cannot create the selection for a range");
  }
  if (selection.empty) {
    H5Sselect_none(selection.file_space.get());
    H5Sselect_none(selection.memory_space.get());
  } else {
    H5Sselect_hyperslab(selection.file_space.get(), H5S_SELECT_SET, &offset, nullptr, &extent,
                        nullptr);
  }
  return selection;
}

namespace {

/// The attribute `name` of the object at `object`, or an invalid handle.
Handle open_attribute(hid_t file, const std::string& object, const std::string& name) {
  if (!object_exists(file, object) ||
      H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT) <= 0) {
    return {};
  }
  return {H5Aopen_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
}

/// Fixed-length strings as C strings padded with NULs (or spaces) to `size` bytes each.
std::vector<std::string> split_fixed(const std::vector<char>& bytes, std::size_t size) {
  std::vector<std::string> strings;
  for (std::size_t begin = 0; begin + size <= bytes.size(); begin += size) {
    std::string text(bytes.data() + begin, size);
    text.erase(text.find_last_not_of(std::string("\0 ", 2)) + 1);
    strings.push_back(std::move(text));
  }
  return strings;
}

}  // namespace

std::optional<std::string> read_string_attribute(hid_t file, const std::string& object,
                                                 const std::string& name) {
  const Handle attribute = open_attribute(file, object, name);
  if (!attribute.valid()) {
    return std::nullopt;
  }
  const Handle type(H5Aget_type(attribute.get()), H5Tclose);
  const Handle space(H5Aget_space(attribute.get()), H5Sclose);
  if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_npoints(space.get()) != 1) {
    return std::nullopt;
  }
  if (H5Tis_variable_str(type.get()) > 0) {
    const Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory_type.get(), H5T_VARIABLE);
    H5Tset_cset(memory_type.get(), H5Tget_cset(type.get()));
    char* text = nullptr;
    if (H5Aread(attribute.get(), memory_type.get(), &text) < 0 || text == nullptr) {
      return std::nullopt;
    }
    std::string value(text);
    H5free_memory(text);
    return value;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::vector<char> bytes(size);
  if (H5Aread(attribute.get(), type.get(), bytes.data()) < 0) {
    return std::nullopt;
  }
  return split_fixed(bytes, size).front();
}

std::vector<std::int64_t> read_integer_attribute(hid_t file, const std::string& object,
                                                 const std::string& name) {
  const Handle attribute = open_attribute(file, object, name);
  if (!attribute.valid()) {
    return {};
  }
  const Handle type(H5Aget_type(attribute.get()), H5Tclose);
  const Handle space(H5Aget_space(attribute.get()), H5Sclose);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (H5Tget_class(type.get()) != H5T_INTEGER || count < 1 || count > 64) {
    return {};
  }
  std::vector<std::int64_t> values(static_cast<std::size_t>(count));
  if (H5Aread(attribute.get(), H5T_NATIVE_INT64, values.data()) < 0) {
    return {};
  }
  return values;
}

std::vector<std::string> read_strings(hid_t file, const std::string& path,
                                      const std::string& dataset) {
  const Handle data = open_dataset(file, path, dataset);
  const Handle type(H5Dget_type(data.get()), H5Tclose);
  const Handle space(H5Dget_space(data.get()), H5Sclose);
  if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_ndims(space.get()) != 1) {
    throw Error(where(path, dataset) + ": expected a 1-D dataset of strings (names)");
  }
  const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  if (H5Tis_variable_str(type.get()) > 0) {
    const Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory_type.get(), H5T_VARIABLE);
    H5Tset_cset(memory_type.get(), H5Tget_cset(type.get()));
    std::vector<char*> pointers(count, nullptr);
    if (H5Dread(data.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) <
        0) {
      throw Error(where(path, dataset) + ": cannot read the names");
    }
    std::vector<std::string> strings(count);
    std::transform(pointers.begin(), pointers.end(), strings.begin(),
                   [](const char* pointer) { return pointer == nullptr ? "" : pointer; });
    H5Dvlen_reclaim(memory_type.get(), space.get(), H5P_DEFAULT, pointers.data());
    return strings;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::vector<char> bytes(count * size);
  if (H5Dread(data.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) {
    throw Error(where(path, dataset) + ": cannot read the names");
  }
  return split_fixed(bytes, size);
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
