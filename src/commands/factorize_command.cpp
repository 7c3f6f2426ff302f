#include "commands/factorize_command.hpp"

#include <fstream>
#include <ostream>
#include <thread>
#include <type_traits>
#include <variant>

#include "core/fault_injection.hpp"
#include "core/interrupt.hpp"
#include "core/resources.hpp"
#include "engine/factorization.hpp"
#include "engine/frobenius_loop.hpp"
#include "engine/normalize.hpp"
#include "engine/preflight.hpp"
#include "io/checkpoint.hpp"
#include "io/dense_reader.hpp"
#include "io/factor_file.hpp"
#include "io/input.hpp"
#include "io/validate.hpp"
#include "mpinmf/error.hpp"
#include "rules/update_rule.hpp"
#include "starts/nndsvd.hpp"
#include "starts/random_start.hpp"

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

/// What a checkpoint must share with the run that resumes from it.
io::RunIdentity run_identity(const RunOptions& options, Index rows, Index columns,
                             const std::array<double, 2>& v_sum_and_squared_norm) {
  return {{
              {"algorithm", algorithm_name(options.rule.algorithm)},
              {"k", static_cast<std::int64_t>(options.rank)},
              {"rows", static_cast<std::int64_t>(rows)},
              {"columns", static_cast<std::int64_t>(columns)},
              {"delta", options.rule.delta},
              {"lambda",
               options.rule.algorithm == Algorithm::projected_gradient ? options.rule.lambda : 0.0},
              {"alpha_W", options.rule.alpha_W},
              {"alpha_H", options.rule.alpha_H.value_or(options.rule.alpha_W)},
              {"l1_ratio", options.rule.l1_ratio},
              {"inner_sweeps", static_cast<std::int64_t>(options.rule.inner_sweeps)},
              {"transposed", static_cast<std::int64_t>(options.transpose ? 1 : 0)},
          },
          v_sum_and_squared_norm[1],
          v_sum_and_squared_norm[0]};
}

/// Where the result came from, for the reader of the file.
std::vector<io::Attribute> provenance_attributes(const RunOptions& options,
                                                 const Communicator& comm) {
  const std::string start = !options.resume.empty()      ? "checkpoint " + options.resume
                            : !options.init_file.empty() ? options.init_file
                                                         : options.init;
  return {
      {"seed", static_cast<std::int64_t>(options.seed)},
      {"init", start},
      {"normalize", options.normalize},
      {"ranks", static_cast<std::int64_t>(comm.size())},
      {"precision", precision_name(options.precision)},
      {"input", options.input},
      {"dataset", options.dataset},
      {"version", std::string(MPINMF_VERSION)},
      {"command_line", options.command_line},
      {"layout", std::string("C order: /W is rows x k and /H is k x columns as h5py reads them; "
                             "column-major readers (R, Julia) see their transposes")},
  };
}

/// Where the loop stands, after `history`'s last entry.
std::vector<io::Attribute> progress_attributes(const std::vector<HistoryEntry>& history,
                                               double relative_error, const std::string& status) {
  return {
      {"iterations", static_cast<std::int64_t>(history.back().iteration)},
      {"relative_error", relative_error},
      {"objective", history.back().objective},
      {"stop_reason", status},
  };
}

template <typename... Lists>
std::vector<io::Attribute> concatenated(const Lists&... lists) {
  std::vector<io::Attribute> all;
  (all.insert(all.end(), lists.begin(), lists.end()), ...);
  return all;
}

}  // namespace

