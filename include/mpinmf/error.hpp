#pragma once
// The kinds of failure: one rank's own, the one all ranks agreed on, a stop on request, and a
// failed MPI call.

#include <stdexcept>
#include <string>

namespace mpinmf {

/// A failure seen by the rank that throws it (bad input, an I/O error, bad options).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A failure every rank has agreed on, thrown on all ranks at the same point, so that no
/// rank waits in a collective another rank has left.
class AgreedError : public std::runtime_error {
 public:
  AgreedError(const std::string& message, int origin_rank)
      : std::runtime_error(message), origin_rank_(origin_rank) {}
  /// The lowest rank that saw the failure first.
  [[nodiscard]] int origin_rank() const { return origin_rank_; }

 private:
  int origin_rank_;
};

/// A run stopped on request (a signal) after saving its state; thrown on every rank alike.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An MPI call returned an error ("MPI_Allreduce failed: " and MPI's reason), which it does
/// only where the communicator's error handler is MPI_ERRORS_RETURN. Never agreed on, and not
/// an Error: the other ranks may be waiting inside the call that failed, so no collective can
/// follow it; MPI_Abort is the way out.
class MpiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mpinmf
