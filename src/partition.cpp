#include "mpinmf/partition.hpp"

#include <algorithm>
#include <stdexcept>

namespace mpinmf {

IndexRange even_block(Index count, int parts, int part) {
  if (count < 0 || parts < 1 || part < 0 || part >= parts) {
    throw std::invalid_argument("even_block: invalid count, parts or part");
  }
  const Index base = count / parts;
  const Index extra = count % parts;
  const Index begin = part * base + std::min<Index>(part, extra);
  const Index size = base + (part < extra ? 1 : 0);
  return {begin, begin + size};
}

}  // namespace mpinmf
