#include "io/matrix_market.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

constexpr std::string_view kBannerExample = "'%%MatrixMarket matrix coordinate real general'";

/// Longer lines are refused rather than buffered: real entry lines are a few dozen characters,
/// and a file without line ends must not make the reader hold all of it.
constexpr std::streamsize kMaxLineLength = std::streamsize{1} << 20;

/// The first bytes of every gzip member (RFC 1952); no Matrix Market text starts with them.
constexpr int kGzipFirstByte = 0x1f;

/// Entries reserved up front at most: the declared count is the file's claim, not a fact.
constexpr std::int64_t kMaxReservedEntries = std::int64_t{1} << 16;

/// Splits a line into fields separated by blanks, one at a time, without copying.
class Fields {
 public:
  explicit Fields(std::string_view line) : rest_(line) {}

  std::optional<std::string_view> next() {
    const std::size_t start = rest_.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
      rest_ = {};
      return std::nullopt;
    }
    rest_.remove_prefix(start);
    const std::size_t length = std::min(rest_.find_first_of(" \t"), rest_.size());
    const std::string_view field = rest_.substr(0, length);
    rest_.remove_prefix(length);
    return field;
  }

 private:
  std::string_view rest_;
};

bool is_blank_or_comment(std::string_view line) {
  const std::size_t start = line.find_first_not_of(" \t");
  return start == std::string_view::npos || line[start] == '%';
}

std::string lowercase(std::string_view text) {
  std::string lower(text);
  std::ranges::transform(lower, lower.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

/// `text` in quotes for a message: at most 40 characters, anything unprintable as '?', so that
/// a binary file still gives one readable line.
std::string excerpt(std::string_view text) {
  constexpr std::size_t kShown = 40;
  std::string shown(text.substr(0, kShown));
  std::ranges::replace_if(
      shown, [](unsigned char c) { return std::isprint(c) == 0; }, '?');
  return "'" + shown + (text.size() > kShown ? "...'" : "'");
}

/// from_chars refuses a leading '+', which Matrix Market writers may emit.
std::string_view without_plus(std::string_view text) {
  if (text.size() > 1 && text.front() == '+' && text[1] != '-' && text[1] != '+') {
    text.remove_prefix(1);
  }
  return text;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  text = without_plus(text);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

/// The number `text` spells in full; nullopt if it is not one. Beyond the range of double it
/// is ±infinity (refused later with the others), below it 0 or a subnormal, as strtod rounds.
std::optional<double> parse_real(std::string_view text) {
  text = without_plus(text);
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) {
    return std::nullopt;
  }
  if (error == std::errc::result_out_of_range) {
    // from_chars says only "out of range"; strtod tells overflow (HUGE_VAL) from underflow.
    // Matrix Market numbers use '.', and the program never changes the C locale.
    return std::strtod(std::string(text).c_str(), nullptr);
  }
  if (error != std::errc{}) {
    return std::nullopt;
  }
  return value;
}

/// The number of entries in the lower triangle (diagonal included) of an n × n matrix, for an
/// n whose square fits in int64.
std::int64_t lower_triangle_size(std::int64_t n) { return n + n * (n - 1) / 2; }

/// Decompresses gzip data from an input stream a block at a time, so that a large .mtx.gz is
/// never held whole in memory. Errors are thrown from underflow(); the stream that owns this
/// buffer lets them through (its exception mask has badbit).
class GzipBuffer : public std::streambuf {
 public:
  GzipBuffer(std::istream& compressed, std::string source)
      : compressed_(compressed), source_(std::move(source)) {
    // 16 + MAX_WBITS: a gzip header and trailer (not zlib's, not raw deflate).
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) {
      throw Error(source_ + ": cannot start gzip decompression");
    }
  }
  ~GzipBuffer() override { inflateEnd(&stream_); }
  GzipBuffer(const GzipBuffer&) = delete;
  GzipBuffer& operator=(const GzipBuffer&) = delete;
  GzipBuffer(GzipBuffer&&) = delete;
  GzipBuffer& operator=(GzipBuffer&&) = delete;

 protected:
  int_type underflow() override {
    while (!finished_) {
      if (stream_.avail_in == 0 && !refill()) {
        break;
      }
      stream_.next_out = reinterpret_cast<Bytef*>(output_.data());
      stream_.avail_out = static_cast<uInt>(output_.size());
      const int status = inflate(&stream_, Z_NO_FLUSH);
      in_member_ = true;
      if (status == Z_STREAM_END) {
        // `gzip -c a b > ab` makes one file of two members: go on with the next, if any.
        inflateReset(&stream_);
        in_member_ = false;
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        throw Error(source_ + ": corrupt gzip data (" +
                    (stream_.msg != nullptr ? stream_.msg : "inflate error") + ")");
      }
      const std::size_t produced = output_.size() - stream_.avail_out;
      if (produced > 0) {
        setg(output_.data(), output_.data(), output_.data() + produced);
        return traits_type::to_int_type(output_.front());
      }
    }
    return traits_type::eof();
  }

 private:
  /// Reads the next block of compressed bytes; false at a clean end between members.
  bool refill() {
    compressed_.read(input_.data(), static_cast<std::streamsize>(input_.size()));
    stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
    stream_.avail_in = static_cast<uInt>(compressed_.gcount());
    if (stream_.avail_in > 0) {
      return true;
    }
    if (compressed_.bad()) {
      throw Error(source_ + ": read error");
    }
    if (in_member_) {
      throw Error(source_ + ": gzip data ends early (truncated file?)");
    }
    finished_ = true;
    return false;
  }

  std::istream& compressed_;
  std::string source_;
  z_stream stream_{};
  std::array<char, std::size_t{1} << 16> input_{};
  std::array<char, std::size_t{1} << 16> output_{};
  bool in_member_ = false;
  bool finished_ = false;
};

/// Owns its buffer: the buffer is a base constructed before std::istream, which needs it.
class GzipStream : private GzipBuffer, public std::istream {
 public:
  GzipStream(std::istream& compressed, std::string source)
      : GzipBuffer(compressed, std::move(source)), std::istream(static_cast<GzipBuffer*>(this)) {
    exceptions(std::ios::badbit);
  }
};

MatrixMarketMatrix read_all(std::istream& input, const std::string& source) {
  MatrixMarketReader reader(input, source);
  MatrixMarketMatrix matrix{.header = reader.header(), .triplets = {}};
  matrix.triplets.reserve(
      static_cast<std::size_t>(std::min(matrix.header.declared_entries, kMaxReservedEntries)));
  reader.read_entries([&matrix](const Triplet& entry) { matrix.triplets.push_back(entry); });
  return matrix;
}

}  // namespace

