#include "io/output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <type_traits>

#include "core/fault_injection.hpp"
#include "io/disk_space.hpp"
#include "io/file_identity.hpp"
#include "io/hdf5_handle.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

namespace fs = std::filesystem;

/// PATH.partial.HOST-PID of rank 0: a name no other run uses, so that two runs writing one
/// output never write into one temporary file.
std::string temporary_name(const Communicator& comm, const std::string& path) {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) {
    host[0] = '\0';
  }
  return comm.broadcast(path + ".partial." + host.data() + "-" + std::to_string(getpid()));
}

void fail_if(bool failed, const std::string& message) {
  if (failed) {
    throw Error(message);
  }
}

/// Link creation that makes the missing groups of a path (/a/b/V creates /a and /a/b).
Handle with_intermediate_groups() {
  Handle links(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  fail_if(!links.valid() || H5Pset_create_intermediate_group(links.get(), 1) < 0,
          "HDF5: cannot set up link creation");
  return links;
}

/// Creates a dataset of `extent` (1-D or 2-D). Agreed: a rank that fails alone must not
/// leave the others waiting in the next collective.
Handle create_dataset(const Communicator& comm, hid_t file, const std::string& name, hid_t type,
                      const std::vector<hsize_t>& extent, const std::string& path) {
  Handle dataset;
  comm.run_agreed([&] {
    const Handle file_space(
        H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr), H5Sclose);
    const Handle links = with_intermediate_groups();
    dataset = Handle(H5Dcreate2(file, name.c_str(), type, file_space.get(), links.get(),
                                H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose);
    fail_if(!dataset.valid(), path + ": cannot create dataset " + name + full_disk_note(path));
  });
  return dataset;
}

/// Writes `data` into `selection` of `dataset`, collectively. Agreed; `failure` is the
/// message when this rank's part fails, with the cause added when `path`'s disk is full.
template <typename T>
void write_selection(const Communicator& comm, hid_t dataset, hid_t memory_type,
                     RowSelection& selection, const T* data, const std::string& failure,
                     const std::string& path) {
  comm.run_agreed([&] {
    const Handle transfer = collective_transfer();
    const bool failed =
        H5Dwrite(dataset, memory_type, selection.memory_space.get(), selection.file_space.get(),
                 transfer.get(), selection.buffer(data)) < 0;
    fail_if(failed, failure + full_disk_note(path));
    fail_if(fault_planned(FaultPoint::write, comm.rank()), failure);
  });
}

template <typename T>
void write_range_of(const Communicator& comm, hid_t file, const std::string& name,
                    std::span<const T> values, Index first, Index total, const std::string& path) {
  constexpr bool kDouble = std::is_same_v<T, double>;
  const Handle dataset = create_dataset(comm, file, name, kDouble ? H5T_IEEE_F64LE : H5T_STD_I64LE,
                                        {static_cast<hsize_t>(total)}, path);
  const auto count = static_cast<Index>(values.size());
  RowSelection selection;
  comm.run_agreed([&] { selection = select_range(dataset.get(), first, count); });
  write_selection(comm, dataset.get(), kDouble ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, selection,
                  values.data(),
                  path + ": cannot write dataset " + name + " (entries " + std::to_string(first) +
                      " to " + std::to_string(first + count - 1) + ")",
                  path);
}

/// Opens the object (group or dataset) at `object`.
Handle open_object(hid_t file, const std::string& object, const std::string& path) {
  Handle handle(H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose);
  fail_if(!handle.valid(), path + ": cannot open " + object + " to write its attributes");
  return handle;
}

void write_attribute(hid_t object, const Attribute& attribute, const std::string& path) {
  const Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
  bool failed = false;
  if (const auto* text = std::get_if<std::string>(&attribute.value)) {
    // Variable-length UTF-8: h5py returns str, rhdf5 and HDF5.jl a character string.
    const Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    const Handle handle(H5Acreate2(object, attribute.name.c_str(), type.get(), scalar.get(),
                                   H5P_DEFAULT, H5P_DEFAULT),
                        H5Aclose);
    const char* pointer = text->c_str();
    failed = !handle.valid() || H5Awrite(handle.get(), type.get(), &pointer) < 0;
  } else if (const auto* integer = std::get_if<std::int64_t>(&attribute.value)) {
    const Handle handle(H5Acreate2(object, attribute.name.c_str(), H5T_STD_I64LE, scalar.get(),
                                   H5P_DEFAULT, H5P_DEFAULT),
                        H5Aclose);
    failed = !handle.valid() || H5Awrite(handle.get(), H5T_NATIVE_INT64, integer) < 0;
  } else {
    const double number = std::get<double>(attribute.value);
    const Handle handle(H5Acreate2(object, attribute.name.c_str(), H5T_IEEE_F64LE, scalar.get(),
                                   H5P_DEFAULT, H5P_DEFAULT),
                        H5Aclose);
    failed = !handle.valid() || H5Awrite(handle.get(), H5T_NATIVE_DOUBLE, &number) < 0;
  }
  fail_if(failed, path + ": cannot write attribute " + attribute.name);
}

/// Writes a 1-D dataset of variable-length UTF-8 strings (h5py gives str, R and Julia
/// character vectors).
void write_strings(hid_t file, const std::string& name, const std::vector<std::string>& strings,
                   const std::string& path) {
  const auto count = static_cast<hsize_t>(strings.size());
  const Handle space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  const Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<const char*> pointers(strings.size());
  std::ranges::transform(strings, pointers.begin(),
                         [](const std::string& text) { return text.c_str(); });
  const Handle dataset(H5Dcreate2(file, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
  fail_if(!dataset.valid() || H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                       pointers.data()) < 0,
          path + ": cannot write " + name);
}

/// The bytes HDF5 writes for `labels` as variable-length strings: each name, its heap
/// object's header and its 16-byte reference in the dataset, rounded up generously.
std::int64_t label_bytes(const Labels& labels) {
  const auto bytes = [](std::int64_t sum, const std::string& name) {
    return sum + static_cast<std::int64_t>(name.size()) + 64;
  };
  return std::accumulate(
      labels.columns.begin(), labels.columns.end(),
      std::accumulate(labels.rows.begin(), labels.rows.end(), std::int64_t{0}, bytes), bytes);
}

/// Row and column names go in by rank 0 alone, the collective file closed: parallel HDF5
/// cannot write variable-length strings collectively. The names are held in HDF5's cache
/// until the close, so the reserve covers them too.
void write_labels(const std::string& temporary, const std::string& path, const Labels& labels) {
  if (labels.rows.empty() && labels.columns.empty()) {
    return;
  }
  Handle file;
  // Declared after the file, so given back before the file closes, on every path.
  const SpaceReserve reserve(temporary + ".reserve", kCloseReserveBytes + label_bytes(labels),
                             path);
  file = Handle(H5Fopen(temporary.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  fail_if(!file.valid(), temporary + ": cannot reopen to write the names");
  if (!labels.rows.empty()) {
    write_strings(file.get(), "/row_names", labels.rows, path);
  }
  if (!labels.columns.empty()) {
    write_strings(file.get(), "/col_names", labels.columns, path);
  }
}

/// Closes the collective `file` after rank 0 gave back `reserve`, so that the metadata the
/// close writes finds room; the barrier keeps every rank's close after the release.
bool close_with_room(Communicator& comm, Handle& file, SpaceReserve& reserve) {
  reserve.release();
  comm.barrier();
  return file.close();
}

}  // namespace

void check_output_path(Communicator& comm, const std::string& path, bool overwrite,
                       const std::string& if_exists) {
  comm.run_agreed([&] {
    if (!comm.is_root()) {
      return;
    }
    std::error_code error;
    if (fs::is_directory(path, error)) {
      throw Error(path + ": is a directory; name a file to write");
    }
    if (fs::exists(path, error) && !overwrite) {
      throw Error(path + ": " + if_exists);
    }
    declare_output(path, overwrite);
    const fs::path folder = fs::absolute(path, error).parent_path();
    if (!fs::is_directory(folder, error)) {
      throw Error(path + ": output folder " + folder.string() + " does not exist");
    }
    if (access(folder.c_str(), W_OK) != 0) {
      throw Error(path + ": output folder " + folder.string() + " is not writable");
    }
  });
}

namespace {

/// Rank 0's last step: the companion into place, then the output. A companion that cannot
/// be renamed leaves both as they were; an output that cannot be renamed takes back the
/// companion just put in place.
void rename_both_into_place(const std::string& temporary, const std::string& path,
                            const OutputFinish& finish) {
  if (finish.companion_temporary.empty()) {
    rename_into_place(temporary, path);
    return;
  }
  rename_into_place(finish.companion_temporary, finish.companion_path);
  try {
    rename_into_place(temporary, path);
  } catch (const Error&) {
    std::error_code ignored;
    fs::remove(finish.companion_path, ignored);
    throw;
  }
}

}  // namespace

void write_output_file(Communicator& comm, const std::string& path,
                       const std::function<void(hid_t file)>& contents,
                       const OutputFinish& finish) {
  silence_hdf5_errors();
  const std::string temporary = temporary_name(comm, path);
  Handle file;
  SpaceReserve reserve;  // rank 0's
  // Every rank leaves through here alike (the error, or the stop, was agreed), so the
  // collective close can run.
  const auto abandon = [&] {
    if (file.valid()) {
      close_with_room(comm, file, reserve);
    }
    reserve.release();
    if (comm.is_root()) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      if (!finish.companion_temporary.empty()) {
        fs::remove(finish.companion_temporary, ignored);
      }
    }
  };
  try {
    comm.run_agreed([&] {
      if (comm.is_root()) {
        reserve = SpaceReserve(temporary + ".reserve", kCloseReserveBytes, path);
      }
    });
    comm.run_agreed([&] {
      const Handle access_list = mpi_file_access(comm.handle());
      file = Handle(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access_list.get()),
                    H5Fclose);
      fail_if(!file.valid(), temporary + ": cannot create the output file");
    });
    signal_if_planned(FaultPoint::signal, comm.rank());
    contents(file.get());
    if (finish.stop_check) {
      finish.stop_check();
    }
    const bool closed = close_with_room(comm, file, reserve);
    comm.run_agreed([&] { fail_if(!closed, path + ": closing the output file failed"); });
    comm.run_agreed([&] {
      if (comm.is_root()) {
        write_labels(temporary, path, finish.labels);
      }
    });
    comm.run_agreed([&] {
      if (comm.is_root()) {
        rename_both_into_place(temporary, path, finish);
      }
    });
  } catch (const AgreedError&) {
    abandon();
    throw;
  } catch (const Interrupted&) {
    abandon();
    throw;
  }
}

void rename_into_place(const std::string& temporary, const std::string& path) {
  const bool replace = may_replace(path);
  int status = renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, path.c_str(),
                         replace ? 0U : RENAME_NOREPLACE);
  if (status != 0 && !replace && (errno == EINVAL || errno == ENOSYS)) {
    // A file system without RENAME_NOREPLACE: link() refuses an existing name as well.
    status = link(temporary.c_str(), path.c_str());
    if (status == 0) {
      unlink(temporary.c_str());
    }
  }
  if (status == 0) {
    note_written(path);
    return;
  }
  const int error = errno;
  fail_if(error == EEXIST,
          path +
              ": appeared while this run was writing it (another run?); pass --overwrite to "
              "replace it");
  fail_if(true, path + ": cannot rename the finished output into place: " + std::strerror(error));
}

