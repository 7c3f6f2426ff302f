#pragma once
// Files compared by what they are, not by how they are spelled: `in.h5`, `./in.h5`, an
// absolute path, a symbolic link or a hard link to it are one file, and a command must not
// write any file it reads, nor two of its outputs to one file. Rank 0's view decides (the
// checks run before any work, inside an agreed step).

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace mpinmf::io {

/// A file as the file system knows it: its device and inode once links are resolved, or,
/// for a file not yet there, its folder's device and inode and its name in that folder.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  std::string name;  // empty when the file exists

  bool operator==(const FileIdentity&) const = default;
};

/// The identity of `path`; empty when neither it nor its folder exists.
std::optional<FileIdentity> file_identity(const std::string& path);

/// Whether `a` and `b` are one file (or would be, once written).
bool same_file(const std::string& a, const std::string& b);

/// A path a command reads or writes, and what it is to the command ("input", "model",
/// "--summary-json", ...), for messages.
struct FileRole {
  std::string path;
  std::string role;
};

/// Throws Error when a file in `writes` is one of `reads` or another of `writes`, naming both
/// paths and their roles. Local to the calling rank.
void require_distinct_files(const std::vector<FileRole>& reads,
                            const std::vector<FileRole>& writes);

}  // namespace mpinmf::io

namespace mpinmf::io {

/// Declares `path` an output of this command: a file there is replaced only with `overwrite`
/// (--overwrite), or when this run put it there itself (below). Rank 0's record.
void declare_output(const std::string& path, bool overwrite);

/// Notes that this run has just put `path` in place, so that it may replace that file (and
/// only that file: another run's file put there since is not its own) when it writes it
/// again, as checkpoints are.
void note_written(const std::string& path);

/// Whether this run may replace what is at `path` now (anything, where `path` is no declared
/// output).
bool may_replace(const std::string& path);

}  // namespace mpinmf::io
