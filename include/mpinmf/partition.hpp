#pragma once
// Which rows (or columns) each rank owns: a pure function of the sizes.

#include "mpinmf/types.hpp"

namespace mpinmf {

/// A half-open range [begin, end) of global indices.
struct IndexRange {
  Index begin = 0;
  Index end = 0;

  [[nodiscard]] Index size() const { return end - begin; }
  bool operator==(const IndexRange& other) const = default;
};

/// Splits `count` items into `parts` contiguous blocks whose sizes differ by at most one
/// (the first `count % parts` blocks get the extra item) and returns block `part`.
/// Blocks may be empty when there are more parts than items.
IndexRange even_block(Index count, int parts, int part);

}  // namespace mpinmf
