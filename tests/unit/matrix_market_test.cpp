#include "io/matrix_market.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

MatrixMarketMatrix parse(const std::string& text) {
  std::istringstream input(text);
  return read_matrix_market(input, "m.mtx");
}

/// The message of the Error that reading `text` throws.
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return {};
}

#define EXPECT_ERROR(text, expected)                                 \
  do {                                                               \
    const std::string message = error_of(text);                      \
    EXPECT_NE(message.find(expected), std::string::npos) << message; \
  } while (false)

/// `text` compressed as one gzip member.
std::string gzip(const std::string& text) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string compressed(deflateBound(&stream, text.size()), '\0');
  std::string input = text;
  stream.next_in = reinterpret_cast<Bytef*>(input.data());
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(compressed.data());
  stream.avail_out = static_cast<uInt>(compressed.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  compressed.resize(stream.total_out);
  deflateEnd(&stream);
  return compressed;
}

const std::string kGeneral =
    "%%MatrixMarket matrix coordinate real general\n"
    "% a comment\n"
    "3 4 3\n"
    "1 1 1.5\n"
    "3 2 2e-1\n"
    "2 4 7\n";

const std::vector<Triplet> kGeneralTriplets = {{0, 0, 1.5}, {2, 1, 0.2}, {1, 3, 7.0}};

TEST(MatrixMarket, ReadsACoordinateRealGeneralFile) {
  const MatrixMarketMatrix matrix = parse(kGeneral);
  EXPECT_EQ(matrix.header.format, MatrixMarketFormat::coordinate);
  EXPECT_EQ(matrix.header.field, MatrixMarketField::real);
  EXPECT_EQ(matrix.header.symmetry, MatrixMarketSymmetry::general);
  EXPECT_EQ(matrix.header.rows, 3);
  EXPECT_EQ(matrix.header.columns, 4);
  EXPECT_EQ(matrix.header.declared_entries, 3);
  EXPECT_EQ(matrix.triplets, kGeneralTriplets);
}

TEST(MatrixMarket, AcceptsAnyCaseCrlfBlankLinesCommentsAndPlusSigns) {
  const MatrixMarketMatrix matrix = parse(
      "%%matrixmarket MATRIX Coordinate REAL General\r\n"
      "%\r\n"
      "\r\n"
      "  3\t4 3  \r\n"
      "1 1 +1.5\r\n"
      "% between entries\r\n"
      "\r\n"
      "3 2 0.02e+1\r\n"
      "2 4 7.");
  EXPECT_EQ(matrix.triplets, kGeneralTriplets);
}

TEST(MatrixMarket, MirrorsTheOffDiagonalEntriesOfASymmetricFile) {
  const MatrixMarketMatrix matrix = parse(
      "%%MatrixMarket matrix coordinate real symmetric\n"
      "3 3 3\n"
      "1 1 2\n"
      "3 1 4\n"
      "3 3 5\n");
  const std::vector<Triplet> expected = {{0, 0, 2}, {2, 0, 4}, {0, 2, 4}, {2, 2, 5}};
  EXPECT_EQ(matrix.triplets, expected);
}

TEST(MatrixMarket, GivesPatternEntriesTheValueOne) {
  const MatrixMarketMatrix matrix = parse(
      "%%MatrixMarket matrix coordinate pattern general\n"
      "2 2 2\n"
      "1 2\n"
      "2 1\n");
  EXPECT_EQ(matrix.header.field, MatrixMarketField::pattern);
  const std::vector<Triplet> expected = {{0, 1, 1.0}, {1, 0, 1.0}};
  EXPECT_EQ(matrix.triplets, expected);
}

TEST(MatrixMarket, ReadsIntegerValues) {
  const MatrixMarketMatrix matrix = parse(
      "%%MatrixMarket matrix coordinate integer general\n"
      "2 2 2\n"
      "1 2 3\n"
      "2 2 9007199254740993\n");
  EXPECT_EQ(matrix.header.field, MatrixMarketField::integer);
  const std::vector<Triplet> expected = {{0, 1, 3.0}, {1, 1, 9007199254740992.0}};
  EXPECT_EQ(matrix.triplets, expected);
}

TEST(MatrixMarket, ReadsADenseArrayColumnByColumnKeepingNonzeros) {
  const MatrixMarketMatrix matrix = parse(
      "%%MatrixMarket matrix array real general\n"
      "2 3\n"
      "1\n0\n0\n2\n3\n4\n");
  EXPECT_EQ(matrix.header.declared_entries, 6);
  const std::vector<Triplet> expected = {{0, 0, 1}, {1, 1, 2}, {0, 2, 3}, {1, 2, 4}};
  EXPECT_EQ(matrix.triplets, expected);
}

TEST(MatrixMarket, ReadsTheLowerTriangleOfASymmetricArray) {
  const MatrixMarketMatrix matrix = parse(
      "%%MatrixMarket matrix array integer symmetric\n"
      "2 2\n"
      "1\n5\n2\n");
  EXPECT_EQ(matrix.header.declared_entries, 3);
  const std::vector<Triplet> expected = {{0, 0, 1}, {1, 0, 5}, {0, 1, 5}, {1, 1, 2}};
  EXPECT_EQ(matrix.triplets, expected);
}

