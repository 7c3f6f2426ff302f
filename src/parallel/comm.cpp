#include "parallel/comm.hpp"

#include <array>
#include <climits>
#include <limits>
#include <new>
#include <type_traits>
#include <utility>

#include "mpinmf/error.hpp"

namespace mpinmf {
namespace {

class CommTimer {
 public:
  CommTimer(double& seconds, double& bytes, double payload_bytes)
      : seconds_(seconds), start_(MPI_Wtime()) {
    bytes += payload_bytes;
  }
  ~CommTimer() { seconds_ += MPI_Wtime() - start_; }
  CommTimer(const CommTimer&) = delete;
  CommTimer& operator=(const CommTimer&) = delete;

 private:
  double& seconds_;
  double start_;
};

/// "MPI_Allreduce failed: MPI_ERR_COUNT: invalid count argument".
std::string mpi_failure(int status, const char* what) {
  std::array<char, MPI_MAX_ERROR_STRING> reason{};
  int length = 0;
  if (MPI_Error_string(status, reason.data(), &length) != MPI_SUCCESS) {
    return std::string(what) + " failed: MPI error " + std::to_string(status);
  }
  return std::string(what) + " failed: " + std::string(reason.data(), length);
}

void check_status(int status, const char* what, MpiFailureHandler on_failure) {
  if (status == MPI_SUCCESS) {
    return;
  }
  const std::string message = mpi_failure(status, what);
  if (on_failure != nullptr) {
    on_failure(message);
  }
  throw MpiError(message);
}

/// A destructor cannot throw: it tells the handler, if any, and otherwise goes on.
void report_status(int status, const char* what, MpiFailureHandler on_failure) {
  if (status != MPI_SUCCESS && on_failure != nullptr) {
    on_failure(mpi_failure(status, what));
  }
}

int to_int(Index value, const char* what) {
  if (value > std::numeric_limits<int>::max()) {
    throw Error(std::string("message too large for one MPI call: ") + what);
  }
  return static_cast<int>(value);
}

}  // namespace

Communicator::Communicator(MPI_Comm comm, MpiFailureHandler on_failure)
    : comm_(comm), on_failure_(on_failure) {
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
}

Communicator::~Communicator() {
  if (owned_ && comm_ != MPI_COMM_NULL) {
    report_status(MPI_Comm_free(&comm_), "MPI_Comm_free", on_failure_);
  }
}

void Communicator::check(int status, const char* what) const {
  check_status(status, what, on_failure_);
}

Communicator::Communicator(Communicator&& other) noexcept
    : comm_(std::exchange(other.comm_, MPI_COMM_NULL)),
      on_failure_(other.on_failure_),
      owned_(std::exchange(other.owned_, false)),
      rank_(other.rank_),
      size_(other.size_),
      seconds_(other.seconds_),
      bytes_(other.bytes_) {}

Communicator Communicator::split(int color) const {
  MPI_Comm sub = MPI_COMM_NULL;
  check(MPI_Comm_split(comm_, color, rank_, &sub), "MPI_Comm_split");
  Communicator result(sub, on_failure_);
  result.owned_ = true;
  return result;
}

int Communicator::ranks_on_node() const {
  MPI_Comm node = MPI_COMM_NULL;
  check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
        "MPI_Comm_split_type");
  int count = 1;
  const int sized = MPI_Comm_size(node, &count);
  check(MPI_Comm_free(&node), "MPI_Comm_free");
  check(sized, "MPI_Comm_size");
  return count;
}

void Communicator::agree(const std::optional<LocalFailure>& local) const {
  struct {
    long key;
    int rank;
  } mine{}, first{};
  mine.key = local ? static_cast<long>(local->order) : LONG_MAX;
  mine.rank = rank_;
  check(MPI_Allreduce(&mine, &first, 1, MPI_LONG_INT, MPI_MINLOC, comm_), "MPI_Allreduce");
  if (first.key == LONG_MAX) {
    return;
  }
  std::string message = (first.rank == rank_ && local) ? local->message : std::string();
  long length = static_cast<long>(message.size());
  check(MPI_Bcast(&length, 1, MPI_LONG, first.rank, comm_), "MPI_Bcast");
  message.resize(static_cast<std::size_t>(length));
  check(MPI_Bcast(message.data(), static_cast<int>(length), MPI_CHAR, first.rank, comm_),
        "MPI_Bcast");
  throw AgreedError(message, first.rank);
}

