#include "io/file_identity.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

namespace fs = std::filesystem;

std::optional<FileIdentity> identity_of_existing(const std::string& path) {
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) {  // follows links: a link is its target
    return std::nullopt;
  }
  return FileIdentity{status.st_dev, status.st_ino, {}};
}

std::string describe(const FileRole& file) { return file.role + " " + file.path; }

/// The outputs a command declared, by their spelling made absolute: whether --overwrite lets
/// it replace any file there, and the file it put there itself.
struct Replaceable {
  bool any = false;
  std::optional<FileIdentity> own;
};
std::map<std::string, Replaceable>& declared_outputs() {
  static std::map<std::string, Replaceable> outputs;
  return outputs;
}

std::string key(const std::string& path) {
  std::error_code ignored;
  return fs::absolute(path, ignored).lexically_normal().string();
}

}  // namespace

std::optional<FileIdentity> file_identity(const std::string& path) {
  if (auto existing = identity_of_existing(path)) {
    return existing;
  }
  // Not there yet (or a dangling link, which a rename replaces): the folder it goes into,
  // whatever that folder is called, and the name there.
  const fs::path spelled(path);
  const fs::path folder = spelled.has_parent_path() ? spelled.parent_path() : fs::path(".");
  auto identity = identity_of_existing(folder.string());
  if (identity) {
    identity->name = spelled.filename().string();
  }
  return identity;
}

bool same_file(const std::string& a, const std::string& b) {
  const auto first = file_identity(a);
  return first && first == file_identity(b);
}

void require_distinct_files(const std::vector<FileRole>& reads,
                            const std::vector<FileRole>& writes) {
  for (auto written = writes.begin(); written != writes.end(); ++written) {
    const auto identity = file_identity(written->path);
    if (!identity) {
      continue;  // its folder is missing: the output checks say so
    }
    const auto same = [&identity](const FileRole& role) {
      return identity == file_identity(role.path);
    };
    if (const auto read = std::ranges::find_if(reads, same); read != reads.end()) {
      throw Error(written->path + ": the " + written->role + " is the same file as the " +
                  describe(*read) + "; writing it would destroy what the command reads");
    }
    if (const auto other = std::find_if(writes.begin(), written, same); other != written) {
      throw Error(written->path + ": the " + written->role + " is the same file as the " +
                  describe(*other) + "; name a different file for each");
    }
  }
}

void declare_output(const std::string& path, bool overwrite) {
  declared_outputs()[key(path)] = {overwrite, std::nullopt};
}

void note_written(const std::string& path) {
  const auto found = declared_outputs().find(key(path));
  if (found != declared_outputs().end()) {
    found->second.own = identity_of_existing(path);
  }
}

bool may_replace(const std::string& path) {
  const auto found = declared_outputs().find(key(path));
  if (found == declared_outputs().end()) {
    return true;  // not a command's declared output (the library's callers, the tests)
  }
  return found->second.any ||
         (found->second.own && found->second.own == identity_of_existing(path));
}

}  // namespace mpinmf::io
