#include "commands/factorize_command.hpp"

#include <cmath>
#include <memory>
#include <ostream>
#include <thread>
#include <type_traits>
#include <variant>

#include "commands/preamble.hpp"
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
#include "io/file_identity.hpp"
#include "io/input.hpp"
#include "io/output_file.hpp"
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
    } adding{seconds_, start};
    return step();
  }
  void add(double seconds) { seconds_ += seconds; }
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
      {"layout", std::string(io::kFactorLayout)},
  };
}

template <typename... Lists>
std::vector<io::Attribute> concatenated(const Lists&... lists) {
  std::vector<io::Attribute> all;
  (all.insert(all.end(), lists.begin(), lists.end()), ...);
  return all;
}

void check_rank_fits(const Communicator& comm, const RunOptions& options,
                     const io::InputPlan& input) {
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
}

void check_resources(Communicator& comm, const RunOptions& options, const io::InputPlan& input,
                     int threads) {
  // Before reading: the rows a rank will hold, as the readers split them (evenly by
  // nonzeros for sparse V, so the even split of the estimate is what each gets on average).
  const IndexRange expected_rows = even_block(input.rows, comm.size(), comm.rank());
  check_memory_fits(comm,
                    run_workload(options, input.rows, input.columns, threads,
                                 input.sparse() ? input.stored_entries : 0),
                    expected_rows);
  const std::int64_t output_bytes = factor_file_bytes(input.rows, input.columns, options.rank,
                                                      options.stopping.max_iterations + 1);
  // The checkpoint lives beside the output until the run ends; a new one is written beside
  // the old before it replaces it.
  check_disk_space(comm, options.output, 3 * output_bytes);
}

/// The run's preamble (commands/preamble.hpp): its outputs, the result and the checkpoint;
/// k against V's shape; the engine's estimate of its memory and the result's size.
Preamble prepare_run(Communicator& comm, const RunOptions& options, const std::string& checkpoint) {
  PreambleRequest request{&options};
  // A run may resume from its own checkpoint file and write it again; no other file it reads.
  const bool resumes_own_checkpoint =
      !options.resume.empty() && io::same_file(checkpoint, options.resume);
  request.outputs = {{options.output, options.overwrite, ""},
                     {checkpoint, options.overwrite || resumes_own_checkpoint,
                      "a checkpoint is there: pass --resume " + checkpoint +
                          " to continue from it, or --overwrite to start afresh",
                      "checkpoint"}};
  if (!options.summary_json.empty()) {
    request.outputs.push_back({options.summary_json, options.overwrite, "", "--summary-json file"});
  }
  if (!options.resume.empty() && !resumes_own_checkpoint) {
    request.reads.push_back({options.resume, "checkpoint to resume from"});
  }
  if (!options.init_file.empty()) {
    request.reads.push_back({options.init_file, "--init-file"});
  }
  request.input = &options;
  request.check_input = [&](const Communicator& all, const io::InputPlan& input) {
    check_rank_fits(all, options, input);
  };
  request.check_resources = [&](Communicator& all, const io::InputPlan& input, int threads) {
    check_resources(all, options, input, threads);
  };
  return run_preamble(comm, request);
}

/// What the steps after the read share.
struct LoadedRun {
  Communicator& comm;
  const RunOptions& options;
  const LoadedMatrix& V;
  const io::RunIdentity& identity;
  const std::string& checkpoint;
  IoClock& io_clock;
};

/// The factors the loop starts from, and the history it continues.
struct RunStart {
  Factors factors;
  LoopStart loop;
};

/// Refuses factors read from `path` (a start or a checkpoint) that hold a negative, NaN or
/// Inf entry, naming where: every rule assumes non-negative factors, and mu would carry a
/// negative entry into its result.
void require_valid_factors(const LoadedRun& run, const Factors& factors, const std::string& path) {
  const IndexRange rows = run.V.local.rows;
  io::require_nonnegative_finite(run.comm, factors.W, rows.begin, path + ":/W");
  const RowMatrix h_rows = factors.H;
  io::require_nonnegative_finite(run.comm, run.comm.is_root() ? h_rows : RowMatrix(), 0,
                                 path + ":/H");
}