void Communicator::run_agreed(const std::function<void()>& step) const {
  std::optional<LocalFailure> failure;
  try {
    step();
  } catch (const MpiError&) {
    throw;  // the other ranks may be inside the call that failed: agreeing could hang
  } catch (const std::bad_alloc&) {
    failure = LocalFailure{"out of memory", 0};
  } catch (const std::exception& error) {
    failure = LocalFailure{error.what(), 0};
  }
  agree(failure);
}

void Communicator::sum(double* values, Index count) {
  CommTimer timer(seconds_, bytes_, 2.0 * static_cast<double>(count) * sizeof(double));
  check(MPI_Allreduce(MPI_IN_PLACE, values, to_int(count, "sum"), MPI_DOUBLE, MPI_SUM, comm_),
        "MPI_Allreduce");
}

void Communicator::sum_counts(std::int64_t* values, Index count) {
  CommTimer timer(seconds_, bytes_, 2.0 * static_cast<double>(count) * sizeof(std::int64_t));
  check(MPI_Allreduce(MPI_IN_PLACE, values, to_int(count, "sum"), MPI_INT64_T, MPI_SUM, comm_),
        "MPI_Allreduce");
}

std::int64_t Communicator::sum_counts(std::int64_t value) {
  sum_counts(&value, 1);
  return value;
}

std::vector<std::int64_t> Communicator::allgather(std::int64_t value) {
  CommTimer timer(seconds_, bytes_, static_cast<double>(size_) * sizeof(std::int64_t));
  std::vector<std::int64_t> values(static_cast<std::size_t>(size_));
  check(MPI_Allgather(&value, 1, MPI_INT64_T, values.data(), 1, MPI_INT64_T, comm_),
        "MPI_Allgather");
  return values;
}

std::vector<std::byte> Communicator::exchange_records(
    const std::vector<std::span<const std::byte>>& outgoing, std::size_t record_bytes) {
  const auto ranks = static_cast<std::size_t>(size_);
  std::vector<int> send_counts(ranks);
  std::vector<int> send_offsets(ranks);
  std::int64_t sent = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    const auto records =
        static_cast<Index>(r < outgoing.size() ? outgoing[r].size() / record_bytes : 0);
    send_counts[r] = to_int(records, "exchange");
    send_offsets[r] = to_int(sent, "exchange");
    sent += records;
  }
  std::vector<int> receive_counts(ranks);
  check(MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, comm_),
        "MPI_Alltoall");
  std::vector<int> receive_offsets(ranks);
  std::int64_t received = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    receive_offsets[r] = to_int(received, "exchange");
    received += receive_counts[r];
  }
  // Packed contiguously, in rank order, as MPI_Alltoallv reads them.
  std::vector<std::byte> send_buffer;
  send_buffer.reserve(static_cast<std::size_t>(sent) * record_bytes);
  for (std::size_t r = 0; r < ranks && r < outgoing.size(); ++r) {
    send_buffer.insert(send_buffer.end(), outgoing[r].begin(), outgoing[r].end());
  }
  std::vector<std::byte> receive_buffer(static_cast<std::size_t>(received) * record_bytes);
  CommTimer timer(seconds_, bytes_,
                  static_cast<double>(sent + received) * static_cast<double>(record_bytes));
  MPI_Datatype record = MPI_DATATYPE_NULL;
  check(MPI_Type_contiguous(to_int(static_cast<Index>(record_bytes), "record"), MPI_BYTE, &record),
        "MPI_Type_contiguous");
  check(MPI_Type_commit(&record), "MPI_Type_commit");
  const int status = MPI_Alltoallv(send_buffer.data(), send_counts.data(), send_offsets.data(),
                                   record, receive_buffer.data(), receive_counts.data(),
                                   receive_offsets.data(), record, comm_);
  const int freed = MPI_Type_free(&record);
  check(status, "MPI_Alltoallv");
  check(freed, "MPI_Type_free");
  return receive_buffer;
}

double Communicator::sum(double value) {
  sum(&value, 1);
  return value;
}

double Communicator::max(double value) {
  CommTimer timer(seconds_, bytes_, 2.0 * sizeof(double));
  check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MAX, comm_), "MPI_Allreduce");
  return value;
}

BlockCounts block_counts(const std::vector<IndexRange>& blocks, Index items_per_index) {
  BlockCounts result;
  fill_block_counts(blocks, items_per_index, result);
  return result;
}

void fill_block_counts(const std::vector<IndexRange>& blocks, Index items_per_index,
                       BlockCounts& layout) {
  layout.counts.clear();
  layout.displacements.clear();
  for (const IndexRange& block : blocks) {
    layout.counts.push_back(to_int(block.size() * items_per_index, "block"));
    layout.displacements.push_back(to_int(block.begin * items_per_index, "block"));
  }
}

