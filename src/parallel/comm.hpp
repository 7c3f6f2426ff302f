#pragma once
// The communication layer: the few collectives the engine needs, each timed, and the
// agreement step that turns one rank's failure into an error every rank throws.
// Nothing outside comm and io includes <mpi.h>-level logic.

#include <mpi.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "core/partition.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf {

/// A rank's local failure, to be agreed on. Among several, the smallest `order` wins
/// (for instance the linear index of the first bad entry), then the lowest rank.
struct LocalFailure {
  std::string message;
  std::int64_t order = 0;
};

/// What a Communicator does with a failed MPI call's message ("MPI_Allreduce failed: " and
/// MPI's reason) before it throws MpiError. The program passes one that reports and calls
/// MPI_Abort at once: throwing would unwind through destructors that wait on the other ranks
/// (an HDF5 file's collective close, a pending collective), and those ranks may be inside the
/// call that failed, so the run would hang instead of ending.
using MpiFailureHandler = void (*)(const std::string& message);

/// A collective every rank has started and that completes at wait(): the rank computes
/// meanwhile, leaving the collective's buffer alone until then. The seconds spent starting
/// and waiting count as communication. Destroying it unwaited waits.
class PendingCollective {
 public:
  PendingCollective(MPI_Request request, double& seconds, MpiFailureHandler on_failure = nullptr)
      : request_(request), seconds_(&seconds), on_failure_(on_failure) {}
  ~PendingCollective();
  PendingCollective(const PendingCollective&) = delete;
  PendingCollective& operator=(const PendingCollective&) = delete;
  PendingCollective(PendingCollective&& other) noexcept;
  PendingCollective& operator=(PendingCollective&&) = delete;

  void wait();

 private:
  MPI_Request request_ = MPI_REQUEST_NULL;
  double* seconds_;
  MpiFailureHandler on_failure_;
};

/// The part a rank owns of each rank's block, as MPI counts and displacements, scaled by
/// `items_per_index` (k doubles per column of H, for instance).
struct BlockCounts {
  std::vector<int> counts;
  std::vector<int> displacements;
};
BlockCounts block_counts(const std::vector<IndexRange>& blocks, Index items_per_index);

class Communicator {
 public:
  /// Wraps, without owning, an existing communicator (MPI_COMM_WORLD, usually), leaving its
  /// error handler as it is. A failed MPI call reaches `on_failure` (if given), then throws
  /// MpiError; under MPI_ERRORS_ARE_FATAL, MPI's default, MPI aborts before either.
  explicit Communicator(MPI_Comm comm, MpiFailureHandler on_failure = nullptr);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&&) = delete;

  /// Splits into sub-communicators by `color` (a collective call); the result owns its
  /// communicator, which inherits this one's MPI error handler and `on_failure`.
  [[nodiscard]] Communicator split(int color) const;

  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  [[nodiscard]] bool is_root() const { return rank_ == 0; }
  [[nodiscard]] MPI_Comm handle() const { return comm_; }

  /// Number of ranks of this communicator on this rank's node.
  [[nodiscard]] int ranks_on_node() const;

  /// If any rank passes a failure, every rank throws the same AgreedError naming the rank
  /// whose failure came first. A collective: every rank must call it.
  void agree(const std::optional<LocalFailure>& local) const;

  /// Runs `step` locally, turns any exception it throws into a failure, and agrees; all but
  /// MpiError, which it lets through, since no collective may follow a failed MPI call.
  void run_agreed(const std::function<void()>& step) const;

  /// In-place element-wise sum over ranks.
  void sum(double* values, Index count);
  void sum(Eigen::Ref<Matrix> values) { sum(values.data(), values.size()); }
  [[nodiscard]] double sum(double value);
  [[nodiscard]] double max(double value);

  /// Sums the full local k×n products over ranks and leaves each rank its own column
  /// block (the blocks in `column_blocks`, one per rank, in rank order). Double or float.
  template <typename Scalar>
  void reduce_scatter_columns(const ColumnsOf<Scalar>& local,
                              const std::vector<IndexRange>& column_blocks,
                              ColumnsOf<Scalar>& own_block);

  /// Fills every rank's copy of `matrix` with the column blocks the ranks own.
  template <typename Scalar>
  void allgather_columns(ColumnsOf<Scalar>& matrix, const std::vector<IndexRange>& column_blocks);

  /// sum() started, to be finished by the result's wait(). Every rank must start the same
  /// collectives in the same order.
  [[nodiscard]] PendingCollective start_sum(double* values, Index count);

  /// In-place element-wise sum of counts over ranks.
  void sum_counts(std::int64_t* values, Index count);
  [[nodiscard]] std::int64_t sum_counts(std::int64_t value);

  /// Every rank's `value`, in rank order, on every rank.
  [[nodiscard]] std::vector<std::int64_t> allgather(std::int64_t value);

  /// Sends `outgoing[r]` to rank r and returns what every rank sent this one, in rank order
  /// (one all-to-all exchange). T must be trivially copyable.
  template <typename T>
  [[nodiscard]] std::vector<T> exchange(const std::vector<std::vector<T>>& outgoing) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<std::span<const std::byte>> bytes(outgoing.size());
    std::transform(outgoing.begin(), outgoing.end(), bytes.begin(), [](const std::vector<T>& part) {
      return std::as_bytes(std::span<const T>(part));
    });
    const std::vector<std::byte> received = exchange_records(bytes, sizeof(T));
    std::vector<T> records(received.size() / sizeof(T));
    std::memcpy(records.data(), received.data(), received.size());
    return records;
  }

  /// Gathers one value per rank on rank 0 (empty elsewhere).
  [[nodiscard]] std::vector<double> gather_to_root(double value);

  /// Rank 0's value of `text` on every rank.
  [[nodiscard]] std::string broadcast(const std::string& text) const;

  void barrier();

  /// Seconds this rank has spent inside the collectives above.
  [[nodiscard]] double communication_seconds() const { return seconds_; }
  /// Bytes this rank has sent and received in the collectives above (a model: the payload).
  [[nodiscard]] double communicated_bytes() const { return bytes_; }

 private:
  /// exchange() on packed records of `record_bytes` bytes; counts travel in records, so
  /// one call moves up to 2³¹ records per rank pair.
  std::vector<std::byte> exchange_records(const std::vector<std::span<const std::byte>>& outgoing,
                                          std::size_t record_bytes);

  /// Nothing when `status` is MPI_SUCCESS; else on_failure_, then MpiError naming `what`.
  void check(int status, const char* what) const;

  MPI_Comm comm_;
  MpiFailureHandler on_failure_ = nullptr;
  bool owned_ = false;
  int rank_ = 0;
  int size_ = 1;
  double seconds_ = 0.0;
  double bytes_ = 0.0;
  BlockCounts layout_;  // the column collectives' counts, refilled in place each call
};

/// block_counts into `layout`, whose vectors keep their memory from call to call (the
/// loop's collectives run every iteration and must not allocate).
void fill_block_counts(const std::vector<IndexRange>& blocks, Index items_per_index,
                       BlockCounts& layout);

}  // namespace mpinmf
