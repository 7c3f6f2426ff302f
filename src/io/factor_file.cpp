#include "io/factor_file.hpp"

#include "core/fault_injection.hpp"
#include "io/dense_reader.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

RowMatrix history_table(const std::vector<HistoryEntry>& history) {
  RowMatrix table(static_cast<Index>(history.size()), 5);
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto row = static_cast<Index>(i);
    table(row, 0) = history[i].iteration;
    table(row, 1) = history[i].seconds;
    table(row, 2) = history[i].relative_error;
    table(row, 3) = history[i].objective;
    table(row, 4) = history[i].projected_gradient;
  }
  return table;
}

void write_contents(hid_t file, const Communicator& comm, const std::string& path,
                    const Factors& factors, IndexRange rows, Index total_rows,
                    const std::vector<HistoryEntry>& history,
                    const std::vector<Attribute>& attributes) {
  // A factor with no columns, or an empty history, is left out (projections write one
  // factor only). Both are the same on every rank, so every rank skips alike.
  if (factors.W.cols() > 0) {
    write_rows(comm, file, "/W", factors.W, rows.begin, total_rows, factors.W.cols(), path);
  }
  // H and the history are small and the same on every rank: rank 0 writes them.
  const RowMatrix empty;
  if (factors.H.cols() > 0) {
    const RowMatrix h_rows = factors.H;
    write_rows(comm, file, "/H", comm.is_root() ? h_rows : empty, 0, factors.H.rows(),
               factors.H.cols(), path);
  }
  if (!history.empty()) {
    const RowMatrix table = history_table(history);
    write_rows(comm, file, "/history", comm.is_root() ? table : empty, 0, table.rows(),
               table.cols(), path);
    write_attributes(comm, file, "/history", {{"columns", std::string(kHistoryColumns)}}, path);
  }
  write_attributes(comm, file, "/", attributes, path);
}

}  // namespace

std::vector<Attribute> progress_attributes(const std::vector<HistoryEntry>& history,
                                           double relative_error, const std::string& status) {
  return {
      {"iterations", static_cast<std::int64_t>(history.back().iteration)},
      {"relative_error", relative_error},
      {"objective", history.back().objective},
      {"stop_reason", status},
  };
}

void write_factor_file(Communicator& comm, const std::string& path, const Factors& factors,
                       IndexRange rows, Index total_rows, const std::vector<HistoryEntry>& history,
                       const std::vector<Attribute>& attributes, const OutputFinish& finish) {
  write_output_file(
      comm, path,
      [&](hid_t file) {
        write_contents(file, comm, path, factors, rows, total_rows, history, attributes);
        // Tests kill a rank here, its data written but the file not yet closed, to show
        // that a crash mid-write leaves the file that was in place before (the previous
        // checkpoint).
        kill_if_planned(FaultPoint::checkpoint_crash, comm.rank(),
                        history.empty() ? -1 : history.back().iteration);
      },
      finish);
}

Factors read_factor_file(const Communicator& comm, const std::string& path, IndexRange rows,
                         Index total_rows, Index columns, Index rank) {
  const DenseShape w_shape = inspect_dense(comm, path, "/W");
  const DenseShape h_shape = inspect_dense(comm, path, "/H");
  comm.run_agreed([&] {
    if (w_shape.rows != total_rows || w_shape.columns != rank) {
      throw Error(path + ":/W is " + std::to_string(w_shape.rows) + " × " +
                  std::to_string(w_shape.columns) + " but this run needs " +
                  std::to_string(total_rows) + " × " + std::to_string(rank));
    }
    if (h_shape.rows != rank || h_shape.columns != columns) {
      throw Error(path + ":/H is " + std::to_string(h_shape.rows) + " × " +
                  std::to_string(h_shape.columns) + " but this run needs " + std::to_string(rank) +
                  " × " + std::to_string(columns));
    }
  });
  Factors factors;
  factors.W = read_dense_rows(comm, path, "/W", rows);
  factors.H = read_dense_rows(comm, path, "/H", {0, rank});
  return factors;
}

}  // namespace mpinmf::io
