#pragma once
// Work on a rank's rows (or columns) shared among its threads as ranks would share it: each
// thread one contiguous block, each block's result in a place of its own, BLAS on one thread
// meanwhile. Long, thin products and the k × k sums over a factor's rows run faster this way
// than as one BLAS call on all the threads, whose own split suits these shapes less.

#include <omp.h>

#include <algorithm>

#include "core/partition.hpp"
#include "core/resources.hpp"

namespace mpinmf {

/// How many blocks for_each_thread_share splits `extent` items into: the rank's threads, at
/// most one per item.
inline int thread_shares(Index extent) {
  return static_cast<int>(std::clamp<Index>(omp_get_max_threads(), 1, std::max<Index>(extent, 1)));
}

/// Runs `part(share, range)` for each of the thread_shares(extent) blocks of [0, extent), on
/// the rank's threads, each block on one thread (BLAS and any parallel loop inside it too).
/// One block runs on the calling thread, with BLAS's and OpenMP's threads left as they are.
template <typename Part>
void for_each_thread_share(Index extent, Part part) {
  const int shares = thread_shares(extent);
  if (shares == 1) {
    part(0, IndexRange{0, extent});
    return;
  }
  const OwnLoopsHaveTheCores own_loops;
#pragma omp parallel for schedule(static, 1) num_threads(shares)
  for (int share = 0; share < shares; ++share) {
    omp_set_num_threads(1);  // this thread's own setting, for loops nested in `part`
    part(share, even_block(extent, shares, share));
  }
}

}  // namespace mpinmf
