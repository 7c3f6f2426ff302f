#pragma once
// Owning handles for HDF5 identifiers and the file-access settings every reader and
// writer shares (MPI-IO, collective transfers).

#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/partition.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf::io {

/// Closes an HDF5 identifier with the matching H5?close when it goes out of scope.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }

  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }
  /// Closes now and reports whether closing succeeded (a file's data reaches disk here).
  bool close() {
    const herr_t status = (id_ >= 0 && closer_ != nullptr) ? closer_(id_) : 0;
    id_ = H5I_INVALID_HID;
    return status >= 0;
  }

 private:
  void reset() {
    if (id_ >= 0 && closer_ != nullptr) {
      closer_(id_);
    }
    id_ = H5I_INVALID_HID;
  }
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// Turns off HDF5's own error-stack printing: mpinmf reports failures itself, once.
void silence_hdf5_errors();

/// A file-access property list for MPI-IO on `comm`.
Handle mpi_file_access(MPI_Comm comm);

/// A transfer property list for collective MPI-IO.
Handle collective_transfer();

/// Opens `path` read-only on every rank of `comm` (a collective call); throws Error
/// naming the file when it cannot be opened.
Handle open_for_reading(MPI_Comm comm, const std::string& path);

/// The file and memory selections that move `row_count` rows of `columns` values, starting
/// at `first_row` of a 2-D dataset, to or from a row-major buffer. A rank with no rows
/// selects nothing but must still take part in the collective transfer.
struct RowSelection {
  Handle file_space;
  Handle memory_space;
  bool empty = false;
  /// `data`, or a placeholder HDF5 accepts when nothing is selected.
  template <typename T>
  T* buffer(T* data) {
    // HDF5 never touches the placeholder: nothing is selected.
    return empty ? reinterpret_cast<T*>(&placeholder_) : data;
  }

 private:
  double placeholder_ = 0.0;
};
RowSelection select_rows(hid_t dataset, Index first_row, Index row_count, Index columns);

/// The same for the block `rows` × `columns` of a 2-D dataset.
RowSelection select_block(hid_t dataset, IndexRange rows, IndexRange columns);

/// The same for `count` entries from `first` of a 1-D dataset.
RowSelection select_range(hid_t dataset, Index first, Index count);

/// "file:dataset", as messages name a dataset.
std::string where(const std::string& path, const std::string& dataset);

/// Checks, on this rank alone, what can be checked without a collective open: the file
/// exists, is a regular file and is HDF5.
void check_file_is_there(const std::string& path);

/// Opens `dataset` in `file`, or throws Error saying what is there instead.
Handle open_dataset(hid_t file, const std::string& path, const std::string& dataset);

/// A string attribute of the object at `object` (variable or fixed length), if present.
std::optional<std::string> read_string_attribute(hid_t file, const std::string& object,
                                                 const std::string& name);

/// An integer (or integer array) attribute of the object at `object`; empty if absent or
/// not integers.
std::vector<std::int64_t> read_integer_attribute(hid_t file, const std::string& object,
                                                 const std::string& name);

/// A 1-D dataset of strings (variable or fixed length, as AnnData and 10x write them),
/// read by this rank alone. Throws Error naming the dataset.
std::vector<std::string> read_strings(hid_t file, const std::string& path,
                                      const std::string& dataset);

/// Whether an object exists at `path` in `file` (every intermediate group checked).
bool object_exists(hid_t file, const std::string& path);

}  // namespace mpinmf::io
