#include "mpinmf/io/validate.hpp"

#include <cmath>
#include <sstream>

namespace mpinmf::io {

std::optional<LocalFailure> first_invalid_entry(const RowMatrix& block, Index first_row,
                                                Index total_columns, const std::string& source) {
  for (Index i = 0; i < block.rows(); ++i) {
    for (Index j = 0; j < block.cols(); ++j) {
      const double value = block(i, j);
      if (value >= 0.0 && std::isfinite(value)) {
        continue;
      }
      const Index row = first_row + i;
      std::ostringstream message;
      message.precision(17);
      message << source << ": entry at row " << row << ", column " << j << " (0-based) is " << value
              << "; NMF needs every entry of V to be finite and >= 0";
      return LocalFailure{message.str(), static_cast<std::int64_t>(row * total_columns + j)};
    }
  }
  return std::nullopt;
}

void require_nonnegative_finite(const Communicator& comm, const RowMatrix& block, Index first_row,
                                const std::string& source) {
  comm.agree(first_invalid_entry(block, first_row, block.cols(), source));
}

}  // namespace mpinmf::io
