#pragma once
// Matrix Market (.mtx, and .mtx.gz) reading, checked line by line: every fault is reported as
// "<source>: line N: <what is wrong>". Pure C++ (zlib for gzip), no MPI and no HDF5.
//
// Supported: `%%MatrixMarket matrix coordinate {real|double|integer|pattern}
// {general|symmetric}` and `%%MatrixMarket matrix array {real|double|integer}
// {general|symmetric}`, keywords in any case as the format allows. Complex, Hermitian and
// skew-symmetric matrices are refused (NMF needs real entries >= 0). Comment (`%`) and blank
// lines may appear anywhere after the banner; a line may end in CRLF.
//
// Entries come out as 0-based triplets. Symmetric files must list only the lower triangle;
// each off-diagonal entry is also produced mirrored. Pattern entries have value 1. Array
// (dense, column-major) files produce their nonzero entries only. Repeated coordinates are
// passed through as they are: they are summed where triplets become CSR (`triplets_to_csr`,
// sparse_structure.hpp), the policy that file states.

#include <cstdint>
#include <fstream>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/sparse_structure.hpp"

namespace mpinmf::io {

enum class MatrixMarketFormat { coordinate, array };
enum class MatrixMarketField { real, integer, pattern };
enum class MatrixMarketSymmetry { general, symmetric };

struct MatrixMarketHeader {
  MatrixMarketFormat format = MatrixMarketFormat::coordinate;
  MatrixMarketField field = MatrixMarketField::real;
  MatrixMarketSymmetry symmetry = MatrixMarketSymmetry::general;
  std::int64_t rows = 0;
  std::int64_t columns = 0;
  /// Entry lines the file declares: the size line's count (coordinate), rows × columns
  /// (array general) or the lower triangle's size (array symmetric).
  std::int64_t declared_entries = 0;
};

/// Reads one Matrix Market stream: the header on construction, then the entries.
class MatrixMarketReader {
 public:
  /// Reads and checks the banner, comments and size line. `source` names the input in
  /// messages (usually the file name). Throws Error.
  MatrixMarketReader(std::istream& input, std::string source);

  [[nodiscard]] const MatrixMarketHeader& header() const { return header_; }

  /// Reads every entry line, passing each entry (and its mirror, for symmetric files) to
  /// `sink`, and checks that the file holds exactly the declared entries and nothing after
  /// them. Throws Error at the first bad line.
  void read_entries(const std::function<void(const Triplet&)>& sink);

 private:
  [[noreturn]] void fail(const std::string& what) const;
  /// The next line without its line end; false at the end of the input.
  bool next_line(std::string_view& line);
  /// The next line that is neither blank nor a comment.
  bool next_content_line(std::string_view& line);
  void read_banner();
  void read_size_line();
  /// A 1-based index in [1, extent] from the file, made 0-based.
  [[nodiscard]] std::int64_t parse_index(std::string_view text, std::string_view axis,
                                         std::int64_t extent) const;
  /// A value as the header's field says, finite and >= 0.
  [[nodiscard]] double parse_value(std::string_view text) const;

  std::istream& input_;
  std::string source_;
  std::unique_ptr<char[]> line_buffer_;  // where next_line's views point
  std::int64_t line_number_ = 0;
  std::int64_t size_line_number_ = 0;
  MatrixMarketHeader header_;
};

/// A whole Matrix Market matrix: its header and its entries as triplets.
struct MatrixMarketMatrix {
  MatrixMarketHeader header;
  std::vector<Triplet> triplets;
};

/// Reads a Matrix Market matrix from `input`, plain or gzip-compressed (recognized by its
/// magic bytes, not by a name). Throws Error naming `source`.
/// A Matrix Market text, decompressed on the fly when it is gzip (known by its magic
/// bytes, whatever the file is called).
class MatrixMarketText {
 public:
  MatrixMarketText(std::istream& input, const std::string& source);
  std::istream& stream() { return *input_; }

 private:
  std::unique_ptr<std::istream> decompressed_;
  std::istream* input_;
};

/// A Matrix Market file opened for reading; throws Error naming it when it cannot be.
class MatrixMarketFile {
 public:
  explicit MatrixMarketFile(const std::string& path);
  std::istream& stream() { return text_->stream(); }

 private:
  std::ifstream file_;
  std::optional<MatrixMarketText> text_;
};

MatrixMarketMatrix read_matrix_market(std::istream& input, const std::string& source);

/// Opens `path` and reads it as above; the path names the input in messages.
MatrixMarketMatrix read_matrix_market_file(const std::string& path);

/// A stream of the decompressed bytes of gzip data read from `compressed` (concatenated
/// members included). Corrupt or truncated data throws Error naming `source` from the read
/// that meets it.
std::unique_ptr<std::istream> gzip_decompressing_stream(std::istream& compressed,
                                                        const std::string& source);

}  // namespace mpinmf::io
