#pragma once
// Requests to stop early. Slurm sends SIGTERM at a time limit or preemption (or the signal
// `--signal` chooses, SIGUSR1 usually, some time before), users press Ctrl-C. A handler
// only notes the request; the loop agrees on it across ranks at the end of an iteration,
// writes a checkpoint and exits with kExitInterrupted. A second SIGINT exits at once.

#include <optional>

namespace mpinmf {

/// Exit status of a run stopped by a signal after writing its checkpoint: EX_TEMPFAIL
/// from sysexits.h, "try again later", which batch scripts use to requeue the job.
inline constexpr int kExitInterrupted = 75;

/// Exit status after a second SIGINT (128 + SIGINT, as shells report it).
inline constexpr int kExitImmediate = 130;

/// Installs the handlers for SIGTERM, SIGINT and SIGUSR1 for its lifetime.
class InterruptHandlers {
 public:
  InterruptHandlers();
  ~InterruptHandlers();
  InterruptHandlers(const InterruptHandlers&) = delete;
  InterruptHandlers& operator=(const InterruptHandlers&) = delete;
};

/// The first signal received while the handlers were installed, if any.
std::optional<int> interrupt_signal();

/// "SIGTERM", "SIGINT", "SIGUSR1" or the number.
const char* signal_name(int signal_number);

}  // namespace mpinmf
