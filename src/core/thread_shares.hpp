#pragma once
// Work on a rank's rows (or columns) shared among its threads as ranks would share it: each
// thread one contiguous block, each block's result in a place of its own, BLAS on one thread
// meanwhile. Long, thin products and the k × k sums over a factor's rows run faster this way
// than as one BLAS call on all the threads, whose own split suits these shapes less.

#include <omp.h>

#include <algorithm>
#include <vector>

#include "core/partition.hpp"
#include "core/resources.hpp"
#include "mpinmf/types.hpp"

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

/// Runs `body(i)` for each i in [0, count): on the rank's threads, `chunk` items at a time
/// dealt out in turn (so that a thread gets the same items every call, and the scratch memory
/// it keeps, core/scratch.hpp, has the sizes it needs from the first), where it has several
/// threads and more than one chunk; otherwise on the calling thread alone. An OpenMP region
/// of one thread still costs a team, which libgomp allocates and frees every time: more than
/// small work is worth, and an allocation in every iteration (tests/allocation).
template <typename Body>
void parallel_for_each_index(Index count, Index chunk, Body body) {
  if (omp_get_max_threads() == 1 || count <= chunk) {
    for (Index i = 0; i < count; ++i) {
      body(i);
    }
    return;
  }
#pragma omp parallel for schedule(static, chunk)
  for (Index i = 0; i < count; ++i) {
    body(i);
  }
}

/// out = first + the partials, added in thread order (so that a thread count gives the same
/// sums every run), columns shared among the threads. `first` (the first thread's partial)
/// may be `out` itself. Wᵀ V split by rows, sparse and dense, and the KL rule's Wᵀ(V ⊘ WH) end
/// here.
template <typename First, typename Partial, typename Scalar>
void add_thread_partials(First& first, const std::vector<Partial>& partials,
                         ColumnsOf<Scalar>& out) {
  const bool in_place = static_cast<const void*>(&first) == static_cast<const void*>(&out);
  for_each_thread_share(out.cols(), [&](int /*share*/, IndexRange columns) {
    auto sum = first.middleCols(columns.begin, columns.size());
    std::for_each(partials.begin(), partials.end(), [&](const Partial& partial) {
      sum += partial.middleCols(columns.begin, columns.size());
    });
    if (!in_place) {
      out.middleCols(columns.begin, columns.size()) = sum;
    }
  });
}

}  // namespace mpinmf
