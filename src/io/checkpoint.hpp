#pragma once
// Checkpoints: a result file (W, H, history, the run's attributes) of the loop's latest
// state before normalization, plus what resuming needs: the loop state the factors do not
// carry, and a fingerprint of V, so that a checkpoint is refused by a run it does not
// belong to. Written like every output: under a temporary name, renamed once complete,
// so a crash mid-write leaves the previous checkpoint in place.

#include <string>
#include <vector>

#include "core/loop_state.hpp"
#include "io/factor_file.hpp"
#include "parallel/comm.hpp"
#include "starts/random_start.hpp"

namespace mpinmf::io {

/// The attributes that must match between a checkpoint and the run resuming from it
/// (rule, its settings, shape, k) and the fingerprint of V, compared to rounding since
/// another rank count sums in another order.
struct RunIdentity {
  std::vector<Attribute> exact;
  double v_squared_norm = 0.0;
  double v_sum = 0.0;
};

/// Writes the checkpoint collectively: W's rows from each rank, H, the history so far.
/// `attributes` describe the run, as in the result file.
void write_checkpoint(Communicator& comm, const std::string& path, const Factors& factors,
                      IndexRange rows, Index total_rows, const LoopSnapshot& snapshot,
                      const RunIdentity& identity, std::vector<Attribute> attributes);

struct Checkpoint {
  Factors factors;  // this rank's rows of W, and H
  LoopStart start;
};

/// Reads this rank's part of a checkpoint after checking it belongs to this run; a
/// mismatch is an agreed error saying what differs.
Checkpoint read_checkpoint(const Communicator& comm, const std::string& path, IndexRange rows,
                           Index total_rows, Index columns, Index rank,
                           const RunIdentity& identity);

}  // namespace mpinmf::io
