// HDF5 input and output under 1–4 ranks: round trips, element types, layouts, and
// agreed errors for bad files.

#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "io/dense_reader.hpp"
#include "io/factor_file.hpp"
#include "io/input.hpp"
#include "io/matrix_file.hpp"
#include "io/validate.hpp"
#include "mpinmf/error.hpp"
#include "test_problems.hpp"

namespace mpinmf {
namespace {

namespace fs = std::filesystem;

class Hdf5Test : public ::testing::Test {
 protected:
  void SetUp() override { folder = testing::shared_temporary_folder(world); }
  void TearDown() override {
    world.barrier();
    if (world.is_root()) {
      fs::remove_all(folder);
    }
  }

  /// Rank 0 writes a file with plain (serial) HDF5, as another program would.
  void write_serially(const std::string& path, const std::function<void(hid_t)>& fill) {
    if (world.is_root()) {
      const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
      fill(file);
      H5Fclose(file);
    }
    world.barrier();
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

  Communicator world{MPI_COMM_WORLD};
  std::string folder;
};

void write_dataset(hid_t file, const char* name, hid_t file_type, hid_t memory_type,
                   const void* data, std::vector<hsize_t> extent, bool chunked) {
  const hid_t space = H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr);
  const hid_t create = H5Pcreate(H5P_DATASET_CREATE);
  if (chunked) {
    std::vector<hsize_t> chunk(extent.size(), 2);
    H5Pset_chunk(create, static_cast<int>(chunk.size()), chunk.data());
    H5Pset_deflate(create, 4);
  }
  const hid_t dataset = H5Dcreate2(file, name, file_type, space, H5P_DEFAULT, create, H5P_DEFAULT);
  H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(dataset);
  H5Pclose(create);
  H5Sclose(space);
}

TEST_F(Hdf5Test, FactorsRoundTripBitForBit) {
  const Index m = 23;
  const Index n = 11;
  const Index k = 4;
  const IndexRange rows = even_block(m, world.size(), world.rank());
  Factors written = random_factors(99, rows, n, k, 3.7);
  std::vector<HistoryEntry> history{{0, 0.0, 0.9, 1.5}, {1, 0.25, 0.5, 0.75}};
  const std::string path = folder + "/factors.h5";

  io::check_output_path(world, path, false);
  io::write_factor_file(world, path, written, rows, m, history,
                        {{"algorithm", std::string("mu")}, {"k", std::int64_t{k}}});
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".partial"));

  const Factors read = io::read_factor_file(world, path, rows, m, n, k);
  EXPECT_TRUE(read.W == written.W);
  EXPECT_TRUE(read.H == written.H);
  const RowMatrix table = io::read_dense_rows(world, path, "/history", {0, 2});
  EXPECT_EQ(table(1, 1), 0.25);
  EXPECT_EQ(table(1, 2), 0.5);

  // An existing output is refused unless --overwrite.
  expect_agreed_error([&] { io::check_output_path(world, path, false); }, "--overwrite");
  io::check_output_path(world, path, true);
}

TEST_F(Hdf5Test, ReadsEveryNumericTypeAndLayout) {
  const Index m = 7;
  const Index n = 5;
  std::vector<double> doubles(m * n);
  std::vector<float> floats(m * n);
  std::vector<int> integers(m * n);
  for (Index i = 0; i < m * n; ++i) {
    integers[i] = static_cast<int>(i * 3 % 17);
    doubles[i] = integers[i] + 0.5;
    floats[i] = static_cast<float>(integers[i]) + 0.25F;
  }
  const std::string path = folder + "/types.h5";
  write_serially(path, [&](hid_t file) {
    const std::vector<hsize_t> extent{static_cast<hsize_t>(m), static_cast<hsize_t>(n)};
    write_dataset(file, "f64", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, doubles.data(), extent, false);
    write_dataset(file, "f32_chunked", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, floats.data(), extent,
                  true);
    write_dataset(file, "i32_big_endian", H5T_STD_I32BE, H5T_NATIVE_INT, integers.data(), extent,
                  false);
    const hid_t group = H5Gcreate2(file, "nested", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    write_dataset(group, "V", H5T_STD_U16LE, H5T_NATIVE_INT, integers.data(), extent, true);
    H5Gclose(group);
  });

  const IndexRange rows = even_block(m, world.size(), world.rank());
  const io::DenseShape shape = io::inspect_dense(world, path, "/f64");
  EXPECT_EQ(shape.rows, m);
  EXPECT_EQ(shape.columns, n);
  const RowMatrix f64 = io::read_dense_rows(world, path, "/f64", rows);
  const RowMatrix f32 = io::read_dense_rows(world, path, "/f32_chunked", rows);
  const RowMatrix i32 = io::read_dense_rows(world, path, "/i32_big_endian", rows);
  const RowMatrix u16 = io::read_dense_rows(world, path, "/nested/V", rows);
  for (Index i = 0; i < rows.size(); ++i) {
    for (Index j = 0; j < n; ++j) {
      const Index linear = (rows.begin + i) * n + j;
      EXPECT_EQ(f64(i, j), doubles[linear]);
      EXPECT_EQ(f32(i, j), static_cast<double>(floats[linear]));
      EXPECT_EQ(i32(i, j), integers[linear]);
      EXPECT_EQ(u16(i, j), integers[linear]);
    }
  }
}

/// A sparse test matrix every rank can build: about one entry in five nonzero.
RowMatrix sparse_test_matrix(Index rows, Index columns) {
  RowMatrix V = RowMatrix::Zero(rows, columns);
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < columns; ++j) {
      if ((i * 7 + j * 3) % 5 == 0) {
        V(i, j) = 1.0 + static_cast<double>(i) + static_cast<double>(j) / 8.0;
      }
    }
  }
  return V;
}

