#include "commands/convert.hpp"

#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "commands/preamble.hpp"
#include "core/bytes.hpp"
#include "core/fault_injection.hpp"
#include "io/input.hpp"
#include "io/matrix_file.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf {
namespace {

constexpr double kDenseCopyFloorBytes = 1024.0 * 1024.0 * 1024.0;
constexpr double kDenseCopyGrowth = 4.0;
constexpr double kCsrBytesPerNonzero = 16.0;  // a float64 value and an int64 index

std::string percent(double part, double whole) {
  std::ostringstream text;
  text << std::setprecision(3) << (whole > 0.0 ? 100.0 * part / whole : 0.0) << "%";
  return text.str();
}

}  // namespace

std::optional<std::string> dense_copy_refusal(Index rows, Index columns, std::int64_t nonzeros) {
  const double dense_bytes = 8.0 * static_cast<double>(rows) * static_cast<double>(columns);
  const double csr_bytes = kCsrBytesPerNonzero * static_cast<double>(nonzeros);
  if (dense_bytes <= kDenseCopyFloorBytes || dense_bytes <= kDenseCopyGrowth * csr_bytes) {
    return std::nullopt;
  }
  return "a dense copy of this " + std::to_string(rows) + " × " + std::to_string(columns) +
         " matrix would take " + format_bytes(dense_bytes) + " for " + std::to_string(nonzeros) +
         " stored entries (" + percent(static_cast<double>(nonzeros), dense_bytes / 8.0) +
         ", about " + format_bytes(csr_bytes) +
         " as CSR); keep --layout csr (mpinmf reads it as fast), or pass --force-dense";
}

namespace {

OutputLayout layout_for(const ConvertOptions& options, const io::InputPlan& plan) {
  return options.layout != OutputLayout::automatic ? options.layout
         : plan.sparse()                           ? OutputLayout::csr
                                                   : OutputLayout::dense;
}

/// A rank's memory holding `rows` of V's rows: the rows as read, and the copy the writer makes
/// of them in the layout written (CSR without stored zeros, at most every entry of a dense
/// block; or a sparse block expanded).
MemoryEstimate conversion_memory(const io::InputPlan& plan, OutputLayout layout, Index rows) {
  MemoryEstimate memory = input_memory(plan, rows);
  const std::int64_t entries = entries_in_rows(plan, rows);
  const std::int64_t copy = layout == OutputLayout::csr ? 16 * entries + 16 * (rows + 1)
                            : plan.sparse()             ? 8 * rows * plan.columns
                                                        : 0;
  memory.workspace = std::max(memory.workspace, copy);
  return memory;
}

/// The file: the CSR arrays (at most every entry of a dense input) or the dense dataset.
std::int64_t conversion_file_bytes(const io::InputPlan& plan, OutputLayout layout) {
  return layout == OutputLayout::csr ? 16 * plan.stored_entries + 8 * (plan.rows + 1)
                                     : 8 * static_cast<std::int64_t>(plan.rows) * plan.columns;
}

/// The conversion's preamble (commands/preamble.hpp): the output; a dense copy far larger than
/// the nonzeros; memory and disk.
io::InputPlan prepare_conversion(Communicator& comm, const ConvertOptions& options) {
  PreambleRequest request{&options};
  request.outputs = {{options.output, options.overwrite, ""}};
  request.input = &options;
  request.check_input = [&](const Communicator& all, const io::InputPlan& plan) {
    all.run_agreed([&] {
      static_cast<void>(planned_fault());  // a malformed MPINMF_FAULT fails here, on every rank
      if (layout_for(options, plan) == OutputLayout::dense && plan.sparse() &&
          !options.force_dense) {
        if (const auto refusal = dense_copy_refusal(plan.rows, plan.columns, plan.stored_entries)) {
          throw Error(plan.source + ": " + *refusal);
        }
      }
    });
  };
  request.check_resources = [&](Communicator& all, const io::InputPlan& plan, int) {
    const OutputLayout layout = layout_for(options, plan);
    check_memory(all, {[&](Index rows, int) { return conversion_memory(plan, layout, rows); },
                       plan.rows, all.size(), more_ranks_advice});
    check_disk_space(all, options.output, conversion_file_bytes(plan, layout));
  };
  return run_preamble(comm, request).input;
}

}  // namespace

void run_conversion(Communicator& comm, const ConvertOptions& options, std::ostream& out) {
  const double start = MPI_Wtime();
  const io::InputPlan plan = prepare_conversion(comm, options);
  const OutputLayout layout = layout_for(options, plan);
  const io::LocalInput local = read_checked_rows(comm, plan);
  const auto stop_check = [&] { stop_if_signalled(comm, options.output); };
  stop_check();
  const std::int64_t nonzeros = comm.sum_counts(io::nonzero_entries(local));
  const std::vector<io::Attribute> attributes{
      {"input", plan.source},
      {"input_format", plan.description},
      {"transposed", static_cast<std::int64_t>(options.transpose ? 1 : 0)},
      {"version", std::string(MPINMF_VERSION)},
      {"command_line", options.command_line},
  };
  io::write_matrix_file(comm, options.output, options.output_dataset, layout, local, plan.rows,
                        plan.columns, attributes,
                        {.labels = io::read_labels(comm, plan), .stop_check = stop_check});

  if (comm.is_root()) {
    std::error_code error;
    const auto bytes = std::filesystem::file_size(options.output, error);
    out << "mpinmf convert: wrote " << options.output << ":" << options.output_dataset << " ("
        << (layout == OutputLayout::csr ? "CSR" : "dense float64") << "), " << plan.rows << " × "
        << plan.columns << ", " << nonzeros << " nonzeros ("
        << percent(static_cast<double>(nonzeros),
                   static_cast<double>(plan.rows) * static_cast<double>(plan.columns))
        << "), " << (error ? std::string("size unknown") : format_bytes(static_cast<double>(bytes)))
        << ", from " << plan.source << " (" << plan.description
        << (options.transpose ? ", transposed" : "") << ") in " << std::fixed
        << std::setprecision(3) << MPI_Wtime() - start << " s\n";
  }
}

}  // namespace mpinmf