MatrixMarketReader::MatrixMarketReader(std::istream& input, std::string source)
    : input_(input),
      source_(std::move(source)),
      line_buffer_(std::make_unique_for_overwrite<char[]>(kMaxLineLength + 1)) {
  read_banner();
  read_size_line();
}

void MatrixMarketReader::fail(const std::string& what) const {
  throw Error(source_ + ": line " + std::to_string(line_number_) + ": " + what);
}

bool MatrixMarketReader::next_line(std::string_view& line) {
  input_.getline(line_buffer_.get(), kMaxLineLength + 1);
  const std::streamsize count = input_.gcount();
  if (count == 0 && input_.eof()) {
    return false;
  }
  ++line_number_;
  if (input_.bad() || count == 0) {
    fail("read error");  // nothing read and no end: the stream itself failed
  }
  if (input_.fail()) {
    // Only a full buffer without a line end sets failbit with characters read.
    fail("line is longer than " + std::to_string(kMaxLineLength) +
         " characters; is this a Matrix Market file?");
  }
  // gcount counts the '\n' taken, but getline does not store it.
  line = std::string_view(line_buffer_.get(),
                          static_cast<std::size_t>(input_.eof() ? count : count - 1));
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return true;
}

bool MatrixMarketReader::next_content_line(std::string_view& line) {
  while (next_line(line)) {
    if (!is_blank_or_comment(line)) {
      return true;
    }
  }
  return false;
}

