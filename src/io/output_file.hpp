#pragma once
// Writing an HDF5 file together: every rank writes its own part (its rows of a matrix, its
// slice of a 1-D array) collectively, each step's errors are agreed so that no rank waits
// in a collective another has left, and the file is written as PATH.partial and renamed
// once complete, so that it appears whole or not at all. The result file, checkpoints and
// `mpinmf convert` all write through here.

#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "mpinmf/result.hpp"
#include "mpinmf/types.hpp"
#include "parallel/comm.hpp"

namespace mpinmf::io {

using AttributeValue = std::variant<std::string, std::int64_t, double>;
struct Attribute {
  std::string name;
  AttributeValue value;
};

/// Names of a matrix's rows and columns, written as /row_names and /col_names when known.
/// Only rank 0's are used.
using Labels = Names;

/// Refuses, on every rank, an output that is a directory, exists (unless `overwrite`; the
/// message then says `if_exists`) or whose folder is missing, and declares it an output
/// (declare_output). Called before any work, so a long run
/// cannot end in an unwritable file.
void check_output_path(Communicator& comm, const std::string& path, bool overwrite,
                       const std::string& if_exists =
                           "output exists; pass --overwrite to "
                           "replace it");

/// Renames the finished `temporary` to `path`; an existing `path` is replaced only where
/// may_replace (io/file_identity.hpp) allows, atomically (RENAME_NOREPLACE), so that of two
/// runs writing one output without --overwrite the second fails rather than replaces the
/// first's. Throws Error. Rank 0 alone.
void rename_into_place(const std::string& temporary, const std::string& path);

/// Writes `text` to PATH.partial and renames it to `path` (rename_into_place), so that a
/// failed write (a full disk) leaves no file and what was at `path` before; throws Error
/// naming `what` the file is. Local to the calling rank.
void write_text_output(const std::string& path, const std::string& text, const std::string& what);

/// What finishes an output besides its contents.
struct OutputFinish {
  Labels labels{};
  /// Called on every rank once the contents are written, the file still open: a command
  /// that gives its output up on a stop signal throws Interrupted from it on every rank
  /// alike (commands/preamble: stop_if_signalled), and the partial file is removed.
  std::function<void()> stop_check{};
  /// A text file rank 0 wrote beside the output (the survey's table) at
  /// `companion_temporary`: renamed to `companion_path` just before the output is, so that
  /// a failed rename of either leaves the files that were there before; removed on failure.
  std::string companion_temporary{};
  std::string companion_path{};
};

/// Creates PATH.partial.HOST-PID (rank 0's host and process id: a name unique to the run) on
/// every rank (MPI-IO), lets `contents` fill it (every rank calls it with the open file and
/// must make the same collective calls), runs `finish.stop_check`, closes it, adds the
/// labels (rank 0 alone: parallel HDF5 cannot write variable-length strings collectively)
/// and renames it (and the companion) into place. Collective; any failure is agreed,
/// removes the partial files and leaves what was at `path` before. Rank 0 holds back room
/// for HDF5's close meanwhile (io/disk_space.hpp), so that a full disk ends in an error,
/// not in a crash.
void write_output_file(Communicator& comm, const std::string& path,
                       const std::function<void(hid_t file)>& contents,
                       const OutputFinish& finish = {});

/// Creates a 2-D float64 dataset `name` (total_rows × columns, missing groups created) and
/// writes `block`'s rows at `first_row`, collectively; ranks with nothing to write select
/// nothing. `path` names the file in messages.
void write_rows(const Communicator& comm, hid_t file, const std::string& name,
                const RowMatrix& block, Index first_row, Index total_rows, Index columns,
                const std::string& path);

/// Creates a 1-D dataset `name` of `total` entries (float64 or int64) and writes `values`
/// at `first`, collectively.
void write_range(const Communicator& comm, hid_t file, const std::string& name,
                 std::span<const double> values, Index first, Index total, const std::string& path);
void write_range(const Communicator& comm, hid_t file, const std::string& name,
                 std::span<const std::int64_t> values, Index first, Index total,
                 const std::string& path);

/// Creates a group (and missing groups above it). Agreed.
void create_group(const Communicator& comm, hid_t file, const std::string& name,
                  const std::string& path);

/// Scalar attributes, and one int64 array attribute, of the object at `object` (the same
/// values on every rank). Agreed.
void write_attributes(const Communicator& comm, hid_t file, const std::string& object,
                      const std::vector<Attribute>& attributes, const std::string& path);
void write_integers_attribute(const Communicator& comm, hid_t file, const std::string& object,
                              const std::string& name, const std::vector<std::int64_t>& values,
                              const std::string& path);

}  // namespace mpinmf::io
