#include "io/matrix_file.hpp"

#include <numeric>
#include <span>

#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

/// This rank's rows as compressed CSR without stored zeros.
SparseRowMatrix as_csr(const LocalInput& local) {
  if (const auto* dense = std::get_if<RowMatrix>(&local.V)) {
    SparseRowMatrix rows = dense->sparseView();
    rows.makeCompressed();
    return rows;
  }
  SparseRowMatrix rows = std::get<SparseRowMatrix>(local.V);
  rows.prune([](Index, Index, double value) { return value != 0.0; });
  rows.makeCompressed();
  return rows;
}

/// The group SciPy, AnnData and mpinmf read as CSR: indptr (rows + 1), indices and data
/// (one per nonzero). Each rank writes its rows' pointers, offset by the nonzeros of the
/// ranks before it, and its indices and data at that offset; the last rank adds the end.
void write_csr(Communicator& comm, hid_t file, const std::string& path, const std::string& group,
               const LocalInput& local, Index total_rows, Index columns) {
  SparseRowMatrix rows;
  comm.run_agreed([&] { rows = as_csr(local); });
  const std::vector<std::int64_t> counts = comm.allgather(rows.nonZeros());
  const std::int64_t offset =
      std::accumulate(counts.begin(), counts.begin() + comm.rank(), std::int64_t{0});
  const std::int64_t total = std::accumulate(counts.begin(), counts.end(), std::int64_t{0});
  const bool last = comm.rank() == comm.size() - 1;
  std::vector<std::int64_t> pointers;
  comm.run_agreed([&] {
    if (last && local.rows.end != total_rows) {
      throw Error(path + ": the last rank's rows end at " + std::to_string(local.rows.end) +
                  ", not at the last row " + std::to_string(total_rows));
    }
    pointers.resize(static_cast<std::size_t>(rows.rows() + (last ? 1 : 0)));
    for (std::size_t row = 0; row < pointers.size(); ++row) {
      pointers[row] = offset + rows.outerIndexPtr()[row];
    }
  });
  const auto entries = static_cast<std::size_t>(rows.nonZeros());
  create_group(comm, file, group, path);
  write_range(comm, file, group + "/indptr", std::span<const std::int64_t>(pointers),
              local.rows.begin, total_rows + 1, path);
  write_range(comm, file, group + "/indices",
              std::span<const std::int64_t>(rows.innerIndexPtr(), entries), offset, total, path);
  write_range(comm, file, group + "/data", std::span<const double>(rows.valuePtr(), entries),
              offset, total, path);
  write_attributes(
      comm, file, group,
      {{"encoding-type", std::string("csr_matrix")}, {"encoding-version", std::string("0.1.0")}},
      path);
  write_integers_attribute(comm, file, group, "shape", {total_rows, columns}, path);
}

void write_dense(const Communicator& comm, hid_t file, const std::string& path,
                 const std::string& name, const LocalInput& local, Index total_rows,
                 Index columns) {
  const auto* dense = std::get_if<RowMatrix>(&local.V);
  RowMatrix expanded;
  if (dense == nullptr) {
    comm.run_agreed([&] { expanded = RowMatrix(std::get<SparseRowMatrix>(local.V)); });
    dense = &expanded;
  }
  write_rows(comm, file, name, *dense, local.rows.begin, total_rows, columns, path);
}

}  // namespace

void write_matrix_file(Communicator& comm, const std::string& path, const std::string& name,
                       OutputLayout layout, const LocalInput& local, Index total_rows,
                       Index columns, const std::vector<Attribute>& attributes,
                       const OutputFinish& finish, const std::function<void(hid_t file)>& more) {
  write_output_file(
      comm, path,
      [&](hid_t file) {
        if (layout == OutputLayout::dense) {
          write_dense(comm, file, path, name, local, total_rows, columns);
        } else {
          write_csr(comm, file, path, name, local, total_rows, columns);
        }
        if (more) {
          more(file);
        }
        write_attributes(comm, file, "/", attributes, path);
      },
      finish);
}

}  // namespace mpinmf::io
