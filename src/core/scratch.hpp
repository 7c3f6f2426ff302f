#pragma once
// Scratch memory that outlives a call. A pure function (a rule's update, a Gram summed in
// shares) that needs a temporary whose size it learns only from its arguments takes it from
// here rather than from the heap: each thread keeps one buffer per use, grown to the largest
// size asked of it and reused after. The loop's iterations ask the same sizes, so after the
// first nothing in them allocates (tests/allocation).

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <vector>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// `count` entries of this thread's buffer for `Use` (a tag type naming the use, so that two
/// buffers a function holds at once are distinct); their values are whatever was left there.
template <typename Scalar, typename Use>
Scalar* scratch_entries(Index count) {
  thread_local std::vector<Scalar> storage;
  if (storage.size() < static_cast<std::size_t>(count)) {
    storage.resize(static_cast<std::size_t>(count));
  }
  return storage.data();
}

/// A `rows` × `columns` matrix of type `Plain` over this thread's buffer for `Use`, which
/// holds at least `capacity` entries: a caller whose sizes vary from call to call (the last,
/// narrower block of columns) asks for the largest at once.
template <typename Plain, typename Use>
Eigen::Map<Plain> scratch_matrix(Index rows, Index columns, Index capacity = 0) {
  return {scratch_entries<typename Plain::Scalar, Use>(std::max(rows * columns, capacity)), rows,
          columns};
}

}  // namespace mpinmf