TEST_F(Hdf5Test, MatrixFilesRoundTripFromUnevenRowBlocks) {
  const Index m = 19;
  const Index n = 6;
  const RowMatrix V = sparse_test_matrix(m, n);
  // Rank 0 holds no rows, the others share them: the writer must not assume even blocks.
  const int holders = std::max(1, world.size() - 1);
  const IndexRange rows = world.size() == 1   ? IndexRange{0, m}
                          : world.rank() == 0 ? IndexRange{0, 0}
                                              : even_block(m, holders, world.rank() - 1);
  const RowMatrix block = V.middleRows(rows.begin, rows.size());
  io::Labels names;
  for (Index i = 0; i < m; ++i) {
    names.rows.push_back(std::to_string(i) + "th row");
  }
  for (const OutputLayout layout : {OutputLayout::csr, OutputLayout::dense}) {
    for (const bool sparse_block : {true, false}) {
      io::LocalInput local{rows, block};
      if (sparse_block) {
        local.V = SparseRowMatrix(block.sparseView());
      }
      const std::string path = folder + "/matrix.h5";
      io::check_output_path(world, path, true);
      io::write_matrix_file(world, path, "/V", layout, local, m, n,
                            {{"input", std::string("test")}}, {.labels = names});
      EXPECT_FALSE(fs::exists(path + ".partial"));

      const io::InputPlan plan = io::inspect_input(world, {path, "/V"});
      EXPECT_EQ(plan.sparse(), layout == OutputLayout::csr);
      EXPECT_EQ(plan.rows, m);
      EXPECT_EQ(plan.columns, n);
      const io::LocalInput read = io::read_input(world, plan);
      const RowMatrix expected = V.middleRows(read.rows.begin, read.rows.size());
      std::visit(
          [&](const auto& got) { EXPECT_TRUE(RowMatrix(got.template cast<double>()) == expected); },
          read.V);
      const io::Labels read_names = io::read_labels(world, plan);
      if (world.is_root()) {
        EXPECT_EQ(read_names.rows, names.rows);
        EXPECT_TRUE(read_names.columns.empty());
      }
    }
  }
}

TEST_F(Hdf5Test, BadFilesGiveOneAgreedErrorOnEveryRank) {
  const std::string path = folder + "/bad.h5";
  const std::vector<double> values{1.0, 2.0, 3.0, -4.0, 5.0, 6.0};
  write_serially(path, [&](hid_t file) {
    write_dataset(file, "vector", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), {6}, false);
    write_dataset(file, "negative", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), {3, 2},
                  false);
    const hid_t group = H5Gcreate2(file, "group", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(group);
    const char* text = "not numbers";
    const hid_t string_type = H5Tcopy(H5T_C_S1);
    H5Tset_size(string_type, 12);
    write_dataset(file, "strings", string_type, string_type, text, {1, 1}, false);
    H5Tclose(string_type);
  });
  std::ofstream(folder + "/text.h5") << "this is not HDF5\n";
  world.barrier();

  expect_agreed_error([&] { io::inspect_dense(world, folder + "/missing.h5", "/V"); },
                      "missing.h5: no such file");
  expect_agreed_error([&] { io::inspect_dense(world, folder + "/text.h5", "/V"); },
                      "not an HDF5 file");
  expect_agreed_error([&] { io::inspect_dense(world, path, "/nothing/here"); },
                      "bad.h5:/nothing/here: no such dataset");
  expect_agreed_error([&] { io::inspect_dense(world, path, "/vector"); }, "has 1 dimensions");
  expect_agreed_error([&] { io::inspect_dense(world, path, "/group"); }, "is not a dataset");
  expect_agreed_error([&] { io::inspect_dense(world, path, "/strings"); }, "holds no numbers");

  const IndexRange rows = even_block(3, world.size(), world.rank());
  const RowMatrix block = io::read_dense_rows(world, path, "/negative", rows);
  expect_agreed_error(
      [&] { io::require_nonnegative_finite(world, block, rows.begin, path + ":/negative"); },
      "row 1, column 1 (0-based) is -4");
}

}  // namespace
}  // namespace mpinmf
