#include "mpinmf/run.hpp"

#include <fstream>
#include <ostream>
#include <thread>

#include "mpinmf/engine.hpp"
#include "mpinmf/engine_kl.hpp"
#include "mpinmf/error.hpp"
#include "mpinmf/init.hpp"
#include "mpinmf/init_nndsvd.hpp"
#include "mpinmf/io/dense_reader.hpp"
#include "mpinmf/io/factor_file.hpp"
#include "mpinmf/io/validate.hpp"
#include "mpinmf/normalize.hpp"
#include "mpinmf/preflight.hpp"
#include "mpinmf/resources.hpp"
#include "mpinmf/rules/update_rule.hpp"

namespace mpinmf {
namespace {

/// Accumulates wall time spent in file I/O on this rank.
class IoClock {
 public:
  template <typename Step>
  auto time(Step&& step) {
    const double start = MPI_Wtime();
    struct Add {
      double& total;
      double start;
      ~Add() { total += MPI_Wtime() - start; }
    } add{seconds_, start};
    return step();
  }
  [[nodiscard]] double seconds() const { return seconds_; }

 private:
  double seconds_ = 0.0;
};

std::vector<io::Attribute> output_attributes(const RunOptions& options, const Communicator& comm,
                                             const EngineResult& result, Index rows,
                                             Index columns) {
  return {
      {"algorithm", algorithm_name(options.rule.algorithm)},
      {"k", static_cast<std::int64_t>(options.rank)},
      {"rows", static_cast<std::int64_t>(rows)},
      {"columns", static_cast<std::int64_t>(columns)},
      {"iterations", static_cast<std::int64_t>(result.iterations)},
      {"relative_error", result.final_relative_error},
      {"objective", result.history.back().objective},
      {"stop_reason", describe(result.stop_reason)},
      {"seed", static_cast<std::int64_t>(options.seed)},
      {"init", options.init_file.empty() ? options.init : options.init_file},
      {"delta", options.rule.delta},
      {"lambda",
       options.rule.algorithm == Algorithm::projected_gradient ? options.rule.lambda : 0.0},
      {"alpha_W", options.rule.alpha_W},
      {"alpha_H", options.rule.alpha_H.value_or(options.rule.alpha_W)},
      {"l1_ratio", options.rule.l1_ratio},
      {"normalize", options.normalize},
      {"ranks", static_cast<std::int64_t>(comm.size())},
      {"input", options.input},
      {"dataset", options.dataset},
      {"version", std::string(MPINMF_VERSION)},
      {"command_line", options.command_line},
      {"layout", std::string("C order: /W is rows x k and /H is k x columns as h5py reads them; "
                             "column-major readers (R, Julia) see their transposes")},
  };
}

}  // namespace

RunSummary run_factorization(Communicator& comm, const RunOptions& options, std::ostream& out) {
  const double start = MPI_Wtime();
  const int hardware = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const int threads =
      choose_thread_count(options.threads, cpus_available(), comm.ranks_on_node(), hardware);
  use_threads(threads);
  IoClock io_clock;

  io::check_output_path(comm, options.output, options.overwrite);
  const io::DenseShape shape =
      io_clock.time([&] { return io::inspect_dense(comm, options.input, options.dataset); });
  const std::string source = options.input + ":" + options.dataset;
  comm.run_agreed([&] {
    if (options.rank > std::min(shape.rows, shape.columns)) {
      throw Error("--rank " + std::to_string(options.rank) + " is too large for " + source + " (" +
                  std::to_string(shape.rows) + " × " + std::to_string(shape.columns) +
                  "): k must be at most min(rows, columns) = " +
                  std::to_string(std::min(shape.rows, shape.columns)));
    }
  });

  const IndexRange rows = even_block(shape.rows, comm.size(), comm.rank());
  if (!options.skip_resource_check) {
    check_memory_fits(comm, run_workload(options, shape.rows, shape.columns, threads), rows);
    check_disk_space(comm, options.output,
                     factor_file_bytes(shape.rows, shape.columns, options.rank,
                                       options.stopping.max_iterations + 1));
  }
  const RowMatrix V = io_clock.time(
      [&] { return io::read_dense_rows(comm, options.input, options.dataset, rows); });
  io::require_nonnegative_finite(comm, V, rows.begin, source);

  std::array<double, 2> totals{V.sum(), V.squaredNorm()};
  comm.sum(totals.data(), 2);
  const auto entries = static_cast<double>(shape.rows) * static_cast<double>(shape.columns);
  comm.run_agreed([&] {
    if (totals[1] == 0.0) {
      throw Error(source + ": every entry is zero; there is nothing to factorize");
    }
  });

  Factors factors;
  const double mean_of_v = totals[0] / entries;
  if (options.init_file.empty() && options.init == "random") {
    factors = random_factors(options.seed, rows, shape.columns, options.rank, mean_of_v);
  } else if (options.init_file.empty()) {
    const NndsvdVariant variant = options.init == "nndsvd"    ? NndsvdVariant::plain
                                  : options.init == "nndsvda" ? NndsvdVariant::fill_mean
                                                              : NndsvdVariant::fill_random;
    factors = nndsvd_factors(comm, V, rows, options.rank, variant, options.seed, mean_of_v);
  } else {
    factors = io_clock.time([&] {
      return io::read_factor_file(comm, options.init_file, rows, shape.rows, shape.columns,
                                  options.rank);
    });
    io::require_nonnegative_finite(comm, factors.W, rows.begin, options.init_file + ":/W");
    const RowMatrix h_rows = factors.H;
    io::require_nonnegative_finite(comm, comm.is_root() ? h_rows : RowMatrix(), 0,
                                   options.init_file + ":/H");
  }

  const double bytes_before_loop = comm.communicated_bytes();
  ProgressPrinter progress(out, comm.is_root(), options.print_every);
  const EngineResult result = [&] {
    if (options.rule.algorithm == Algorithm::kullback_leibler) {
      return factorize_kl(comm, V, totals[1], factors, options.rule.delta, options.stopping,
                          std::ref(progress));
    }
    const auto rule = make_update_rule(options.rule, shape.rows, shape.columns, options.rank);
    return factorize(comm, V, totals[1], factors, *rule,
                     make_penalties(options.rule, shape.rows, shape.columns), options.stopping,
                     std::ref(progress));
  }();
  const double loop_bytes = comm.communicated_bytes() - bytes_before_loop;

  normalize_factors(comm, factors, parse_normalization(options.normalize));
  io_clock.time([&] {
    io::write_factor_file(comm, options.output, factors, rows, shape.rows, result.history,
                          output_attributes(options, comm, result, shape.rows, shape.columns));
  });

  RunSummary summary;
  summary.algorithm = algorithm_name(options.rule.algorithm);
  summary.rows = shape.rows;
  summary.columns = shape.columns;
  summary.rank = options.rank;
  summary.ranks = comm.size();
  summary.threads_per_rank = threads;
  summary.iterations = result.iterations;
  summary.initial_relative_error = result.history.front().relative_error;
  summary.relative_error = result.final_relative_error;
  summary.objective = result.history.back().objective;
  summary.stop_reason = describe(result.stop_reason);
  summary.output = options.output;
  summary.vanished_components = result.vanished_components;
  const double wall = MPI_Wtime() - start;
  const double communication = comm.communication_seconds();
  summary.io_seconds = comm.max(io_clock.seconds());
  summary.communication_seconds = comm.max(communication);
  summary.compute_seconds = comm.max(wall - io_clock.seconds() - communication);
  summary.wall_seconds = comm.max(wall);
  const int iterations = std::max(1, result.iterations);
  summary.seconds_per_iteration =
      (result.history.back().seconds - result.history.front().seconds) / iterations;
  summary.communicated_bytes_per_iteration = comm.max(loop_bytes) / iterations;
  summary.peak_memory_bytes = comm.gather_to_root(peak_memory_bytes());

  if (comm.is_root()) {
    print_summary(out, summary);
    if (!options.summary_json.empty()) {
      std::ofstream json(options.summary_json);
      json << summary_json(summary);
      if (!json) {
        out << "mpinmf: warning: could not write " << options.summary_json << "\n";
      }
    }
  }
  return summary;
}

}  // namespace mpinmf
