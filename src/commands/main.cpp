// The command-line entry point: the only code that sees argv.

#include <mpi.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <variant>

#include "commands/cli_options.hpp"
#include "commands/convert.hpp"
#include "commands/factorize_command.hpp"
#include "commands/generate.hpp"
#include "commands/project.hpp"
#include "commands/survey.hpp"
#include "core/interrupt.hpp"
#include "mpinmf/error.hpp"
#include "parallel/comm.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

/// A failure the other ranks have not agreed on: the only safe way out is to take them all
/// down. A failed MPI call comes here from where it failed (Communicator's on_failure), not
/// unwinding through destructors that would wait on ranks still inside the call.
[[noreturn]] void abort_run(const std::string& message) {
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::cerr << "mpinmf: fatal error on rank " << rank << ": " << message << std::endl;
  MPI_Abort(MPI_COMM_WORLD, kExitFailure);
  std::abort();  // MPI_Abort does not return
}

/// Each command's run function, chosen by the type of the settings its parser filled
/// (commands/cli_options.hpp: CommandSettings); a command without one does not compile.
struct RunCommand {
  mpinmf::Communicator& comm;
  std::ostream& out;
  void operator()(const mpinmf::RunOptions& options) const {
    mpinmf::run_factorization(comm, options, out);
  }
  void operator()(const mpinmf::ProjectOptions& options) const {
    mpinmf::run_projection(comm, options, out);
  }
  void operator()(const mpinmf::ConvertOptions& options) const {
    mpinmf::run_conversion(comm, options, out);
  }
  void operator()(const mpinmf::GenerateOptions& options) const {
    mpinmf::run_generation(comm, options, out);
  }
  void operator()(const mpinmf::SurveyOptions& options) const {
    mpinmf::run_survey(comm, options, out);
  }
};

int run_command(mpinmf::Communicator& comm, int argc, char** argv) {
  using Action = mpinmf::CommandLine::Action;
  const mpinmf::CommandLine command =
      mpinmf::parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
  switch (command.action) {
    case Action::help:
    case Action::version:
      if (comm.is_root()) {
        std::cout << command.message;
      }
      return 0;
    case Action::usage_error:
      if (comm.is_root()) {
        std::cerr << "mpinmf: " << command.message << "\n"
                  << "Try '" << command.command << " --help' for the options.\n";
      }
      return kExitUsage;
    case Action::run:
      break;
  }
  // Every subcommand notes SIGTERM, SIGINT and SIGUSR1 rather than dying of them: the main
  // command stops at its next iteration with a checkpoint, the others between their steps
  // with no file written (stop_if_signalled), all with kExitInterrupted.
  const mpinmf::InterruptHandlers handlers;
  try {
    // --quiet (every command's, in its OutputSettings): a stream without a buffer drops what
    // the command prints; errors go to std::cerr either way.
    std::ostream silent(nullptr);
    const bool quiet =
        std::visit([](const auto& settings) { return settings.quiet; }, command.settings);
    std::visit(RunCommand{comm, quiet ? silent : std::cout}, command.settings);
    return 0;
  } catch (const mpinmf::Interrupted& stop) {
    if (comm.is_root()) {
      std::cerr << "mpinmf: " << stop.what() << "\n";
    }
    return mpinmf::kExitInterrupted;
  } catch (const mpinmf::AgreedError& error) {
    if (comm.is_root()) {
      std::cerr << "mpinmf: error";
      if (comm.size() > 1) {
        std::cerr << " (seen by rank " << error.origin_rank() << ")";
      }
      std::cerr << ": " << error.what() << "\n";
    }
    return kExitFailure;
  }
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  // A failed call returns its code to Communicator's checks, which name the call and MPI's
  // reason before abort_run ends the run; communicators split from this one inherit the
  // handler. (HDF5 sets MPI_ERRORS_RETURN on its own copies anyway.)
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int exit_code = kExitFailure;
  {
    mpinmf::Communicator world(MPI_COMM_WORLD, abort_run);
    try {
      exit_code = run_command(world, argc, argv);
    } catch (const std::exception& error) {
      abort_run(error.what());
    }
  }
  MPI_Finalize();
  return exit_code;
}
