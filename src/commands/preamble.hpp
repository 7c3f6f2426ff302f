#pragma once
// What every command does before it reads its matrix, written once (docs/architecture.md, One
// run, steps 1-3): the rank's threads fixed, its output paths checked, the input inspected
// (format, shape and size; nothing read), the command's own checks of that shape, and the memory
// and disk checks, which refuse a command that cannot fit before anything is read. Each command
// says what it writes and needs; the order and the agreement between ranks are the preamble's.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/preflight.hpp"
#include "io/file_identity.hpp"
#include "io/input.hpp"
#include "mpinmf/options.hpp"
#include "parallel/comm.hpp"

namespace mpinmf {

/// A file a command writes: refused when it exists, unless it may be replaced.
struct OutputPath {
  std::string path;
  bool replace = false;
  std::string if_exists;        // what to do instead; empty: pass --overwrite
  std::string role = "output";  // what the file is, for messages
};

/// What a command asks of the preamble; a step it leaves empty is skipped.
struct PreambleRequest {
  /// The command's --threads and --skip-resource-check; nullptr for a command that takes
  /// neither (generate), whose threads are left as the environment set them.
  const ResourceSettings* resources = nullptr;
  std::vector<OutputPath> outputs{};
  /// The files the command reads besides its matrix (a model, a start, a checkpoint): no
  /// output may be one of them, however spelled (io/file_identity.hpp).
  std::vector<io::FileRole> reads{};
  /// The matrix the command reads; nullptr when it reads none (generate).
  const InputSettings* input = nullptr;
  /// The command's checks of the input's shape and of its settings against the ranks (k fits,
  /// the model matches, the groups divide the ranks). Collective: it agrees on its failures
  /// (Communicator::run_agreed).
  std::function<void(const Communicator&, const io::InputPlan&)> check_input{};
  /// The memory and disk checks, given the input and the rank's threads; collective, and
  /// skipped with --skip-resource-check (or without `resources`).
  std::function<void(Communicator&, const io::InputPlan&, int threads)> check_resources{};
};

/// What the preamble settled.
struct Preamble {
  int threads = 1;
  io::InputPlan input;              // empty when the command reads no matrix
  double inspection_seconds = 0.0;  // spent inspecting the input's file
};

/// Runs the steps `request` asks for, in order. Collective; every failure is agreed and thrown
/// on every rank as AgreedError.
Preamble run_preamble(Communicator& comm, const PreambleRequest& request);

/// For the commands that keep no state to resume from (generate, convert, project, survey):
/// throws Interrupted on every rank when a stop signal (SIGTERM, SIGINT, SIGUSR1) reached
/// any rank since the preamble installed the handlers, saying that `outputs` were not
/// written. Collective; called between the command's steps and once its output's contents
/// are written (io::OutputFinish::stop_check), so that a stop leaves no partial file.
void stop_if_signalled(Communicator& comm, const std::string& outputs);

/// This rank's rows of the input, as the readers split them (io::read_input), checked finite
/// and non-negative: for the commands that read V without factorizing it (load_matrix does
/// the same for those that do, and also refuses a V of zeros). Collective; errors are agreed.
io::LocalInput read_checked_rows(Communicator& comm, const io::InputPlan& plan);

/// How a command's memory depends on V's rows: each rank's peak for its share of them, and
/// what to suggest when that does not fit.
struct MemoryNeed {
  /// A rank's peak when it holds `rows` of V's rows and `ranks` ranks share them.
  std::function<MemoryEstimate(Index rows, int ranks)> estimate;
  Index rows = 0;  // of V
  int ranks = 1;   // that share V's rows: all of them, or a survey's group
  /// What to do instead, given the fewest ranks sharing V's rows whose each would fit (0 when
  /// none would) with `per_node` ranks on a node like this one.
  std::function<std::string(int ranks_that_fit, int per_node)> advice;
};

/// A collective: refuses, with the same AgreedError on every rank, a command whose largest
/// rank (holding an even share of V's rows) needs more memory than its node has available for
/// each of its ranks there.
void check_memory(const Communicator& comm, const MemoryNeed& need);

/// The advice of a command whose ranks all share V's rows: more of them, on more nodes.
std::string more_ranks_advice(int ranks_that_fit, int per_node);

/// The memory of a rank that holds `rows` of V's rows in double as `plan` stores them (dense,
/// or CSR with 64-bit indices), with what reading them takes at its peak; the command adds its
/// own factors and workspace.
MemoryEstimate input_memory(const io::InputPlan& plan, Index rows);

/// The entries of V a rank holds with `rows` of its rows (all of them when V is dense; for
/// sparse V, its share of the nonzeros, the rows being split by nonzeros).
std::int64_t entries_in_rows(const io::InputPlan& plan, Index rows);

}  // namespace mpinmf
