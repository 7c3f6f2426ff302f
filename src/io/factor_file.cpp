#include "mpinmf/io/factor_file.hpp"

#include <unistd.h>

#include <array>
#include <filesystem>

#include "mpinmf/error.hpp"
#include "mpinmf/fault_injection.hpp"
#include "mpinmf/io/dense_reader.hpp"
#include "mpinmf/io/hdf5_handle.hpp"

namespace mpinmf::io {
namespace {

namespace fs = std::filesystem;

std::string temporary_name(const std::string& path) { return path + ".partial"; }

void fail_if(bool failed, const std::string& message) {
  if (failed) {
    throw Error(message);
  }
}

/// Creates a 2-D float64 dataset and writes `block`'s rows at `first_row`, collectively;
/// ranks with nothing to write select nothing. Creating and writing are agreed one at a
/// time: a rank that fails alone must not leave the others waiting in the next collective.
void write_rows(const Communicator& comm, hid_t file, const std::string& name,
                const RowMatrix& block, Index first_row, Index total_rows, Index columns,
                const std::string& path) {
  const std::array<hsize_t, 2> extent{static_cast<hsize_t>(total_rows),
                                      static_cast<hsize_t>(columns)};
  Handle dataset;
  comm.run_agreed([&] {
    const Handle file_space(H5Screate_simple(2, extent.data(), nullptr), H5Sclose);
    dataset = Handle(H5Dcreate2(file, name.c_str(), H5T_IEEE_F64LE, file_space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose);
    fail_if(!dataset.valid(), path + ": cannot create dataset " + name);
  });
  comm.run_agreed([&] {
    RowSelection selection = select_rows(dataset.get(), first_row, block.rows(), block.cols());
    const Handle transfer = collective_transfer();
    const bool failed =
        H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, selection.memory_space.get(),
                 selection.file_space.get(), transfer.get(), selection.buffer(block.data())) < 0;
    fail_if(failed || fault_planned(FaultPoint::write, comm.rank()),
            path + ": cannot write dataset " + name + " (rows " + std::to_string(first_row) +
                " to " + std::to_string(first_row + block.rows() - 1) + ")");
  });
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

RowMatrix history_table(const std::vector<HistoryEntry>& history) {
  RowMatrix table(static_cast<Index>(history.size()), 5);
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto row = static_cast<Index>(i);
    table(row, 0) = history[i].iteration;
    table(row, 1) = history[i].seconds;
    table(row, 2) = history[i].relative_error;
    table(row, 3) = history[i].objective;
    table(row, 4) = history[i].projected_gradient;
  }
  return table;
}

void write_contents(hid_t file, const Communicator& comm, const std::string& path,
                    const Factors& factors, IndexRange rows, Index total_rows,
                    const std::vector<HistoryEntry>& history,
                    const std::vector<Attribute>& attributes) {
  // A factor with no columns, or an empty history, is left out (projections write one
  // factor only). Both are the same on every rank, so every rank skips alike.
  if (factors.W.cols() > 0) {
    write_rows(comm, file, "/W", factors.W, rows.begin, total_rows, factors.W.cols(), path);
  }
  // H and the history are small and the same on every rank: rank 0 writes them.
  const RowMatrix empty;
  if (factors.H.cols() > 0) {
    const RowMatrix h_rows = factors.H;
    write_rows(comm, file, "/H", comm.is_root() ? h_rows : empty, 0, factors.H.rows(),
               factors.H.cols(), path);
  }
  if (!history.empty()) {
    const RowMatrix table = history_table(history);
    write_rows(comm, file, "/history", comm.is_root() ? table : empty, 0, table.rows(),
               table.cols(), path);
  }
  comm.run_agreed([&] {
    if (!history.empty()) {
      const Handle history_dataset(H5Dopen2(file, "/history", H5P_DEFAULT), H5Dclose);
      write_attribute(history_dataset.get(), {"columns", std::string(kHistoryColumns)}, path);
    }
    const Handle root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose);
    for (const Attribute& attribute : attributes) {
      write_attribute(root.get(), attribute, path);
    }
  });
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
  std::vector<const char*> pointers;
  pointers.reserve(strings.size());
  for (const std::string& text : strings) {
    pointers.push_back(text.c_str());
  }
  const Handle dataset(H5Dcreate2(file, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
  fail_if(!dataset.valid() || H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                       pointers.data()) < 0,
          path + ": cannot write " + name);
}

/// Row and column names go in by rank 0 alone, the collective file closed: parallel HDF5
/// cannot write variable-length strings collectively.
void write_labels(const std::string& temporary, const std::string& path, const Labels& labels) {
  if (labels.rows.empty() && labels.columns.empty()) {
    return;
  }
  const Handle file(H5Fopen(temporary.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  fail_if(!file.valid(), temporary + ": cannot reopen to write the names");
  if (!labels.rows.empty()) {
    write_strings(file.get(), "/row_names", labels.rows, path);
  }
  if (!labels.columns.empty()) {
    write_strings(file.get(), "/col_names", labels.columns, path);
  }
}

}  // namespace

void check_output_path(Communicator& comm, const std::string& path, bool overwrite,
                       const std::string& if_exists) {
  comm.run_agreed([&] {
    if (!comm.is_root()) {
      return;
    }
    std::error_code error;
    if (fs::exists(path, error) && !overwrite) {
      throw Error(path + ": " + if_exists);
    }
    const fs::path folder = fs::absolute(path, error).parent_path();
    if (!fs::is_directory(folder, error)) {
      throw Error(path + ": output folder " + folder.string() + " does not exist");
    }
    if (access(folder.c_str(), W_OK) != 0) {
      throw Error(path + ": output folder " + folder.string() + " is not writable");
    }
  });
}

void write_factor_file(Communicator& comm, const std::string& path, const Factors& factors,
                       IndexRange rows, Index total_rows, const std::vector<HistoryEntry>& history,
                       const std::vector<Attribute>& attributes, const Labels& labels) {
  silence_hdf5_errors();
  const std::string temporary = temporary_name(path);
  try {
    Handle file;
    comm.run_agreed([&] {
      const Handle access_list = mpi_file_access(comm.handle());
      file = Handle(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access_list.get()),
                    H5Fclose);
      fail_if(!file.valid(), temporary + ": cannot create the output file");
    });
    write_contents(file.get(), comm, path, factors, rows, total_rows, history, attributes);
    // Tests kill a rank here, its data written but the file not yet closed, to show that a
    // crash mid-write leaves the file that was in place before (the previous checkpoint).
    kill_if_planned(FaultPoint::checkpoint_crash, comm.rank(),
                    history.empty() ? -1 : history.back().iteration);
    comm.run_agreed([&] { fail_if(!file.close(), path + ": closing the output file failed"); });
    comm.run_agreed([&] {
      if (comm.is_root()) {
        write_labels(temporary, path, labels);
      }
    });
    comm.run_agreed([&] {
      if (comm.is_root()) {
        std::error_code error;
        fs::rename(temporary, path, error);
        fail_if(static_cast<bool>(error),
                path + ": cannot rename the finished output into place: " + error.message());
      }
    });
  } catch (const AgreedError&) {
    if (comm.is_root()) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
    }
    throw;
  }
}

Factors read_factor_file(const Communicator& comm, const std::string& path, IndexRange rows,
                         Index total_rows, Index columns, Index rank) {
  const DenseShape w_shape = inspect_dense(comm, path, "/W");
  const DenseShape h_shape = inspect_dense(comm, path, "/H");
  comm.run_agreed([&] {
    if (w_shape.rows != total_rows || w_shape.columns != rank) {
      throw Error(path + ":/W is " + std::to_string(w_shape.rows) + " × " +
                  std::to_string(w_shape.columns) + " but this run needs " +
                  std::to_string(total_rows) + " × " + std::to_string(rank));
    }
    if (h_shape.rows != rank || h_shape.columns != columns) {
      throw Error(path + ":/H is " + std::to_string(h_shape.rows) + " × " +
                  std::to_string(h_shape.columns) + " but this run needs " + std::to_string(rank) +
                  " × " + std::to_string(columns));
    }
  });
  Factors factors;
  factors.W = read_dense_rows(comm, path, "/W", rows);
  factors.H = read_dense_rows(comm, path, "/H", {0, rank});
  return factors;
}

}  // namespace mpinmf::io
