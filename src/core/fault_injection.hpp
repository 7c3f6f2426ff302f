#pragma once
// Faults on demand, for the tests that prove one rank's failure stops every rank cleanly
// and that a killed run resumes from its checkpoint. Inactive unless the environment
// variable MPINMF_FAULT names a fault; checking it costs one branch.
//
//   MPINMF_FAULT=<point>@<rank>[:<iteration>]
//
//   read        rank's read of V fails (before the collective read)
//   alloc       rank runs out of memory allocating its block of V
//   nan         a NaN appears in the rank's W after the given iteration's update
//   kill        the rank is killed (SIGKILL) in the middle of the given iteration
//   write       the rank's write of the output (or a checkpoint) fails
//   checkpoint-crash  the rank is killed while the checkpoint of the given iteration is
//               being written (its data sent, the file not yet closed and renamed)
//   signal      the rank receives SIGUSR1 once it has created the temporary file of an
//               output (as if mpirun forwarded one mid-write)
//
// Without an iteration, the fault fires at every iteration (in practice the first).

#include <optional>
#include <string>
#include <string_view>

namespace mpinmf {

enum class FaultPoint { read, alloc, nan, kill, write, checkpoint_crash, signal };

struct PlannedFault {
  FaultPoint point = FaultPoint::read;
  int rank = 0;
  std::optional<int> iteration;
};

/// Parses a MPINMF_FAULT value; throws Error naming what is wrong.
PlannedFault parse_fault(std::string_view text);

/// The fault MPINMF_FAULT plans, if any (parsed once; throws Error if malformed).
const std::optional<PlannedFault>& planned_fault();

/// Whether `point` should fail now on `rank` (at `iteration`, where the point has one).
bool fault_planned(FaultPoint point, int rank, int iteration = -1);

/// Sends this process SIGUSR1 when `point` is planned here (its handler, if any, runs).
void signal_if_planned(FaultPoint point, int rank);

/// Kills this process at once with SIGKILL when `point` is planned here, as a node
/// failure or the OOM killer would: no handler, no cleanup.
void kill_if_planned(FaultPoint point, int rank, int iteration);

}  // namespace mpinmf
