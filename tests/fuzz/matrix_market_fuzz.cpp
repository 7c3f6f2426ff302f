// libFuzzer target: arbitrary bytes as a Matrix Market file, plain or gzip-compressed. The
// reader must throw mpinmf::Error or return entries that lie inside the matrix with finite
// values >= 0, which the CSR conversion must accept and make canonical.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "io/matrix_market.hpp"
#include "mpinmf/error.hpp"

namespace {

/// triplets_to_csr allocates rows + 1 pointers; a reader holding W (rows × k) bounds the rows
/// anyway, so larger headers are only parsed here.
constexpr std::int64_t kMaxRowsForCsr = std::int64_t{1} << 16;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mpinmf::io;
  std::istringstream input(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const MatrixMarketMatrix matrix = read_matrix_market(input, "fuzz.mtx");
    const MatrixMarketHeader& header = matrix.header;
    for (const Triplet& entry : matrix.triplets) {
      require(entry.row >= 0 && entry.row < header.rows);
      require(entry.column >= 0 && entry.column < header.columns);
      require(invalid_value_kind(entry.value).empty());
    }
    if (header.rows <= kMaxRowsForCsr) {
      const CompressedMatrix csr =
          triplets_to_csr(header.rows, header.columns, matrix.triplets, "fuzz.mtx");
      require(validate_compressed(csr.view(), "fuzz.mtx"));
    }
  } catch (const mpinmf::Error&) {
    // Refusing bad input with a message is the expected outcome.
  }
  return 0;
}