RunSummary run_factorization(Communicator& comm, const RunOptions& options, std::ostream& out) {
  const double start = MPI_Wtime();
  const int threads = threads_for_rank(options.threads, comm.ranks_on_node());
  use_threads(threads);
  IoClock io_clock;

  // Handlers first: a signal during the read is honoured at the first iteration.
  const InterruptHandlers interrupt_handlers;
  const std::string checkpoint = checkpoint_path(options);
  io::check_output_path(comm, options.output, options.overwrite);
  io::check_output_path(comm, checkpoint, options.overwrite || checkpoint == options.resume,
                        "a checkpoint is there: pass --resume " + checkpoint +
                            " to continue from it, or --overwrite to start afresh");
  const io::InputPlan input = io_clock.time([&] {
    return io::inspect_input(comm, {options.input, options.dataset, options.format,
                                    options.transpose, options.precision});
  });
  const io::DenseShape shape{input.rows, input.columns};
  const std::string& source = input.source;
  comm.run_agreed([&] {
    static_cast<void>(planned_fault());  // a malformed MPINMF_FAULT fails here, on every rank
    if (options.rank > std::min(shape.rows, shape.columns)) {
      throw Error("--rank " + std::to_string(options.rank) + " is too large for " + source + " (" +
                  std::to_string(shape.rows) + " × " + std::to_string(shape.columns) +
                  "): k must be at most min(rows, columns) = " +
                  std::to_string(std::min(shape.rows, shape.columns)));
    }
  });

  if (!options.skip_resource_check) {
    // Before reading: the rows a rank will hold, as the readers split them (evenly by
    // nonzeros for sparse V, so the even split of the estimate is what each gets on average).
    const IndexRange expected_rows = even_block(shape.rows, comm.size(), comm.rank());
    check_memory_fits(comm,
                      run_workload(options, shape.rows, shape.columns, threads,
                                   input.sparse() ? input.stored_entries : 0),
                      expected_rows);
    const std::int64_t output_bytes = factor_file_bytes(shape.rows, shape.columns, options.rank,
                                                        options.stopping.max_iterations + 1);
    // The checkpoint lives beside the output until the run ends; a new one is written beside
    // the old before it replaces it.
    check_disk_space(comm, options.output, 3 * output_bytes);
  }
  use_threads(threads, input.sparse() ? ThreadUse::sparse_products : ThreadUse::dense_products);
  const LoadedMatrix loaded = io_clock.time([&] { return load_matrix(comm, input); });
  const IndexRange rows = loaded.local.rows;
  const auto& local_V = loaded.local.V;
  const std::array<double, 2> totals{loaded.sum, loaded.squared_norm};

  const io::RunIdentity identity = run_identity(options, shape.rows, shape.columns, totals);
  Factors factors;
  LoopStart loop_start;
  if (!options.resume.empty()) {
    io::Checkpoint resumed = io_clock.time([&] {
      return io::read_checkpoint(comm, options.resume, rows, shape.rows, shape.columns,
                                 options.rank, identity);
    });
    factors = std::move(resumed.factors);
    loop_start = std::move(resumed.start);
    if (comm.is_root()) {
      out << "resuming from " << options.resume << " at iteration "
          << loop_start.history.back().iteration << "\n";
    }
  } else if (options.init_file.empty()) {
    factors = starting_factors(comm, loaded, options.rank, options.init, options.seed);
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
  auto save_checkpoint = [&](const Factors& state, const LoopSnapshot& snapshot) {
    const double seconds = io_clock.time([&] {
      const double begin = MPI_Wtime();
      io::write_checkpoint(
          comm, checkpoint, state, rows, shape.rows, snapshot, identity,
          concatenated(provenance_attributes(options, comm),
                       progress_attributes(snapshot.history, snapshot.history.back().relative_error,
                                           "checkpoint")));
      return MPI_Wtime() - begin;
    });
    progress.checkpoint_written(snapshot.history.back().iteration, checkpoint, seconds);
  };
  LoopHooks hooks;
  hooks.on_iteration = std::ref(progress);
  hooks.stop_requested = [] { return interrupt_signal().has_value(); };
  hooks.schedule = {options.checkpoint_every, options.checkpoint_interval};
  hooks.save_checkpoint = save_checkpoint;
  const EngineResult result =
      factorize_matrix(comm, loaded, options.rule, options.stopping, factors, hooks, loop_start);
  const double loop_bytes = comm.communicated_bytes() - bytes_before_loop;
  if (result.stop_reason == StopReason::interrupted) {
    save_checkpoint(factors, {result.history, result.gradient_at_start});
    const std::optional<int> signal_number = interrupt_signal();
    throw Interrupted(
        std::string("stopped by ") + (signal_number ? signal_name(*signal_number) : "a signal") +
        " after iteration " + std::to_string(result.iterations) + "; checkpoint written to " +
        checkpoint + "; continue with --resume " + checkpoint);
  }

  normalize_factors(comm, factors, parse_normalization(options.normalize));
  io_clock.time([&] {
    io::write_factor_file(
        comm, options.output, factors, rows, shape.rows, result.history,
        concatenated(identity.exact, provenance_attributes(options, comm),
                     progress_attributes(result.history, result.final_relative_error,
                                         describe(result.stop_reason))),
        io::read_labels(comm, input));
  });

  RunSummary summary;
  summary.algorithm = algorithm_name(options.rule.algorithm);
  summary.rows = shape.rows;
  summary.columns = shape.columns;
  summary.rank = options.rank;
  summary.input = input.description;
  summary.sparse = input.sparse();
  summary.precision = precision_name(options.precision);
  const double local_nonzeros = std::visit(
      [](const auto& V) {
        if constexpr (is_sparse_v<std::decay_t<decltype(V)>>) {
          return static_cast<double>(V.nonZeros());
        } else {
          return static_cast<double>(V.size());
        }
      },
      local_V);
  summary.nonzeros = comm.sum(local_nonzeros);
  summary.nonzero_imbalance =
      summary.nonzeros > 0.0 ? comm.max(local_nonzeros) * comm.size() / summary.nonzeros : 1.0;
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