/// Refuses a checkpoint whose history is not a run's record: iterations 0, 1, 2, … in order,
/// finite objectives.
void require_consistent_history(const LoadedRun& run, const std::vector<HistoryEntry>& history,
                                const std::string& path) {
  run.comm.run_agreed([&] {
    if (!run.comm.is_root()) {
      return;
    }
    if (history.empty()) {
      throw Error(path + ":/history: is empty; a checkpoint's history starts with iteration 0");
    }
    for (std::size_t row = 0; row < history.size(); ++row) {
      const HistoryEntry& entry = history[row];
      if (entry.iteration != static_cast<int>(row) || !std::isfinite(entry.objective)) {
        throw Error(path + ":/history: row " + std::to_string(row) + " holds iteration " +
                    std::to_string(entry.iteration) + " with objective " +
                    std::to_string(entry.objective) +
                    "; a checkpoint's history counts 0, 1, 2, ... with finite objectives");
      }
    }
  });
}

RunStart resume_from_checkpoint(const LoadedRun& run, std::ostream& out) {
  const RunOptions& options = run.options;
  io::Checkpoint resumed = run.io_clock.time([&] {
    return io::read_checkpoint(run.comm, options.resume, run.V.local.rows, run.V.plan.rows,
                               run.V.plan.columns, options.rank, run.identity);
  });
  require_valid_factors(run, resumed.factors, options.resume);
  require_consistent_history(run, resumed.start.history, options.resume);
  RunStart start;
  start.factors = std::move(resumed.factors);
  start.loop = std::move(resumed.start);
  if (run.comm.is_root()) {
    out << "resuming from " << options.resume << " at iteration "
        << start.loop.history.back().iteration << "\n";
  }
  return start;
}

Factors read_init_file(const LoadedRun& run) {
  const RunOptions& options = run.options;
  const IndexRange rows = run.V.local.rows;
  Factors factors = run.io_clock.time([&] {
    return io::read_factor_file(run.comm, options.init_file, rows, run.V.plan.rows,
                                run.V.plan.columns, options.rank);
  });
  require_valid_factors(run, factors, options.init_file);
  return factors;
}

RunStart start_of_run(const LoadedRun& run, std::ostream& out) {
  if (!run.options.resume.empty()) {
    return resume_from_checkpoint(run, out);
  }
  RunStart start;
  if (run.options.init_file.empty()) {
    start.factors =
        starting_factors(run.comm, run.V, run.options.rank, run.options.init, run.options.seed);
  } else {
    start.factors = read_init_file(run);
  }
  return start;
}

[[noreturn]] void throw_interrupted(const EngineResult& result, const std::string& checkpoint) {
  const std::optional<int> signal_number = interrupt_signal();
  throw Interrupted(
      std::string("stopped by ") + (signal_number ? signal_name(*signal_number) : "a signal") +
      " after iteration " + std::to_string(result.iterations) + "; checkpoint written to " +
      checkpoint + "; continue with --resume " + checkpoint);
}

/// The loop's result, and the bytes this rank moved during it.
struct LoopOutcome {
  EngineResult result;
  double communicated_bytes = 0.0;
};

LoopOutcome iterate(const LoadedRun& run, RunStart& start, std::ostream& out) {
  Communicator& comm = run.comm;
  const RunOptions& options = run.options;
  const double bytes_before_loop = comm.communicated_bytes();
  ProgressPrinter progress(out, comm.is_root(), options.print_every);
  auto save_checkpoint = [&](const Factors& state, const LoopSnapshot& snapshot) {
    const double seconds = run.io_clock.time([&] {
      const double begin = MPI_Wtime();
      io::write_checkpoint(
          comm, run.checkpoint, state, run.V.local.rows, run.V.plan.rows, snapshot, run.identity,
          concatenated(
              provenance_attributes(options, comm),
              io::progress_attributes(snapshot.history, snapshot.history.back().relative_error,
                                      "checkpoint")));
      return MPI_Wtime() - begin;
    });
    progress.checkpoint_written(snapshot.history.back().iteration, run.checkpoint, seconds);
  };
  LoopHooks hooks;
  hooks.on_iteration = std::ref(progress);
  hooks.stop_requested = [] { return interrupt_signal().has_value(); };
  hooks.schedule = {options.checkpoint_every, options.checkpoint_interval};
  hooks.save_checkpoint = save_checkpoint;
  const EngineResult result = factorize_matrix(comm, run.V, options.rule, options.stopping,
                                               start.factors, hooks, start.loop);
  const double loop_bytes = comm.communicated_bytes() - bytes_before_loop;
  if (result.stop_reason == StopReason::interrupted) {
    save_checkpoint(start.factors, {result.history, result.gradient_at_start});
    throw_interrupted(result, run.checkpoint);
  }
  return {result, loop_bytes};
}

