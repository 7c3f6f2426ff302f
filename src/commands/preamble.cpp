#include "commands/preamble.hpp"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <iostream>
#include <iterator>
#include <optional>
#include <ranges>
#include <variant>

#include "core/bytes.hpp"
#include "core/interrupt.hpp"
#include "core/resources.hpp"
#include "io/output_file.hpp"
#include "io/validate.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf {
namespace {

Index ceil_div(Index count, Index parts) { return (count + parts - 1) / parts; }

std::string node_name() {
  std::array<char, 256> name{};
  return gethostname(name.data(), name.size() - 1) == 0 ? name.data() : "(unnamed)";
}

/// The fewest ranks sharing V's rows evenly whose largest needs at most `bytes` (one row each
/// at most); 0 when none would. The estimates shrink as ranks are added, so the counts that
/// fit follow those that do not, and a binary search finds the first.
int fewest_ranks_that_fit(const MemoryNeed& need, std::int64_t bytes) {
  const auto too_few = [&](Index ranks) {
    return need.estimate(ceil_div(need.rows, ranks), static_cast<int>(ranks)).total() > bytes;
  };
  Index low = 1;                                              // the first count that might fit
  Index high = std::clamp<Index>(need.rows, 1, INT_MAX) + 1;  // past the last
  while (low < high) {
    const Index middle = low + (high - low) / 2;
    if (too_few(middle)) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low > std::clamp<Index>(need.rows, 1, INT_MAX) ? 0 : static_cast<int>(low);
}

/// No output is a file the command reads, nor another of its outputs, however spelled.
void check_distinct_files(const Communicator& comm, const PreambleRequest& request) {
  std::vector<io::FileRole> reads = request.reads;
  if (request.input != nullptr) {
    reads.push_back({request.input->input, "input"});
  }
  std::vector<io::FileRole> writes;
  std::ranges::transform(request.outputs, std::back_inserter(writes), [](const OutputPath& output) {
    return io::FileRole{output.path, output.role};
  });
  comm.run_agreed([&] {
    if (comm.is_root()) {
      io::require_distinct_files(reads, writes);
    }
  });
}

}  // namespace

Preamble run_preamble(Communicator& comm, const PreambleRequest& request) {
  Preamble preamble;
  const ResourceSettings* resources = request.resources;
  if (resources != nullptr) {
    preamble.threads = threads_for_rank(resources->threads, comm.ranks_on_node());
    if (comm.is_root()) {
      std::cerr << binding_advice(resources->threads, cpus_available());
    }
    use_threads(preamble.threads);
  }
  check_distinct_files(comm, request);
  for (const OutputPath& output : request.outputs) {
    if (output.if_exists.empty()) {
      io::check_output_path(comm, output.path, output.replace);
    } else {
      io::check_output_path(comm, output.path, output.replace, output.if_exists);
    }
  }
  if (const InputSettings* input = request.input) {
    const double start = MPI_Wtime();
    preamble.input = io::inspect_input(
        comm, {input->input, input->dataset, input->format, input->transpose, input->precision});
    preamble.inspection_seconds = MPI_Wtime() - start;
  }
  if (request.check_input) {
    request.check_input(comm, preamble.input);
  }
  if (resources != nullptr && request.check_resources && !resources->skip_resource_check) {
    request.check_resources(comm, preamble.input, preamble.threads);
  }
  if (resources != nullptr && request.input != nullptr) {
    use_threads(preamble.threads,
                preamble.input.sparse() ? ThreadUse::sparse_products : ThreadUse::dense_products);
  }
  return preamble;
}

void stop_if_signalled(Communicator& comm, const std::string& outputs) {
  // The signal's number, agreed: mpirun forwards one to every rank, but not at one moment.
  const std::optional<int> local = interrupt_signal();
  const int signal_number = static_cast<int>(comm.max(local ? *local : 0));
  if (signal_number != 0) {
    throw Interrupted(std::string("stopped by ") + signal_name(signal_number) + "; " + outputs +
                      " not written (nothing is left to resume from: run the command again)");
  }
}

io::LocalInput read_checked_rows(Communicator& comm, const io::InputPlan& plan) {
  io::LocalInput local = io::read_input(comm, plan);
  // Sparse rows are validated as they are read; dense ones here.
  if (const auto* dense = std::get_if<RowMatrix>(&local.V)) {
    io::require_nonnegative_finite(comm, *dense, local.rows.begin, plan.source);
  }
  return local;
}

void check_memory(const Communicator& comm, const MemoryNeed& need) {
  const int per_node = std::max(1, comm.ranks_on_node());
  comm.run_agreed([&] {
    const std::optional<std::int64_t> available = available_memory_bytes();
    if (!available) {
      return;  // no /proc/meminfo and no cgroup limit: nothing to compare with
    }
    const std::int64_t share = *available / per_node;
    const MemoryEstimate estimate =
        need.estimate(ceil_div(need.rows, std::max(1, need.ranks)), need.ranks);
    if (estimate.total() <= share) {
      return;
    }
    std::string message =
        "not enough memory: each rank needs about " + format_bytes(estimate.total()) +
        " (V block " + format_bytes(estimate.v_block) + ", factors " +
        format_bytes(estimate.factors) + ", workspace " + format_bytes(estimate.workspace) +
        ", MPI and libraries " + format_bytes(estimate.process) + ") but node " + node_name() +
        " has " + format_bytes(*available) + " available";
    if (per_node > 1) {
      message +=
          " for its " + std::to_string(per_node) + " ranks (" + format_bytes(share) + " each)";
    }
    throw Error(message + "; " + need.advice(fewest_ranks_that_fit(need, share), per_node) +
                " (--skip-resource-check runs anyway, if the estimate is too cautious)");
  });
}

std::string more_ranks_advice(int ranks_that_fit, int per_node) {
  if (ranks_that_fit == 0) {
    return "even one row of V per rank would not fit on a node like this one; use a machine "
           "with more memory";
  }
  const Index nodes = ceil_div(ranks_that_fit, per_node);
  return "about " + std::to_string(ranks_that_fit) + " ranks in all would fit (" +
         std::to_string(std::min(per_node, ranks_that_fit)) + " on each of " +
         std::to_string(nodes) + (nodes == 1 ? " node" : " nodes") +
         " like this one), or use machines with more memory";
}

std::int64_t entries_in_rows(const io::InputPlan& plan, Index rows) {
  if (!plan.sparse()) {
    return static_cast<std::int64_t>(rows) * plan.columns;
  }
  return ceil_div(plan.stored_entries * std::max<Index>(rows, 1), std::max<Index>(plan.rows, 1));
}

MemoryEstimate input_memory(const io::InputPlan& plan, Index rows) {
  const std::int64_t entries = entries_in_rows(plan, rows);
  MemoryEstimate memory;
  memory.v_block = plan.sparse() ? 16 * entries + 8 * (rows + 1) : 8 * entries;
  memory.workspace = kFileIoBytes + (plan.sparse() ? kSparseReadBytesPerEntry * entries : 0);
  memory.process = kProcessBytes;
  return memory;
}

}  // namespace mpinmf