namespace {

/// The MPI type of a factor's entries.
template <typename Scalar>
MPI_Datatype mpi_type_of() {
  static_assert(std::is_same_v<Scalar, double> || std::is_same_v<Scalar, float>);
  return std::is_same_v<Scalar, double> ? MPI_DOUBLE : MPI_FLOAT;
}

}  // namespace

template <typename Scalar>
void Communicator::reduce_scatter_columns(const ColumnsOf<Scalar>& local,
                                          const std::vector<IndexRange>& column_blocks,
                                          ColumnsOf<Scalar>& own_block) {
  const IndexRange mine = column_blocks.at(static_cast<std::size_t>(rank_));
  own_block.resize(local.rows(), mine.size());
  fill_block_counts(column_blocks, local.rows(), layout_);
  const BlockCounts& layout = layout_;
  CommTimer timer(seconds_, bytes_, static_cast<double>(local.size()) * sizeof(Scalar));
  check(MPI_Reduce_scatter(local.data(), own_block.data(), layout.counts.data(),
                           mpi_type_of<Scalar>(), MPI_SUM, comm_),
        "MPI_Reduce_scatter");
}

template <typename Scalar>
void Communicator::allgather_columns(ColumnsOf<Scalar>& matrix,
                                     const std::vector<IndexRange>& column_blocks) {
  fill_block_counts(column_blocks, matrix.rows(), layout_);
  const BlockCounts& layout = layout_;
  CommTimer timer(seconds_, bytes_, static_cast<double>(matrix.size()) * sizeof(Scalar));
  check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, matrix.data(), layout.counts.data(),
                       layout.displacements.data(), mpi_type_of<Scalar>(), comm_),
        "MPI_Allgatherv");
}

template void Communicator::reduce_scatter_columns(const Matrix&, const std::vector<IndexRange>&,
                                                   Matrix&);
template void Communicator::reduce_scatter_columns(const MatrixF&, const std::vector<IndexRange>&,
                                                   MatrixF&);
template void Communicator::allgather_columns(Matrix&, const std::vector<IndexRange>&);
template void Communicator::allgather_columns(MatrixF&, const std::vector<IndexRange>&);

PendingCollective Communicator::start_sum(double* values, Index count) {
  MPI_Request request = MPI_REQUEST_NULL;
  CommTimer timer(seconds_, bytes_, 2.0 * static_cast<double>(count) * sizeof(double));
  check(MPI_Iallreduce(MPI_IN_PLACE, values, to_int(count, "sum"), MPI_DOUBLE, MPI_SUM, comm_,
                       &request),
        "MPI_Iallreduce");
  return {request, seconds_, on_failure_};
}

PendingCollective::PendingCollective(PendingCollective&& other) noexcept
    : request_(std::exchange(other.request_, MPI_REQUEST_NULL)),
      seconds_(other.seconds_),
      on_failure_(other.on_failure_) {}

void PendingCollective::wait() {
  if (request_ == MPI_REQUEST_NULL) {
    return;
  }
  double unused_bytes = 0.0;
  CommTimer timer(*seconds_, unused_bytes, 0.0);
  check_status(MPI_Wait(&request_, MPI_STATUS_IGNORE), "MPI_Wait", on_failure_);
}

PendingCollective::~PendingCollective() {
  if (request_ != MPI_REQUEST_NULL) {
    report_status(MPI_Wait(&request_, MPI_STATUS_IGNORE), "MPI_Wait", on_failure_);
  }
}

std::vector<double> Communicator::gather_to_root(double value) {
  std::vector<double> values(is_root() ? static_cast<std::size_t>(size_) : 0);
  CommTimer timer(seconds_, bytes_, sizeof(double));
  check(MPI_Gather(&value, 1, MPI_DOUBLE, values.data(), 1, MPI_DOUBLE, 0, comm_), "MPI_Gather");
  return values;
}

std::string Communicator::broadcast(const std::string& text) const {
  long length = static_cast<long>(text.size());
  check(MPI_Bcast(&length, 1, MPI_LONG, 0, comm_), "MPI_Bcast");
  std::string result = is_root() ? text : std::string(static_cast<std::size_t>(length), '\0');
  check(MPI_Bcast(result.data(), static_cast<int>(length), MPI_CHAR, 0, comm_), "MPI_Bcast");
  return result;
}

void Communicator::barrier() {
  CommTimer timer(seconds_, bytes_, 0.0);
  check(MPI_Barrier(comm_), "MPI_Barrier");
}

}  // namespace mpinmf
