#include "commands/generate.hpp"

#include <iomanip>
#include <ostream>
#include <span>
#include <variant>

#include "analysis/synthetic.hpp"
#include "commands/preamble.hpp"
#include "io/matrix_file.hpp"

namespace mpinmf {

void run_generation(Communicator& comm, const GenerateOptions& options, std::ostream& out) {
  const double start = MPI_Wtime();
  PreambleRequest request;  // nothing to read; the threads as the environment set them
  request.outputs = {{options.output, options.overwrite, ""}};
  run_preamble(comm, request);
  const SyntheticSpec spec{options.rows,    options.columns, options.rank, options.clusters,
                           options.density, options.noise,   options.seed};
  const OutputLayout layout = options.layout != OutputLayout::automatic ? options.layout
                              : options.density < 1.0                   ? OutputLayout::csr
                                                                        : OutputLayout::dense;
  const IndexRange rows = even_block(spec.rows, comm.size(), comm.rank());
  const IndexRange columns = even_block(spec.columns, comm.size(), comm.rank());
  Matrix H;
  RowMatrix W;
  std::vector<std::int64_t> clusters;
  io::LocalInput local{rows, RowMatrix()};
  comm.run_agreed([&] {
    H = planted_H(spec);
    W = planted_W_rows(spec, rows);
    clusters = planted_column_clusters(spec);
    std::visit([&](auto&& block) { local.V = std::forward<decltype(block)>(block); },
               synthetic_rows(spec, rows, W, H));
  });
  const std::int64_t nonzeros = comm.sum_counts(io::nonzero_entries(local));
  const auto stop_check = [&] { stop_if_signalled(comm, options.output); };
  stop_check();

  const std::vector<io::Attribute> attributes{
      {"generator", std::string("mpinmf generate")},
      {"rows", static_cast<std::int64_t>(spec.rows)},
      {"columns", static_cast<std::int64_t>(spec.columns)},
      {"k", static_cast<std::int64_t>(spec.rank)},
      {"clusters", static_cast<std::int64_t>(spec.clusters)},
      {"density", spec.density},
      {"noise", spec.noise},
      {"seed", static_cast<std::int64_t>(spec.seed)},
      {"version", std::string(MPINMF_VERSION)},
      {"command_line", options.command_line},
  };
  // Rank 0 writes all of H (k × n is small); each rank its rows of W and its share of the
  // column clusters.
  const RowMatrix H_rows = comm.is_root() ? RowMatrix(H) : RowMatrix(0, spec.columns);
  const std::span<const std::int64_t> own_clusters(clusters.data() + columns.begin,
                                                   static_cast<std::size_t>(columns.size()));
  io::write_matrix_file(
      comm, options.output, options.output_dataset, layout, local, spec.rows, spec.columns,
      attributes, {.stop_check = stop_check}, [&](hid_t file) {
        io::write_rows(comm, file, "/truth/W", W, rows.begin, spec.rows, spec.rank, options.output);
        io::write_rows(comm, file, "/truth/H", H_rows, comm.is_root() ? 0 : spec.rank, spec.rank,
                       spec.columns, options.output);
        io::write_range(comm, file, "/truth/column_cluster", own_clusters, columns.begin,
                        spec.columns, options.output);
      });
  if (comm.is_root()) {
    out << "mpinmf generate: wrote " << options.output << ":" << options.output_dataset << " ("
        << (layout == OutputLayout::csr ? "CSR" : "dense float64") << "), " << spec.rows << " × "
        << spec.columns << ", " << nonzeros << " nonzeros, planted k = " << spec.rank << " and "
        << spec.clusters << " column clusters (in /truth), noise " << spec.noise << ", in "
        << std::fixed << std::setprecision(3) << MPI_Wtime() - start << " s\n";
  }
}

}  // namespace mpinmf
