#include "commands/convert.hpp"

#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <variant>

#include "core/bytes.hpp"
#include "core/fault_injection.hpp"
#include "io/input.hpp"
#include "io/matrix_file.hpp"
#include "io/validate.hpp"
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

void run_conversion(Communicator& comm, const ConvertOptions& options, std::ostream& out) {
  const double start = MPI_Wtime();
  io::check_output_path(comm, options.output, options.overwrite);
  const io::InputPlan plan =
      io::inspect_input(comm, {options.input, options.dataset, options.format, options.transpose});
  const OutputLayout layout = options.layout != OutputLayout::automatic ? options.layout
                              : plan.sparse()                           ? OutputLayout::csr
                                                                        : OutputLayout::dense;
  comm.run_agreed([&] {
    static_cast<void>(planned_fault());  // a malformed MPINMF_FAULT fails here, on every rank
    if (layout == OutputLayout::dense && plan.sparse() && !options.force_dense) {
      if (const auto refusal = dense_copy_refusal(plan.rows, plan.columns, plan.stored_entries)) {
        throw Error(plan.source + ": " + *refusal);
      }
    }
  });

  io::LocalInput local = io::read_input(comm, plan);
  // Sparse rows are validated as they are read; dense ones here.
  if (const auto* dense = std::get_if<RowMatrix>(&local.V)) {
    io::require_nonnegative_finite(comm, *dense, local.rows.begin, plan.source);
  }
  const std::int64_t nonzeros = comm.sum_counts(io::nonzero_entries(local));
  const std::vector<io::Attribute> attributes{
      {"input", plan.source},
      {"input_format", plan.description},
      {"transposed", static_cast<std::int64_t>(options.transpose ? 1 : 0)},
      {"version", std::string(MPINMF_VERSION)},
      {"command_line", options.command_line},
  };
  io::write_matrix_file(comm, options.output, options.output_dataset, layout, local, plan.rows,
                        plan.columns, attributes, io::read_labels(comm, plan));

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