TEST(MatrixMarket, KeepsRepeatedCoordinatesForTheCsrConversionToSum) {
  const MatrixMarketMatrix matrix = parse(
      "%%MatrixMarket matrix coordinate real general\n"
      "2 2 3\n"
      "2 2 1\n"
      "1 1 1\n"
      "2 2 0.5\n");
  EXPECT_EQ(matrix.triplets.size(), 3U);
  const CompressedMatrix csr = triplets_to_csr(2, 2, matrix.triplets, "m.mtx");
  EXPECT_EQ(csr.indptr, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(csr.indices, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(csr.values, (std::vector<double>{1.0, 1.5}));
}

TEST(MatrixMarketErrors, NameTheBannerProblem) {
  EXPECT_ERROR("", "m.mtx: line 1: empty input; expected the Matrix Market banner");
  EXPECT_ERROR("3 3 1\n1 1 1\n", "m.mtx: line 1: expected the Matrix Market banner");
  EXPECT_ERROR("%%MatrixMarket matrix\n", "line 1: the banner ends before its format");
  EXPECT_ERROR("%%MatrixMarket vector coordinate real general\n",
               "line 1: unsupported object 'vector'");
  EXPECT_ERROR("%%MatrixMarket matrix sparse real general\n", "line 1: unknown format 'sparse'");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate complex general\n",
               "line 1: complex matrices are not supported");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate real skew-symmetric\n",
               "line 1: skew-symmetric matrices have negative entries");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate real hermitian\n", "line 1: hermitian");
  EXPECT_ERROR("%%MatrixMarket matrix array pattern general\n",
               "line 1: an 'array' file cannot be 'pattern'");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate real general extra\n",
               "line 1: unexpected 'extra' after the banner");
}

TEST(MatrixMarketErrors, NameTheSizeLineProblem) {
  const std::string banner = "%%MatrixMarket matrix coordinate real general\n% c\n";
  EXPECT_ERROR(banner, "line 2: the file ends before its size line 'rows columns entries'");
  EXPECT_ERROR(banner + "3 x 1\n", "line 3: the size line's columns 'x' is not a 64-bit integer");
  EXPECT_ERROR(banner + "3 3\n", "line 3: the size line must be 'rows columns entries'");
  EXPECT_ERROR(banner + "3 3 1 1\n", "line 3: unexpected '1' after the size line");
  EXPECT_ERROR(banner + "0 3 0\n", "line 3: the matrix must have at least one row and one column");
  EXPECT_ERROR(banner + "3 3 -1\n", "line 3: the size line declares a negative number of entries");
  EXPECT_ERROR(banner + "4294967296 4294967296 0\n",
               "line 3: the matrix is too large: 4294967296 × 4294967296 entries overflow");
  EXPECT_ERROR(banner + "99999999999999999999 1 0\n",
               "line 3: the size line's rows '99999999999999999999' is not a 64-bit integer");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate real symmetric\n3 4 0\n",
               "line 2: a symmetric matrix must be square, but the size line says 3 × 4");
}

const std::string kHeader = "%%MatrixMarket matrix coordinate real general\n3 4 2\n";

TEST(MatrixMarketErrors, NameTheIndexAndItsBound) {
  EXPECT_ERROR(
      kHeader + "0 1 1\n",
      "m.mtx: line 3: row index 0 is out of range: the matrix has 3 rows, numbered from 1");
  EXPECT_ERROR(kHeader + "1 1 1\n4 1 1\n", "line 4: row index 4 is out of range");
  EXPECT_ERROR(kHeader + "1 5 1\n",
               "line 3: column index 5 is out of range: the matrix has 4 columns");
  EXPECT_ERROR(kHeader + "1.0 1 1\n", "line 3: row index '1.0' is not an integer");
  EXPECT_ERROR(kHeader + "1 99999999999999999999 1\n",
               "line 3: column index '99999999999999999999' is not an integer");
}

TEST(MatrixMarketErrors, NameTheBadValue) {
  EXPECT_ERROR(
      kHeader + "1 1 -0.5\n",
      "line 3: value '-0.5' is negative; NMF needs every entry of V to be finite and >= 0");
  EXPECT_ERROR(kHeader + "1 1 nan\n", "line 3: value 'nan' is NaN");
  EXPECT_ERROR(kHeader + "1 1 inf\n", "line 3: value 'inf' is infinite");
  EXPECT_ERROR(kHeader + "1 1 1e999\n", "line 3: value '1e999' is infinite");
  EXPECT_ERROR(kHeader + "1 1 abc\n", "line 3: value 'abc' is not a number");
  EXPECT_ERROR(kHeader + "1 1 1.5x\n", "line 3: value '1.5x' is not a number");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 1.5\n",
               "line 3: value '1.5' is not a 64-bit integer (the header says 'integer')");
  EXPECT_ERROR("%%MatrixMarket matrix array real general\n1 2\n1\n-2\n",
               "line 4: value '-2' is negative");
}

