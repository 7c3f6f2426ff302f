#pragma once
// Disk space: what a file system has free, and space held back for closing an HDF5 file.
//
// HDF5 writes a file's metadata when it closes it; on a full disk that write fails, and
// HDF5 1.10 then leaves the file half destroyed but still registered: a rank may wait
// forever in the close's collective, and MPI_Finalize, which closes what is still open,
// crashes in it (exit 139). A file of allocated blocks beside the output, given back just
// before the close, leaves the close room for its metadata whatever the writes before it
// found. POSIX only; the caller decides which rank holds one.

#include <cstdint>
#include <optional>
#include <string>

namespace mpinmf::io {

/// Bytes an unprivileged process may still write in `folder`'s file system.
std::optional<std::int64_t> free_disk_bytes(const std::string& folder);

/// " (its file system is full)" when the folder of `output` has less free than a close
/// needs, else nothing: the cause to add to a failed write's message.
std::string full_disk_note(const std::string& output);

/// Room for the metadata HDF5 writes when it closes one of mpinmf's files (object headers,
/// attributes, the root group's heap and B-tree), with a wide margin.
inline constexpr std::int64_t kCloseReserveBytes = std::int64_t{256} << 10;

class SpaceReserve {
 public:
  /// Holds nothing.
  SpaceReserve() = default;
  /// Allocates `bytes` in a new file at `path` (beside the output, so on its file system);
  /// throws Error naming `output` when the file system cannot hold them.
  SpaceReserve(std::string path, std::int64_t bytes, const std::string& output);
  ~SpaceReserve() { release(); }
  SpaceReserve(const SpaceReserve&) = delete;
  SpaceReserve& operator=(const SpaceReserve&) = delete;
  SpaceReserve(SpaceReserve&& other) noexcept;
  SpaceReserve& operator=(SpaceReserve&& other) noexcept;

  /// Gives the space back (removes the file); nothing if it holds none.
  void release() noexcept;

 private:
  std::string path_;
};

}  // namespace mpinmf::io
