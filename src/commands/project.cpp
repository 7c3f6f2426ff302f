#include "commands/project.hpp"

#include <algorithm>
#include <memory>
#include <ostream>
#include <type_traits>
#include <variant>

#include "commands/preamble.hpp"
#include "engine/loop_control.hpp"
#include "engine/projection.hpp"
#include "io/dense_reader.hpp"
#include "io/factor_file.hpp"
#include "io/validate.hpp"
#include "mpinmf/error.hpp"
#include "rules/nnls_bpp.hpp"

namespace mpinmf {
namespace {

/// The shapes of the model's factors.
struct ModelShape {
  io::DenseShape W;
  io::DenseShape H;
  [[nodiscard]] Index k() const { return W.columns; }
};

/// Inspects the model and checks that V' fits it: the model's rows (new columns) or columns
/// (new rows). Collective; errors are agreed.
ModelShape inspect_model(const Communicator& comm, const ProjectOptions& options,
                         const io::InputPlan& plan) {
  const ModelShape model{io::inspect_dense(comm, options.model, "/W"),
                         io::inspect_dense(comm, options.model, "/H")};
  comm.run_agreed([&] {
    if (model.W.columns != model.H.rows) {
      throw Error(options.model + ": its W has " + std::to_string(model.W.columns) +
                  " columns but its H has " + std::to_string(model.H.rows) +
                  " rows; a model's W and H share k");
    }
    if (options.axis == "columns" && plan.rows != model.W.rows) {
      throw Error(plan.source + " has " + std::to_string(plan.rows) +
                  " rows but the model's W has " + std::to_string(model.W.rows) +
                  ": new samples as columns need the model's rows (or use --axis rows)");
    }
    if (options.axis == "rows" && plan.columns != model.H.columns) {
      throw Error(plan.source + " has " + std::to_string(plan.columns) +
                  " columns but the model's H has " + std::to_string(model.H.columns) +
                  ": new rows need the model's columns (or use --axis columns)");
    }
  });
  return model;
}

/// A rank's memory holding `rows` of V''s rows when `ranks` ranks share them: V' as read; by
/// columns, its rows of W, WᵀV' and H' (k × n' each), its columns of WᵀV' with the solver's
/// scratch and the reduce-scatter's buffers, or H' copied for writing; by rows, H (read, and
/// a copy), W'' and V'' Hᵀ, with the solver's scratch for its rows.
MemoryEstimate projection_memory(const io::InputPlan& plan, bool by_columns, Index k, Index rows,
                                 int ranks) {
  constexpr std::int64_t kDouble = sizeof(double);
  MemoryEstimate memory = input_memory(plan, rows);
  const Index n = plan.columns;
  const Index solved = by_columns ? (n + ranks - 1) / std::max(1, ranks) : rows;
  const std::int64_t solving = nnls_bpp_allocated_bytes(k, solved) + 2 * kDouble * k * solved;
  if (by_columns) {
    memory.factors = kDouble * (rows * k + 2 * k * n + k * k);
    const std::int64_t reduce_scatter = ranks > 1 ? 2 * kDouble * k * n : 0;
    memory.workspace =
        std::max({memory.workspace, solving + reduce_scatter, kFileIoBytes + kDouble * k * n});
  } else {
    memory.factors = kDouble * (2 * k * n + 2 * rows * k + k * k);
    memory.workspace = std::max(memory.workspace, solving);
  }
  return memory;
}

void check_projection_resources(Communicator& comm, const ProjectOptions& options,
                                const io::InputPlan& plan, Index k) {
  const bool by_columns = options.axis == "columns";
  check_memory(comm, {[&](Index rows, int ranks) {
                        return projection_memory(plan, by_columns, k, rows, ranks);
                      },
                      plan.rows, comm.size(), more_ranks_advice});
  check_disk_space(
      comm, options.output,
      factor_file_bytes(by_columns ? 0 : plan.rows, by_columns ? plan.columns : 0, k, 0));
}

/// What the projection's steps share: V''s plan and the model's shape.
struct Projection {
  io::InputPlan plan;
  ModelShape model;
};

/// The projection's preamble (commands/preamble.hpp): the output; the model against V''s
/// shape; memory and disk.
Projection prepare_projection(Communicator& comm, const ProjectOptions& options) {
  Projection projection;
  PreambleRequest request{&options};
  request.outputs = {{options.output, options.overwrite, ""}};
  request.reads = {{options.model, "model"}};
  request.input = &options;
  request.check_input = [&](const Communicator& all, const io::InputPlan& plan) {
    projection.model = inspect_model(all, options, plan);
  };
  request.check_resources = [&](Communicator& all, const io::InputPlan& plan, int) {
    check_projection_resources(all, options, plan, projection.model.k());
  };
  projection.plan = run_preamble(comm, request).input;
  return projection;
}

/// H' (axis columns) or W'' (axis rows) from this rank's rows of V', as read (in double).
Factors project(Communicator& comm, const ProjectOptions& options, const Projection& projection,
                const io::LocalInput& local) {
  const io::InputPlan& plan = projection.plan;
  const Index k = projection.model.k();
  const Penalties penalties = make_penalties(options.rule, plan.rows, plan.columns);
  Factors result;
  std::visit(
      [&](const auto& V) {
        if constexpr (std::is_same_v<typename std::decay_t<decltype(V)>::Scalar, double>) {
          if (options.axis == "columns") {
            const RowMatrix W = io::read_dense_rows(comm, options.model, "/W", local.rows);
            io::require_nonnegative_finite(comm, W, local.rows.begin, options.model + ":/W");
            result.H = project_columns(comm, V, W, penalties.H);
            result.W = RowMatrix(local.rows.size(), 0);
          } else {
            const RowMatrix H_rows = io::read_dense_rows(comm, options.model, "/H", {0, k});
            io::require_nonnegative_finite(comm, H_rows, 0, options.model + ":/H");
            result.W = project_rows(V, H_rows, penalties.W);
            result.H = Matrix(k, 0);
          }
        }
      },
      local.V);
  return result;
}

}  // namespace

void run_projection(Communicator& comm, const ProjectOptions& options, std::ostream& out) {
  const double start = MPI_Wtime();
  const Projection projection = prepare_projection(comm, options);
  const io::InputPlan& plan = projection.plan;
  const Index k = projection.model.k();
  const bool by_columns = options.axis == "columns";
  const io::LocalInput local = read_checked_rows(comm, plan);
  const auto stop_check = [&] { stop_if_signalled(comm, options.output); };
  stop_check();
  const Factors result = project(comm, options, projection, local);
  stop_check();
  const std::vector<io::Attribute> attributes{
      {"model", options.model},
      {"input", options.input},
      {"dataset", options.dataset},
      {"axis", options.axis},
      {"k", static_cast<std::int64_t>(k)},
      {"ranks", static_cast<std::int64_t>(comm.size())},
      {"version", std::string(MPINMF_VERSION)},
      {"command_line", options.command_line},
  };
  io::write_factor_file(comm, options.output, result, local.rows, plan.rows, {}, attributes,
                        {.stop_check = stop_check});
  if (comm.is_root()) {
    out << "mpinmf project: " << (by_columns ? "H' " : "W'' ")
        << (by_columns ? std::to_string(k) + " × " + std::to_string(plan.columns)
                       : std::to_string(plan.rows) + " × " + std::to_string(k))
        << " written to " << options.output << " in " << MPI_Wtime() - start << " s\n";
  }
}

}  // namespace mpinmf