void write_text_output(const std::string& path, const std::string& text, const std::string& what) {
  const std::string temporary = path + ".partial";
  std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  const int error = errno;
  std::error_code ignored;
  if (!file) {
    fs::remove(temporary, ignored);
    throw Error(path + ": could not write the " + what + " (" + std::strerror(error) + ")");
  }
  try {
    rename_into_place(temporary, path);
  } catch (const Error&) {
    fs::remove(temporary, ignored);
    throw;
  }
}

void write_rows(const Communicator& comm, hid_t file, const std::string& name,
                const RowMatrix& block, Index first_row, Index total_rows, Index columns,
                const std::string& path) {
  const Handle dataset =
      create_dataset(comm, file, name, H5T_IEEE_F64LE,
                     {static_cast<hsize_t>(total_rows), static_cast<hsize_t>(columns)}, path);
  RowSelection selection;
  comm.run_agreed(
      [&] { selection = select_rows(dataset.get(), first_row, block.rows(), block.cols()); });
  write_selection(comm, dataset.get(), H5T_NATIVE_DOUBLE, selection, block.data(),
                  path + ": cannot write dataset " + name + " (rows " + std::to_string(first_row) +
                      " to " + std::to_string(first_row + block.rows() - 1) + ")",
                  path);
}

void write_range(const Communicator& comm, hid_t file, const std::string& name,
                 std::span<const double> values, Index first, Index total,
                 const std::string& path) {
  write_range_of(comm, file, name, values, first, total, path);
}