void MatrixMarketReader::read_banner() {
  std::string_view line;
  if (!next_line(line)) {
    line_number_ = 1;
    fail("empty input; expected the Matrix Market banner " + std::string(kBannerExample));
  }
  Fields fields(line);
  const auto banner = fields.next();
  if (!banner || lowercase(*banner) != "%%matrixmarket") {
    fail("expected the Matrix Market banner " + std::string(kBannerExample) + ", found " +
         excerpt(line));
  }
  const auto word = [&](std::string_view what) {
    const auto next = fields.next();
    if (!next) {
      fail("the banner ends before its " + std::string(what) + "; expected " +
           std::string(kBannerExample));
    }
    return lowercase(*next);
  };

  if (const std::string object = word("object"); object != "matrix") {
    fail("unsupported object " + excerpt(object) + "; only 'matrix' is supported");
  }

  const std::string format = word("format");
  if (format == "coordinate") {
    header_.format = MatrixMarketFormat::coordinate;
  } else if (format == "array") {
    header_.format = MatrixMarketFormat::array;
  } else {
    fail("unknown format " + excerpt(format) + "; expected 'coordinate' or 'array'");
  }

  const std::string field = word("field");
  if (field == "real" || field == "double") {
    header_.field = MatrixMarketField::real;
  } else if (field == "integer") {
    header_.field = MatrixMarketField::integer;
  } else if (field == "pattern" && header_.format == MatrixMarketFormat::coordinate) {
    header_.field = MatrixMarketField::pattern;
  } else if (field == "pattern") {
    fail("an 'array' file cannot be 'pattern'; pattern is for coordinate files");
  } else if (field == "complex") {
    fail("complex matrices are not supported; NMF needs real entries >= 0");
  } else {
    fail("unknown field " + excerpt(field) + "; expected 'real', 'integer' or 'pattern'");
  }

  const std::string symmetry = word("symmetry");
  if (symmetry == "general") {
    header_.symmetry = MatrixMarketSymmetry::general;
  } else if (symmetry == "symmetric") {
    header_.symmetry = MatrixMarketSymmetry::symmetric;
  } else if (symmetry == "skew-symmetric") {
    fail("skew-symmetric matrices have negative entries; NMF needs every entry >= 0");
  } else if (symmetry == "hermitian") {
    fail("hermitian matrices are complex; NMF needs real entries >= 0");
  } else {
    fail("unknown symmetry " + excerpt(symmetry) + "; expected 'general' or 'symmetric'");
  }

  if (const auto extra = fields.next()) {
    fail("unexpected " + excerpt(*extra) + " after the banner");
  }
}

void MatrixMarketReader::read_size_line() {
  const bool coordinate = header_.format == MatrixMarketFormat::coordinate;
  const std::string expected = coordinate ? "'rows columns entries'" : "'rows columns'";
  std::string_view line;
  if (!next_content_line(line)) {
    fail("the file ends before its size line " + expected);
  }
  size_line_number_ = line_number_;
  Fields fields(line);
  const auto size = [&](std::string_view name) {
    const auto text = fields.next();
    if (!text) {
      fail("the size line must be " + expected + "; it has no " + std::string(name));
    }
    const auto value = parse_integer(*text);
    if (!value) {
      fail("the size line's " + std::string(name) + " " + excerpt(*text) +
           " is not a 64-bit integer");
    }
    return *value;
  };
  header_.rows = size("rows");
  header_.columns = size("columns");
  header_.declared_entries = coordinate ? size("entries") : 0;
  if (const auto extra = fields.next()) {
    fail("unexpected " + excerpt(*extra) + " after the size line " + expected);
  }

  if (header_.rows < 1 || header_.columns < 1) {
    fail("the matrix must have at least one row and one column, but the size line says " +
         std::to_string(header_.rows) + " × " + std::to_string(header_.columns));
  }
  std::int64_t cells = 0;
  if (__builtin_mul_overflow(header_.rows, header_.columns, &cells)) {
    fail("the matrix is too large: " + std::to_string(header_.rows) + " × " +
         std::to_string(header_.columns) + " entries overflow a 64-bit integer");
  }
  if (header_.declared_entries < 0) {
    fail("the size line declares a negative number of entries, " +
         std::to_string(header_.declared_entries));
  }
  const bool symmetric = header_.symmetry == MatrixMarketSymmetry::symmetric;
  if (symmetric && header_.rows != header_.columns) {
    fail("a symmetric matrix must be square, but the size line says " +
         std::to_string(header_.rows) + " × " + std::to_string(header_.columns));
  }
  if (!coordinate) {
    header_.declared_entries = symmetric ? lower_triangle_size(header_.rows) : cells;
  }
}

std::int64_t MatrixMarketReader::parse_index(std::string_view text, std::string_view axis,
                                             std::int64_t extent) const {
  const auto index = parse_integer(text);
  if (!index) {
    fail(std::string(axis) + " index " + excerpt(text) + " is not an integer");
  }
  if (*index < 1 || *index > extent) {
    fail(std::string(axis) + " index " + std::to_string(*index) +
         " is out of range: the matrix has " + std::to_string(extent) + " " + std::string(axis) +
         "s, numbered from 1");
  }
  return *index - 1;
}

