#include "io/disk_space.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "mpinmf/error.hpp"

namespace mpinmf::io {

std::optional<std::int64_t> free_disk_bytes(const std::string& folder) {
  struct statvfs info {};
  if (statvfs(folder.c_str(), &info) != 0) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(info.f_bavail) * static_cast<std::int64_t>(info.f_frsize);
}

std::string full_disk_note(const std::string& output) {
  std::error_code error;
  const std::filesystem::path folder = std::filesystem::absolute(output, error).parent_path();
  const std::optional<std::int64_t> free = free_disk_bytes(folder.string());
  return free && *free < kCloseReserveBytes ? " (its file system is full)" : "";
}

SpaceReserve::SpaceReserve(std::string path, std::int64_t bytes, const std::string& output)
    : path_(std::move(path)) {
  const int descriptor = open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (descriptor < 0) {
    const int error = errno;
    path_.clear();
    throw Error(output + ": cannot write in its folder: " + std::strerror(error));
  }
  // posix_fallocate takes the blocks now (or writes zeros where the file system cannot
  // allocate): a sparse file would hold nothing back.
  const int error = posix_fallocate(descriptor, 0, static_cast<off_t>(bytes));
  close(descriptor);
  if (error != 0) {
    release();
    throw Error(output + ": cannot write it: " +
                (error == ENOSPC ? std::string("its file system is full") : std::strerror(error)));
  }
}

SpaceReserve::SpaceReserve(SpaceReserve&& other) noexcept : path_(std::exchange(other.path_, {})) {}

SpaceReserve& SpaceReserve::operator=(SpaceReserve&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

void SpaceReserve::release() noexcept {
  if (!path_.empty()) {
    unlink(path_.c_str());
    path_.clear();
  }
}

}  // namespace mpinmf::io