TEST(MatrixMarket, ReadsValuesBelowTheRangeOfDoubleAsTiny) {
  const MatrixMarketMatrix matrix = parse(kHeader + "1 1 1e-400\n2 2 4.9e-324\n");
  EXPECT_EQ(matrix.triplets[0].value, 0.0);
  EXPECT_GT(matrix.triplets[1].value, 0.0);
}

TEST(MatrixMarketErrors, NameMissingAndTrailingFields) {
  EXPECT_ERROR(kHeader + "1 1\n", "line 3: expected 'row column value', found '1 1'");
  EXPECT_ERROR(kHeader + "1 1 1 junk\n", "line 3: unexpected 'junk' after the entry");
  EXPECT_ERROR("%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 1 1\n",
               "line 3: unexpected '1' after the entry");
  EXPECT_ERROR("%%MatrixMarket matrix array real general\n1 1\n1 2\n",
               "line 3: unexpected '2' after the entry");
}

TEST(MatrixMarketErrors, RefuseTheUpperTriangleOfASymmetricFile) {
  EXPECT_ERROR("%%MatrixMarket matrix coordinate real symmetric\n3 3 1\n1 3 1\n",
               "line 3: entry (1, 3) is above the diagonal; a symmetric file lists only the "
               "lower triangle");
}

TEST(MatrixMarketErrors, CountTheEntriesAgainstTheSizeLine) {
  EXPECT_ERROR(kHeader + "1 1 1\n\n",
               "m.mtx: line 4: the file ends after 1 of the 2 entries declared on line 2");
  EXPECT_ERROR(kHeader + "1 1 1\n2 2 2\n% fine\n3 3 3\n",
               "line 6: more entries than the 2 declared on line 2");
  // A huge declared count is a claim to check, not memory to reserve.
  EXPECT_ERROR(
      "%%MatrixMarket matrix coordinate real general\n1000000 1000000 999999999999\n"
      "1 1 1\n",
      "line 3: the file ends after 1 of the 999999999999 entries declared on line 2");
}

TEST(MatrixMarketErrors, RefuseOverlongLinesAndShowBinaryReadably) {
  EXPECT_ERROR(kHeader + std::string(std::size_t{1} << 21, '1'), "line 3: line is longer than");
  const std::string message = error_of(std::string("\x01\x02garbage", 9));
  EXPECT_NE(message.find("found '??garbage'"), std::string::npos) << message;
}

TEST(MatrixMarketGzip, ReadsCompressedInputByItsMagicBytes) {
  const MatrixMarketMatrix matrix = parse(gzip(kGeneral));
  EXPECT_EQ(matrix.triplets, kGeneralTriplets);
}

TEST(MatrixMarketGzip, ReadsConcatenatedMembers) {
  const std::size_t half = kGeneral.size() / 2;
  const MatrixMarketMatrix matrix =
      parse(gzip(kGeneral.substr(0, half)) + gzip(kGeneral.substr(half)));
  EXPECT_EQ(matrix.triplets, kGeneralTriplets);
}

TEST(MatrixMarketGzip, RefusesTruncatedAndCorruptData) {
  const std::string compressed = gzip(kGeneral);
  EXPECT_ERROR(compressed.substr(0, compressed.size() - 6), "m.mtx: gzip data ends early");
  std::string corrupt = compressed;
  corrupt[1] = 'x';  // the second magic byte
  EXPECT_ERROR(corrupt, "m.mtx: corrupt gzip data");
  EXPECT_ERROR(compressed + "trailing", "m.mtx: corrupt gzip data");
}

TEST(MatrixMarketFile, ReadsAFileCompressedOrNotWhateverItsName) {
  const auto path = std::filesystem::temp_directory_path() / "mpinmf_matrix_market_test.mtx";
  {
    std::ofstream file(path, std::ios::binary);
    file << gzip(kGeneral);
  }
  EXPECT_EQ(read_matrix_market_file(path.string()).triplets, kGeneralTriplets);
  std::filesystem::remove(path);
  try {
    read_matrix_market_file(path.string());
    ADD_FAILURE() << "no error for a missing file";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()), path.string() + ": no such file");
  }
  const std::string directory = std::filesystem::temp_directory_path().string();
  EXPECT_THROW(read_matrix_market_file(directory), Error);
}

TEST(MatrixMarketReader, StreamsEntriesToACallback) {
  std::istringstream input(kGeneral);
  MatrixMarketReader reader(input, "m.mtx");
  EXPECT_EQ(reader.header().rows, 3);
  std::vector<Triplet> seen;
  reader.read_entries([&seen](const Triplet& entry) { seen.push_back(entry); });
  EXPECT_EQ(seen, kGeneralTriplets);
}

}  // namespace
}  // namespace mpinmf::io