void write_range(const Communicator& comm, hid_t file, const std::string& name,
                 std::span<const std::int64_t> values, Index first, Index total,
                 const std::string& path) {
  write_range_of(comm, file, name, values, first, total, path);
}

void create_group(const Communicator& comm, hid_t file, const std::string& name,
                  const std::string& path) {
  comm.run_agreed([&] {
    const Handle links = with_intermediate_groups();
    const Handle group(H5Gcreate2(file, name.c_str(), links.get(), H5P_DEFAULT, H5P_DEFAULT),
                       H5Gclose);
    fail_if(!group.valid(), path + ": cannot create group " + name);
  });
}

void write_attributes(const Communicator& comm, hid_t file, const std::string& object,
                      const std::vector<Attribute>& attributes, const std::string& path) {
  comm.run_agreed([&] {
    const Handle handle = open_object(file, object, path);
    for (const Attribute& attribute : attributes) {
      write_attribute(handle.get(), attribute, path);
    }
  });
}

void write_integers_attribute(const Communicator& comm, hid_t file, const std::string& object,
                              const std::string& name, const std::vector<std::int64_t>& values,
                              const std::string& path) {
  comm.run_agreed([&] {
    const Handle handle = open_object(file, object, path);
    const auto count = static_cast<hsize_t>(values.size());
    const Handle space(H5Screate_simple(1, &count, nullptr), H5Sclose);
    const Handle attribute(H5Acreate2(handle.get(), name.c_str(), H5T_STD_I64LE, space.get(),
                                      H5P_DEFAULT, H5P_DEFAULT),
                           H5Aclose);
    fail_if(!attribute.valid() || H5Awrite(attribute.get(), H5T_NATIVE_INT64, values.data()) < 0,
            path + ": cannot write attribute " + name);
  });
}

}  // namespace mpinmf::io
