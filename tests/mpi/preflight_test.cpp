// The up-front resource checks under 1–4 ranks: a small run passes, and a run that cannot
// fit is refused with the same error on every rank.

#include "engine/preflight.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "mpinmf/error.hpp"

namespace mpinmf {
namespace {

Workload workload_of(Index rows, Index columns, Index k) {
  Workload workload;
  workload.rows = rows;
  workload.columns = columns;
  workload.components = k;
  return workload;
}

/// Expects every rank to throw an AgreedError whose message contains `expected`.
void expect_agreed_error(const std::function<void()>& action, const std::string& expected) {
  try {
    action();
    ADD_FAILURE() << "no error; expected one mentioning '" << expected << "'";
  } catch (const AgreedError& error) {
    EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
  }
}

TEST(Preflight, ASmallRunFits) {
  Communicator world(MPI_COMM_WORLD);
  const Workload small = workload_of(200, 100, 5);
  EXPECT_NO_THROW(
      check_memory_fits(world, small, even_block(small.rows, world.size(), world.rank())));
  const std::string output = std::filesystem::temp_directory_path() / "out.h5";
  EXPECT_NO_THROW(check_disk_space(world, output, factor_file_bytes(200, 100, 5, 501)));
}

TEST(Preflight, ARunTooLargeForMemoryIsRefusedEverywhere) {
  Communicator world(MPI_COMM_WORLD);
  const Workload huge = workload_of(2'000'000, 1'000'000, 10);
  expect_agreed_error(
      [&] { check_memory_fits(world, huge, even_block(huge.rows, world.size(), world.rank())); },
      "not enough memory: each rank needs about");
}

TEST(Preflight, AnOutputTooLargeForTheDiskIsRefusedEverywhere) {
  Communicator world(MPI_COMM_WORLD);
  const std::string output = std::filesystem::temp_directory_path() / "out.h5";
  expect_agreed_error([&] { check_disk_space(world, output, std::int64_t{1} << 62); },
                      "not enough disk space: writing " + output + " needs about");
}

}  // namespace
}  // namespace mpinmf