double MatrixMarketReader::parse_value(std::string_view text) const {
  std::optional<double> value;
  if (header_.field == MatrixMarketField::integer) {
    if (const auto integer = parse_integer(text)) {
      value = static_cast<double>(*integer);
    } else {
      fail("value " + excerpt(text) + " is not a 64-bit integer (the header says 'integer')");
    }
  } else {
    value = parse_real(text);
    if (!value) {
      fail("value " + excerpt(text) + " is not a number");
    }
  }
  if (const std::string_view kind = invalid_value_kind(*value); !kind.empty()) {
    fail("value " + excerpt(text) + " is " + std::string(kind) +
         "; NMF needs every entry of V to be finite and >= 0");
  }
  return *value + 0.0;  // -0 becomes 0
}

void MatrixMarketReader::read_entries(const std::function<void(const Triplet&)>& sink) {
  const bool coordinate = header_.format == MatrixMarketFormat::coordinate;
  const bool symmetric = header_.symmetry == MatrixMarketSymmetry::symmetric;
  const bool pattern = header_.field == MatrixMarketField::pattern;
  const std::string expected = pattern ? "'row column'" : "'row column value'";
  // Where the next value of an array file goes: column-major, and for a symmetric file
  // only the lower triangle of each column.
  std::int64_t array_row = 0;
  std::int64_t array_column = 0;

  std::string_view line;
  for (std::int64_t entry = 0; entry < header_.declared_entries; ++entry) {
    if (!next_content_line(line)) {
      fail("the file ends after " + std::to_string(entry) + " of the " +
           std::to_string(header_.declared_entries) + " entries declared on line " +
           std::to_string(size_line_number_));
    }
    Fields fields(line);
    Triplet triplet;
    if (coordinate) {
      const auto row = fields.next();
      const auto column = fields.next();
      const auto value = pattern ? std::nullopt : fields.next();
      if (!row || !column || (!pattern && !value)) {
        fail("expected " + expected + ", found " + excerpt(line));
      }
      triplet = {.row = parse_index(*row, "row", header_.rows),
                 .column = parse_index(*column, "column", header_.columns),
                 .value = pattern ? 1.0 : parse_value(*value)};
      if (symmetric && triplet.row < triplet.column) {
        fail("entry (" + std::string(*row) + ", " + std::string(*column) +
             ") is above the diagonal; a symmetric file lists only the lower triangle");
      }
    } else {
      triplet = {.row = array_row, .column = array_column, .value = parse_value(*fields.next())};
      if (++array_row == header_.rows) {
        ++array_column;
        array_row = symmetric ? array_column : 0;
      }
    }
    if (const auto extra = fields.next()) {
      fail("unexpected " + excerpt(*extra) + " after the entry");
    }
    if (!coordinate && triplet.value == 0.0) {
      continue;  // a dense file's zeros are not entries of the sparse result
    }
    sink(triplet);
    if (symmetric && triplet.row != triplet.column) {
      sink({.row = triplet.column, .column = triplet.row, .value = triplet.value});
    }
  }
  if (next_content_line(line)) {
    fail("more entries than the " + std::to_string(header_.declared_entries) +
         " declared on line " + std::to_string(size_line_number_));
  }
}

std::unique_ptr<std::istream> gzip_decompressing_stream(std::istream& compressed,
                                                        const std::string& source) {
  return std::make_unique<GzipStream>(compressed, source);
}

MatrixMarketText::MatrixMarketText(std::istream& input, const std::string& source)
    : input_(&input) {
  if (input.peek() == kGzipFirstByte) {
    // zlib checks the second magic byte and the rest of the gzip header.
    decompressed_ = gzip_decompressing_stream(input, source);
    input_ = decompressed_.get();
  }
}

MatrixMarketFile::MatrixMarketFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw Error(path + ": is a directory, not a Matrix Market file");
  }
  file_.open(path, std::ios::binary);
  if (!file_) {
    throw Error(path + (std::filesystem::exists(path, error) ? ": cannot be opened for reading"
                                                             : ": no such file"));
  }
  text_.emplace(file_, path);
}

MatrixMarketMatrix read_matrix_market(std::istream& input, const std::string& source) {
  MatrixMarketText text(input, source);
  return read_all(text.stream(), source);
}

MatrixMarketMatrix read_matrix_market_file(const std::string& path) {
  MatrixMarketFile file(path);
  return read_all(file.stream(), path);
}

}  // namespace mpinmf::io