void write_result(const LoadedRun& run, Factors& factors, const EngineResult& result) {
  Communicator& comm = run.comm;
  const RunOptions& options = run.options;
  normalize_factors(comm, factors, parse_normalization(options.normalize));
  run.io_clock.time([&] {
    io::write_factor_file(
        comm, options.output, factors, run.V.local.rows, run.V.plan.rows, result.history,
        concatenated(run.identity.exact, provenance_attributes(options, comm),
                     io::progress_attributes(result.history, result.final_relative_error,
                                             describe(result.stop_reason))),
        {.labels = io::read_labels(comm, run.V.plan)});
  });
}

double local_nonzeros(const io::LocalRowsVariant& local_V) {
  return std::visit(
      [](const auto& V) {
        if constexpr (is_sparse_v<std::decay_t<decltype(V)>>) {
          return static_cast<double>(V.nonZeros());
        } else {
          return static_cast<double>(V.size());
        }
      },
      local_V);
}

/// Times, bytes and memory, each the slowest rank's or gathered on rank 0. Collective.
void add_costs(Communicator& comm, RunSummary& summary, double start, double io_seconds,
               const LoopOutcome& loop) {
  const EngineResult& result = loop.result;
  const double wall = MPI_Wtime() - start;
  const double communication = comm.communication_seconds();
  summary.io_seconds = comm.max(io_seconds);
  summary.communication_seconds = comm.max(communication);
  summary.compute_seconds = comm.max(wall - io_seconds - communication);
  summary.wall_seconds = comm.max(wall);
  const int iterations = std::max(1, result.iterations);
  summary.seconds_per_iteration =
      (result.history.back().seconds - result.history.front().seconds) / iterations;
  summary.communicated_bytes_per_iteration = comm.max(loop.communicated_bytes) / iterations;
  summary.peak_memory_bytes = comm.gather_to_root(peak_memory_bytes());
}

/// The run's summary, complete on rank 0. Collective.
RunSummary summarize(const LoadedRun& run, int threads, const LoopOutcome& loop, double start) {
  Communicator& comm = run.comm;
  const RunOptions& options = run.options;
  const EngineResult& result = loop.result;
  RunSummary summary;
  summary.algorithm = algorithm_name(options.rule.algorithm);
  summary.rows = run.V.plan.rows;
  summary.columns = run.V.plan.columns;
  summary.rank = options.rank;
  summary.input = run.V.plan.description;
  summary.sparse = run.V.plan.sparse();
  summary.precision = precision_name(options.precision);
  const double nonzeros_here = local_nonzeros(run.V.local.V);
  summary.nonzeros = comm.sum(nonzeros_here);
  summary.nonzero_imbalance =
      summary.nonzeros > 0.0 ? comm.max(nonzeros_here) * comm.size() / summary.nonzeros : 1.0;
  summary.ranks = comm.size();
  summary.threads_per_rank = threads;
  summary.iterations = result.iterations;
  summary.initial_relative_error = result.history.front().relative_error;
  summary.relative_error = result.final_relative_error;
  summary.objective = result.history.back().objective;
  summary.stop_reason = describe(result.stop_reason);
  summary.output = options.output;
  summary.vanished_components = result.vanished_components;
  add_costs(comm, summary, start, run.io_clock.seconds(), loop);
  return summary;
}

/// The summary on rank 0's `out`, and as JSON where asked: written whole or not at all, and
/// a failure (a full disk) is the run's error, on every rank.
void report_summary(const Communicator& comm, std::ostream& out, const RunOptions& options,
                    const RunSummary& summary) {
  if (comm.is_root()) {
    print_summary(out, summary);
  }
  if (!options.summary_json.empty()) {
    comm.run_agreed([&] {
      if (comm.is_root()) {
        io::write_text_output(options.summary_json, summary_json(summary), "summary JSON");
      }
    });
  }
}

}  // namespace

RunSummary run_factorization(Communicator& comm, const RunOptions& options, std::ostream& out) {
  const double start = MPI_Wtime();
  IoClock io_clock;
  const std::string checkpoint = checkpoint_path(options);
  const Preamble prepared = prepare_run(comm, options, checkpoint);
  io_clock.add(prepared.inspection_seconds);
  const LoadedMatrix V = io_clock.time([&] { return load_matrix(comm, prepared.input); });
  const io::RunIdentity identity =
      run_identity(options, V.plan.rows, V.plan.columns, {V.sum, V.squared_norm});
  const LoadedRun run{comm, options, V, identity, checkpoint, io_clock};
  RunStart run_start = start_of_run(run, out);
  const LoopOutcome loop = iterate(run, run_start, out);
  write_result(run, run_start.factors, loop.result);
  RunSummary summary = summarize(run, prepared.threads, loop, start);
  report_summary(comm, out, options, summary);
  return summary;
}

}  // namespace mpinmf
