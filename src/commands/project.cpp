#include "commands/project.hpp"

#include <ostream>
#include <thread>

#include "core/resources.hpp"
#include "engine/loop_control.hpp"
#include "io/dense_reader.hpp"
#include "io/factor_file.hpp"
#include "io/validate.hpp"
#include "mpinmf/error.hpp"
#include "rules/anls_bpp.hpp"

namespace mpinmf {

Matrix project_columns(Communicator& comm, const RowMatrix& local_rows, const RowMatrix& W,
                       const Penalty& penalty) {
  const Index k = W.cols();
  Matrix WtW = W.transpose() * W;
  comm.sum(WtW);
  const Matrix WtV = W.transpose() * local_rows;
  const std::vector<IndexRange> blocks = column_blocks(local_rows.cols(), comm.size());
  const IndexRange own = blocks[static_cast<std::size_t>(comm.rank())];
  Matrix WtV_own;
  comm.reduce_scatter_columns(WtV, blocks, WtV_own);
  Matrix H = Matrix::Zero(k, local_rows.cols());
  anls_bpp_update(H.middleCols(own.begin, own.size()), WtW, WtV_own, penalty);
  comm.allgather_columns(H, blocks);
  return H;
}

RowMatrix project_rows(const RowMatrix& local_rows, const Matrix& H, const Penalty& penalty) {
  const Matrix HHt = H * H.transpose();
  const RowMatrix VHt = local_rows * H.transpose();
  RowMatrix W = RowMatrix::Zero(local_rows.rows(), H.rows());
  anls_bpp_update(W.transpose(), HHt, VHt.transpose(), penalty);
  return W;
}

void run_projection(Communicator& comm, const ProjectOptions& options, std::ostream& out) {
  const double start = MPI_Wtime();
  use_threads(threads_for_rank(options.threads, comm.ranks_on_node()));
  io::check_output_path(comm, options.output, options.overwrite);
  const io::DenseShape model_W = io::inspect_dense(comm, options.model, "/W");
  const io::DenseShape model_H = io::inspect_dense(comm, options.model, "/H");
  const io::DenseShape data = io::inspect_dense(comm, options.input, options.dataset);
  const std::string source = options.input + ":" + options.dataset;
  const bool by_columns = options.axis == "columns";
  const Index k = model_W.columns;
  comm.run_agreed([&] {
    if (by_columns && data.rows != model_W.rows) {
      throw Error(source + " has " + std::to_string(data.rows) + " rows but the model's W has " +
                  std::to_string(model_W.rows) +
                  ": new samples as columns need the model's rows (or use --axis rows)");
    }
    if (!by_columns && data.columns != model_H.columns) {
      throw Error(source + " has " + std::to_string(data.columns) +
                  " columns but the model's H has " + std::to_string(model_H.columns) +
                  ": new rows need the model's columns (or use --axis columns)");
    }
  });

  const IndexRange rows = even_block(data.rows, comm.size(), comm.rank());
  const RowMatrix V = io::read_dense_rows(comm, options.input, options.dataset, rows);
  io::require_nonnegative_finite(comm, V, rows.begin, source);
  const Penalties penalties = make_penalties(options.rule, data.rows, data.columns);

  Factors result;
  std::vector<io::Attribute> attributes{
      {"model", options.model},
      {"input", options.input},
      {"dataset", options.dataset},
      {"axis", options.axis},
      {"k", static_cast<std::int64_t>(k)},
      {"ranks", static_cast<std::int64_t>(comm.size())},
      {"version", std::string(MPINMF_VERSION)},
      {"command_line", options.command_line},
  };
  if (by_columns) {
    const RowMatrix W = io::read_dense_rows(comm, options.model, "/W", rows);
    result.H = project_columns(comm, V, W, penalties.H);
    result.W = RowMatrix(rows.size(), 0);
  } else {
    const RowMatrix H_rows = io::read_dense_rows(comm, options.model, "/H", {0, k});
    result.W = project_rows(V, H_rows, penalties.W);
    result.H = Matrix(k, 0);
  }
  io::write_factor_file(comm, options.output, result, rows, data.rows, {}, attributes);
  if (comm.is_root()) {
    out << "mpinmf project: " << (by_columns ? "H' " : "W'' ")
        << (by_columns ? std::to_string(k) + " × " + std::to_string(data.columns)
                       : std::to_string(data.rows) + " × " + std::to_string(k))
        << " written to " << options.output << " in " << MPI_Wtime() - start << " s\n";
  }
}

}  // namespace mpinmf
