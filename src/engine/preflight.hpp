#pragma once
// Whether a run fits, decided before V is read: each rank's memory at its peak against what
// its node (and the cgroup it runs in, which is how Slurm enforces memory) has free, and the
// output file against the free space where it will be written. A run that cannot fit is
// refused at once with one line that says what it needs, rather than killed by the kernel
// or a full disk hours later.
//
// The estimate, the parsing of /proc and cgroup files and the messages are pure functions,
// unit-tested without MPI or a particular machine; check_memory_fits and check_disk_space
// gather the facts on each rank and agree on the outcome.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/partition.hpp"
#include "mpinmf/options.hpp"
#include "mpinmf/types.hpp"
#include "parallel/comm.hpp"

namespace mpinmf {

/// The process before it holds any matrix: MPI with its shared-memory transport, HDF5,
/// OpenBLAS and the C++ runtime. Measured per rank (the peak of a 200 × 100 run on 1 and 2
/// ranks with Open MPI 4.1, HDF5 1.10 and OpenBLAS 0.3.21) and rounded up.
inline constexpr std::int64_t kProcessBytes = std::int64_t{32} << 20;

/// While V is read or a result written: MPI-IO's two-phase collective buffer (32 MiB per
/// aggregator in Open MPI's OMPIO; ROMIO's cb_buffer_size is 16 MiB) and HDF5's 1 MiB
/// type-conversion buffer, which a float32 or integer V passes through.
inline constexpr std::int64_t kFileIoBytes = std::int64_t{33} << 20;

/// While sparse V's rows are read, beyond the block itself: per entry, the file's arrays as
/// the readers assemble them in double CSR (16 bytes) and, where entries change ranks, a
/// coordinate triplet sent and one received (24 bytes each).
inline constexpr std::int64_t kSparseReadBytesPerEntry = 16 + 2 * 24;

/// What a run's memory depends on. How many rows each rank holds follows from the rank count.
struct Workload {
  Index rows = 0;        // m
  Index columns = 0;     // n
  Index components = 0;  // k
  Algorithm algorithm = Algorithm::multiplicative;
  bool svd_start = false;  // --init nndsvd, nndsvda or nndsvdar: a randomized SVD of V first
  int threads = 1;         // BLAS threads per rank
  int max_iterations = 500;
  /// Stored nonzeros when V is sparse (CSR in memory: 16 bytes each); 0 when dense.
  std::int64_t sparse_entries = 0;
  /// Bytes of one value of V in memory: 8, or 4 with --precision single.
  int value_bytes = 8;
};

/// The workload `options` describe for a V of rows × columns (`sparse_entries` nonzeros
/// when it is sparse).
Workload run_workload(const RunOptions& options, Index rows, Index columns, int threads,
                      std::int64_t sparse_entries = 0);

/// One rank's memory at its peak, in bytes.
struct MemoryEstimate {
  std::int64_t v_block = 0;    // its rows of V, in the precision they are held
  std::int64_t factors = 0;    // its rows of W, and all of H
  std::int64_t workspace = 0;  // the most that products, scratch and buffers hold at once
  std::int64_t process = 0;    // the process itself: MPI, HDF5 and the libraries (measured)
  [[nodiscard]] std::int64_t total() const { return v_block + factors + workspace + process; }
};

/// The peak memory of a rank that holds `rows_here` rows of V in a run on `ranks` ranks: an
/// upper-ish estimate from the buffers the reader, the start, the loop of the chosen rule and
/// the writer allocate (the largest of those phases), OpenBLAS's packing buffers, and a
/// measured allowance for the process.
MemoryEstimate estimate_rank_memory(const Workload& workload, Index rows_here, int ranks);

/// The fewest ranks in all (each holding an even share of the rows) whose largest rank's
/// estimate is within `bytes_per_rank`; 0 when even one row per rank would not fit, because
/// what every rank holds whatever its share (H and the k × n products) is too large.
int ranks_that_would_fit(const Workload& workload, std::int64_t bytes_per_rank);

/// A node's free memory, as one of its ranks sees it.
struct NodeMemory {
  std::string name;
  std::int64_t available = 0;  // bytes, shared by the node's ranks of this run
  int ranks = 1;
};

/// The "not enough memory" message when the largest rank (holding `largest_rows` rows of V
/// in a run on `ranks` ranks) does not fit its share of `node`; nothing when it fits.
std::optional<std::string> memory_shortfall(const Workload& workload, Index largest_rows, int ranks,
                                            const NodeMemory& node);

/// A collective: refuses the run, with the same AgreedError on every rank, when any node
/// has less memory available for its ranks than the largest rank's estimate times their
/// number. `rows_here` are the rows of V this rank will hold.
void check_memory_fits(Communicator& comm, const Workload& workload, IndexRange rows_here);

/// Reads a small file such as /proc/meminfo whole; nothing when it cannot be read.
using TextFileReader = std::function<std::optional<std::string>(const std::string& path)>;

/// MemAvailable from the text of /proc/meminfo, in bytes.
std::optional<std::int64_t> meminfo_available_bytes(std::string_view meminfo);

/// A cgroup memory limit (cgroup v2 memory.max or v1 memory.limit_in_bytes) in bytes;
/// nothing for "max", for v1's "unlimited" (a number near 2^63) or for unreadable text.
std::optional<std::int64_t> cgroup_limit_bytes(std::string_view text);

/// The value of `key` in a flat "key value" file such as memory.stat.
std::optional<std::int64_t> stat_value(std::string_view stat, std::string_view key);

/// A folder that may hold a memory limit for this process.
struct CgroupFolder {
  std::string path;
  bool version1 = false;  // memory.limit_in_bytes and friends, rather than memory.max
};

/// From the text of /proc/self/cgroup: the memory cgroup folders of this process under
/// /sys/fs/cgroup, from its own up to the root (a limit set on any ancestor applies), for
/// cgroup v2 and, where mounted, v1.
std::vector<CgroupFolder> memory_cgroup_folders(std::string_view proc_self_cgroup);

/// The least of MemAvailable and, for every cgroup this process lives under that has a
/// memory limit, that limit minus what the cgroup uses beyond reclaimable file cache.
/// Nothing when no source can be read. Files are read through `read`.
std::optional<std::int64_t> available_memory_bytes(const TextFileReader& read);

/// available_memory_bytes on this machine's /proc and /sys.
std::optional<std::int64_t> available_memory_bytes();

/// The size of the result file of an m × n factorization with k components whose history
/// has `history_rows` rows: W, H, the history table and room for attributes and metadata.
std::int64_t factor_file_bytes(Index rows, Index columns, Index components, Index history_rows);

/// The "not enough disk space" message when `needed` bytes exceed `free` in the folder that
/// will hold `output`; nothing when they fit.
std::optional<std::string> disk_shortfall(const std::string& output, std::int64_t needed,
                                          std::int64_t free);

/// A collective: rank 0 compares `bytes_needed` (the output, plus anything else to be
/// written beside it, such as checkpoints) with the free space in the output's folder;
/// every rank throws the same AgreedError when it does not fit.
void check_disk_space(Communicator& comm, const std::string& output, std::int64_t bytes_needed);

}  // namespace mpinmf
