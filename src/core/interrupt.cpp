#include "core/interrupt.hpp"

#include <unistd.h>

#include <array>
#include <csignal>

namespace mpinmf {
namespace {

constexpr std::array<int, 3> kStopSignals{SIGTERM, SIGINT, SIGUSR1};

// Written only by the handler, read by the loop: the one kind of state a handler may touch.
volatile std::sig_atomic_t received_signal = 0;
volatile std::sig_atomic_t sigint_seen = 0;

std::array<struct sigaction, kStopSignals.size()> previous_actions{};

extern "C" void note_stop_request(int signal_number) {
  if (signal_number == SIGINT) {
    if (sigint_seen != 0) {
      _exit(kExitImmediate);
    }
    sigint_seen = 1;
  }
  if (received_signal == 0) {
    received_signal = signal_number;
  }
}

}  // namespace

InterruptHandlers::InterruptHandlers() {
  received_signal = 0;
  sigint_seen = 0;
  struct sigaction action {};
  action.sa_handler = note_stop_request;
  sigemptyset(&action.sa_mask);
  // Restart interrupted system calls: MPI and HDF5 should not see EINTR because of us.
  action.sa_flags = SA_RESTART;
  for (std::size_t i = 0; i < kStopSignals.size(); ++i) {
    sigaction(kStopSignals[i], &action, &previous_actions[i]);
  }
}

InterruptHandlers::~InterruptHandlers() {
  for (std::size_t i = 0; i < kStopSignals.size(); ++i) {
    sigaction(kStopSignals[i], &previous_actions[i], nullptr);
  }
}

std::optional<int> interrupt_signal() {
  const int signal_number = received_signal;
  if (signal_number == 0) {
    return std::nullopt;
  }
  return signal_number;
}

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGUSR1:
      return "SIGUSR1";
    default:
      return "a signal";
  }
}

}  // namespace mpinmf
