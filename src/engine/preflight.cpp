#include "engine/preflight.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/bytes.hpp"
#include "engine/frobenius_loop.hpp"
#include "engine/loop_control.hpp"
#include "io/disk_space.hpp"
#include "kernels/local_products.hpp"
#include "mpinmf/error.hpp"
#include "rules/kullback_leibler.hpp"
#include "rules/registry.hpp"
#include "starts/nndsvd.hpp"

namespace mpinmf {
namespace {

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;
constexpr std::int64_t kGiB = 1024 * kMiB;

// OpenBLAS packs a panel of each product's long operand, about 3 KiB per row of its long
// side, into a 128 MiB buffer per thread (measured with OpenBLAS 0.3.21 on x86-64: 58.6 MiB
// for V Hᵀ with 20000 rows, 2 × 117 MiB with 80000 rows on two threads, 128 MiB with 80000
// rows on one). One thread with at most 128 components takes a path that packs next to
// nothing.
constexpr std::int64_t kBlasBufferBytes = 128 * kMiB;
constexpr std::int64_t kBlasPackedBytesPerRow = 3 * kKiB;
constexpr Index kBlasSmallWidth = 128;

// Columns of the history table in the result file (factor_file.cpp).
constexpr Index kHistoryColumns = 5;

// HDF5's metadata and the attributes (the command line among them): 8 KiB measured for a
// small result, with room to spare.
constexpr std::int64_t kResultMetadataBytes = 64 * kKiB;

// cgroup v1 reports "no limit" as the largest page-aligned 64-bit count, about 2^63.
constexpr std::int64_t kNoCgroupLimit = std::int64_t{1} << 62;

std::int64_t doubles(Index count) { return static_cast<std::int64_t>(sizeof(double)) * count; }

Index ceil_div(Index count, Index parts) { return (count + parts - 1) / parts; }

/// OpenBLAS's packing buffers for products `width` columns wide whose long side has
/// `long_side` rows.
std::int64_t blas_packing_bytes(int threads, Index width, Index long_side) {
  if (threads <= 1 && width <= kBlasSmallWidth) {
    return 0;
  }
  return std::min(kBlasPackedBytesPerRow * long_side,
                  kBlasBufferBytes * std::max<std::int64_t>(1, threads));
}

/// The alternating loop of the Frobenius rules (engine/frobenius_loop.cpp).
std::int64_t frobenius_loop_bytes(const Workload& workload, Index rows_here, Index own_columns) {
  const Index k = workload.components;
  const Index n = workload.columns;
  // Held throughout, in V's precision: WᵀV (k × n) and this rank's columns of it, VHᵀ
  // (m_p × k), for a single-precision V the loop's float copies of both factors, and for a
  // dense V the products' scratch (local_products.cpp): Wᵀ V row-major, and V Hᵀ
  // column-major as BLAS forms it or H packed for the project's kernel, k padded to whole
  // vectors (dense_products.hpp), whichever is larger; in double, the two Grams and the
  // monitor sums' (k × k each), and for a single-precision V their float copies.
  const std::int64_t value_bytes = workload.value_bytes;
  const std::int64_t working_factors = value_bytes < 8 ? value_bytes * (rows_here + n) * k : 0;
  const Index padded_k = k + 64 / value_bytes - 1;
  const std::int64_t dense_scratch =
      workload.sparse_entries == 0 ? value_bytes * (n * k + std::max(rows_here * k, n * padded_k))
                                   : 0;
  const std::int64_t held = value_bytes * (k * n + k * own_columns + rows_here * k) +
                            doubles(5 * k * k) + working_factors + dense_scratch;
  // The largest of what comes and goes: W's gradient and its transpose, either half's rule
  // scratch (for a single-precision V, a rule that works in double does so on copies of the
  // factor and product), or the exact residual's block of rows and its product.
  const RuleEntry& rule = rule_entry(workload.algorithm);
  const auto rule_bytes = [&](Index columns) {
    const bool widened = value_bytes < 8 && !rule.works_in_float;
    return rule.scratch_bytes(k, columns) + (widened ? doubles(2 * k * columns) : 0);
  };
  const std::int64_t passing =
      std::max({value_bytes * 2 * rows_here * k, rule_bytes(rows_here), rule_bytes(own_columns),
                doubles(2 * kResidualBlockRows * n)});
  return held + passing;
}

/// The Kullback–Leibler loop (engine/kl_loop.cpp, rules/kullback_leibler): Wᵀ(V ⊘ WH) in full
/// and its own columns, the W numerator (m_p × k), and per thread a block of WH (dense: a
/// block of rows; sparse: at most a row, counted as one) and, but for the first thread, a
/// k × n partial of Wᵀ(V ⊘ WH).
std::int64_t kl_loop_bytes(const Workload& workload, Index rows_here, Index own_columns) {
  const Index k = workload.components;
  const Index n = workload.columns;
  const Index threads = std::max(1, workload.threads);
  const Index block_rows = std::min(rows_here, kl_block_rows(n));
  return doubles(k * n + k * own_columns + rows_here * k + threads * block_rows * n +
                 (threads - 1) * k * n);
}

/// The distributed randomized SVD and the NNDSVD pairs built from it (starts/nndsvd.cpp), with
/// l = k + oversampling sketch columns; the finished W and H count as factors.
std::int64_t svd_start_bytes(const Workload& workload, Index rows_here) {
  const Index k = workload.components;
  const Index n = workload.columns;
  const Index l = std::min({k + kSvdOversampling, n, workload.rows});
  // The range finder: the basis, the sketch and two orthonormalization passes (m_p × l
  // each), the row space and its basis with the test matrix (n × l each).
  const Index range_finder = 4 * l * rows_here + 3 * l * n;
  // The small SVD of the l × n projection: the basis, the projection, and the Jacobi SVD's
  // transposed copy, QR factors and right vectors with their workspace (n × l each; 5 in
  // all measured), then the truncated U and R.
  const Index small_svd = l * rows_here + 5 * l * n + k * (rows_here + n);
  // U and R with their positive and negative parts.
  const Index pairs = 3 * k * (rows_here + n);
  return doubles(std::max({range_finder, small_svd, pairs})) +
         blas_packing_bytes(workload.threads, l, std::max(rows_here, n));
}

/// Ranks beyond one per row of V would hold nothing, and so save nothing.
int most_useful_ranks(const Workload& workload) {
  return static_cast<int>(std::max<Index>(2, std::min<Index>(workload.rows, INT_MAX)));
}

/// "about 6 ranks in all would fit (2 on each of 3 nodes like this one)".
std::string would_fit(int ranks, int per_node) {
  if (ranks == 1) {
    return "one rank alone on a node like this one would fit";
  }
  const Index nodes = ceil_div(ranks, per_node);
  return "about " + std::to_string(ranks) + " ranks in all would fit (" +
         (per_node == 1 ? std::string("one") : std::to_string(per_node)) + " on each of " +
         std::to_string(nodes) + (nodes == 1 ? " node" : " nodes") + " like this one)";
}

/// What would fit on nodes like `node`: as many ranks per node on more nodes (each rank then
/// holds fewer rows), or else one rank per node.
std::string what_would_fit(const Workload& workload, const NodeMemory& node) {
  for (const int per_node : {std::max(1, node.ranks), 1}) {
    if (const int ranks = ranks_that_would_fit(workload, node.available / per_node); ranks > 0) {
      return would_fit(ranks, per_node) + ", or use machines with more memory";
    }
  }
  // The least a rank can need: one row of V each, on as many ranks as there are rows.
  const std::int64_t least = estimate_rank_memory(workload, 1, most_useful_ranks(workload)).total();
  return "even one row of V per rank would not fit on a node like this one (every rank needs " +
         format_bytes(least) + " or more, for H, the k × n products and the history of up to " +
         std::to_string(workload.max_iterations) +
         " iterations); use a machine with more memory, or a smaller --rank or --max-iter";
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  const std::string number = trimmed(text);
  std::int64_t value = 0;
  const char* end = number.data() + number.size();
  const auto [stop, error] = std::from_chars(number.data(), end, value);
  if (error != std::errc() || stop != end || number.empty()) {
    return std::nullopt;
  }
  return value;
}

/// Each line of `text` in turn.
template <typename Visit>
void for_each_line(std::string_view text, Visit visit) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    visit(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
}

/// What a cgroup with a memory limit still lets this process use: the limit less what it
/// uses beyond inactive file cache, which the kernel reclaims before it enforces the limit.
std::optional<std::int64_t> cgroup_headroom(const TextFileReader& read,
                                            const CgroupFolder& folder) {
  const auto file = [&](const char* version1_name, const char* version2_name) {
    return read(folder.path + "/" + (folder.version1 ? version1_name : version2_name));
  };
  const auto limit_text = file("memory.limit_in_bytes", "memory.max");
  const auto limit = limit_text ? cgroup_limit_bytes(*limit_text) : std::nullopt;
  if (!limit) {
    return std::nullopt;
  }
  const auto usage_text = file("memory.usage_in_bytes", "memory.current");
  const std::int64_t usage = usage_text ? parse_integer(*usage_text).value_or(0) : 0;
  const auto stat = file("memory.stat", "memory.stat");
  // v1's total_ counts the whole subtree, as its usage does.
  const std::int64_t reclaimable =
      stat
          ? stat_value(*stat, folder.version1 ? "total_inactive_file" : "inactive_file").value_or(0)
          : 0;
  return std::max<std::int64_t>(0, *limit - std::max<std::int64_t>(0, usage - reclaimable));
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) {
    return "(unnamed)";
  }
  return name.data();
}

}  // namespace

Workload run_workload(const RunOptions& options, Index rows, Index columns, int threads,
                      std::int64_t sparse_entries) {
  Workload workload;
  workload.sparse_entries = sparse_entries;
  workload.rows = rows;
  workload.columns = columns;
  workload.components = options.rank;
  workload.algorithm = options.rule.algorithm;
  workload.svd_start = options.init_file.empty() && options.init != "random";
  workload.threads = threads;
  workload.max_iterations = options.stopping.max_iterations;
  workload.value_bytes = options.precision == Precision::single_precision ? 4 : 8;
  return workload;
}

// A CSR entry's column (its value is Workload::value_bytes).
constexpr std::int64_t kColumnIndexBytes = 8;

MemoryEstimate estimate_rank_memory(const Workload& workload, Index rows_here, int ranks) {
  const Index k = workload.components;
  const Index n = workload.columns;
  // The largest column block a rank owns of the k × n products.
  const Index own_columns = ceil_div(n, std::max(1, ranks));

  MemoryEstimate estimate;
  // Rows are split by nonzeros for sparse V, so a rank's share of them is its share of rows.
  const std::int64_t entries_here =
      workload.sparse_entries == 0
          ? 0
          : ceil_div(workload.sparse_entries * std::max<Index>(rows_here, 1),
                     std::max<Index>(workload.rows, 1));
  estimate.v_block =
      workload.sparse_entries == 0
          ? workload.value_bytes * rows_here * n
          : entries_here * (kColumnIndexBytes + workload.value_bytes) + doubles(rows_here + 1);
  estimate.factors = doubles(rows_here * k + k * n);
  estimate.process = kProcessBytes;

  // Phases follow one another, each freeing what it allocated, so the workspace is the
  // largest of them (V and the factors live throughout).
  // Reading V; the H of --init-file is also copied once to be validated. A sparse read also
  // holds the file's arrays and, where entries change ranks, triplets sent and received; it
  // assembles the block in double, which a single-precision run then narrows.
  const std::int64_t reading = kFileIoBytes + doubles(k * n) +
                               entries_here * (kSparseReadBytesPerEntry + 8 - workload.value_bytes);
  const std::int64_t start = workload.svd_start ? svd_start_bytes(workload, rows_here) : 0;
  // Open MPI's reduce-scatter keeps up to two buffers the size of the whole k × n product.
  const std::int64_t reduce_scatter = ranks > 1 ? doubles(2 * k * n) : 0;
  // Wᵀ V on several threads (local_products): split by rows, the other threads' partials
  // (sparse V; dense V where the project's kernel forms it, on AVX-512 for k ≤ 64, but
  // counted for any dense V: this estimate does not know the CPU it will run on); sparse V
  // split by columns, where each thread's range of columns starts in each row and the count
  // per column that balances the ranges.
  const int threads = workload.threads;
  const Index other_threads = threads - 1;
  std::int64_t thread_split = 0;
  if (w_transposed_times_by_rows(rows_here, n, threads)) {
    thread_split = std::int64_t{workload.value_bytes} * other_threads * k * n;
  } else if (workload.sparse_entries > 0 && threads > 1) {
    thread_split = doubles(rows_here * other_threads + n + 1);
  }
  const std::int64_t loop = (workload.algorithm == Algorithm::kullback_leibler
                                 ? kl_loop_bytes(workload, rows_here, own_columns)
                                 : frobenius_loop_bytes(workload, rows_here, own_columns)) +
                            reduce_scatter + thread_split +
                            blas_packing_bytes(workload.threads, k, std::max(rows_here, n));
  const Index history_rows = static_cast<Index>(workload.max_iterations) + 1;
  // Writing: H copied row-major and the history as a table.
  const std::int64_t writing = kFileIoBytes + doubles(k * n + kHistoryColumns * history_rows);
  // The history is kept from the first iteration until it is written; growing one entry at
  // a time, its vector may hold twice the entries it has.
  const auto history = 2 * static_cast<std::int64_t>(sizeof(HistoryEntry)) * history_rows;
  estimate.workspace = history + std::max({reading, start, loop, writing});
  return estimate;
}

int ranks_that_would_fit(const Workload& workload, std::int64_t bytes_per_rank) {
  const auto fits = [&](Index ranks) {
    return estimate_rank_memory(workload, ceil_div(workload.rows, ranks), static_cast<int>(ranks))
               .total() <= bytes_per_rank;
  };
  if (fits(1)) {
    return 1;
  }
  // From two ranks on, the estimate shrinks as ranks are added (one rank has no
  // reduce-scatter buffers), so the fewest that fit can be bisected. One exception: where
  // fewer rows per rank switch sparse Wᵀ V on threads from partials to column ranges
  // (local_products.hpp), the row cuts can outweigh the partials (more threads than k + 1);
  // the count found then fits, though it may not be the fewest.
  Index too_few = 1;
  Index enough = most_useful_ranks(workload);
  if (!fits(enough)) {
    return 0;
  }
  while (enough - too_few > 1) {
    const Index middle = too_few + (enough - too_few) / 2;
    (fits(middle) ? enough : too_few) = middle;
  }
  return static_cast<int>(enough);
}

std::optional<std::string> memory_shortfall(const Workload& workload, Index largest_rows, int ranks,
                                            const NodeMemory& node) {
  const MemoryEstimate need = estimate_rank_memory(workload, largest_rows, ranks);
  const int ranks_here = std::max(1, node.ranks);
  const std::int64_t share = node.available / ranks_here;
  if (need.total() <= share) {
    return std::nullopt;
  }
  std::ostringstream message;
  message << "not enough memory: each rank needs about " << format_bytes(need.total())
          << " (V block " << format_bytes(need.v_block) << ", factors "
          << format_bytes(need.factors) << ", workspace " << format_bytes(need.workspace)
          << ", MPI and libraries " << format_bytes(need.process) << ") but node " << node.name
          << " has " << format_bytes(node.available) << " available";
  if (ranks_here > 1) {
    message << " for its " << ranks_here << " ranks (" << format_bytes(share) << " each)";
  }
  message << "; " << what_would_fit(workload, node)
          << " (--skip-resource-check runs anyway, if the estimate is too cautious)";
  return message.str();
}

void check_memory_fits(Communicator& comm, const Workload& workload, IndexRange rows_here) {
  const auto largest_rows = static_cast<Index>(comm.max(static_cast<double>(rows_here.size())));
  const int ranks_on_node = comm.ranks_on_node();
  comm.run_agreed([&] {
    const std::optional<std::int64_t> available = available_memory_bytes();
    if (!available) {
      return;  // no /proc/meminfo and no cgroup limit: nothing to compare with
    }
    const NodeMemory node{host_name(), *available, ranks_on_node};
    if (const auto shortfall = memory_shortfall(workload, largest_rows, comm.size(), node)) {
      throw Error(*shortfall);
    }
  });
}

std::optional<std::int64_t> meminfo_available_bytes(std::string_view meminfo) {
  constexpr std::string_view kKey = "MemAvailable:";
  std::optional<std::int64_t> bytes;
  for_each_line(meminfo, [&](std::string_view line) {
    if (line.substr(0, kKey.size()) != kKey) {
      return;
    }
    std::string value = trimmed(line.substr(kKey.size()));
    std::int64_t unit = 1;
    if (value.size() > 2 && value.substr(value.size() - 2) == "kB") {
      value.resize(value.size() - 2);
      unit = kKiB;  // /proc/meminfo's "kB" are KiB
    }
    if (const auto number = parse_integer(value)) {
      bytes = *number * unit;
    }
  });
  return bytes;
}

std::optional<std::int64_t> cgroup_limit_bytes(std::string_view text) {
  const auto limit = parse_integer(text);  // "max" does not parse: no limit
  if (!limit || *limit >= kNoCgroupLimit) {
    return std::nullopt;
  }
  return limit;
}

std::optional<std::int64_t> stat_value(std::string_view stat, std::string_view key) {
  std::optional<std::int64_t> value;
  for_each_line(stat, [&](std::string_view line) {
    const auto space = line.find(' ');
    if (space != std::string_view::npos && line.substr(0, space) == key) {
      value = parse_integer(line.substr(space + 1));
    }
  });
  return value;
}

std::vector<CgroupFolder> memory_cgroup_folders(std::string_view proc_self_cgroup) {
  std::vector<CgroupFolder> folders;
  // Lines read "hierarchy:controllers:path"; v2's hierarchy is 0 with no controllers, and a
  // v1 memory hierarchy lists "memory" among its controllers.
  for_each_line(proc_self_cgroup, [&](std::string_view line) {
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) {
      return;
    }
    const std::string controllers(line.substr(first + 1, second - first - 1));
    const bool version2 = line.substr(0, first) == "0" && controllers.empty();
    const bool version1 = ("," + controllers + ",").find(",memory,") != std::string::npos;
    if (!version1 && !version2) {
      return;
    }
    std::string path = trimmed(line.substr(second + 1));
    const std::string root = version1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup";
    // From this process's own cgroup up to the root of the mount.
    while (!path.empty() && path != "/") {
      folders.push_back({root + path, version1});
      path.resize(path.rfind('/'));
    }
    folders.push_back({root, version1});
  });
  return folders;
}

std::optional<std::int64_t> available_memory_bytes(const TextFileReader& read) {
  std::optional<std::int64_t> least;
  const auto consider = [&](std::optional<std::int64_t> bytes) {
    if (bytes) {
      least = least ? std::min(*least, *bytes) : *bytes;
    }
  };
  if (const auto meminfo = read("/proc/meminfo")) {
    consider(meminfo_available_bytes(*meminfo));
  }
  if (const auto groups = read("/proc/self/cgroup")) {
    for (const CgroupFolder& folder : memory_cgroup_folders(*groups)) {
      consider(cgroup_headroom(read, folder));
    }
  }
  return least;
}

std::optional<std::int64_t> available_memory_bytes() {
  return available_memory_bytes(read_text_file);
}

std::int64_t factor_file_bytes(Index rows, Index columns, Index components, Index history_rows) {
  return doubles(rows * components + components * columns + kHistoryColumns * history_rows) +
         kResultMetadataBytes;
}

std::optional<std::string> disk_shortfall(const std::string& output, std::int64_t needed,
                                          std::int64_t free) {
  if (needed <= free) {
    return std::nullopt;
  }
  return "not enough disk space: writing " + output + " needs about " + format_bytes(needed) +
         " but its file system has " + format_bytes(free) +
         " free; free some space or write elsewhere (--skip-resource-check runs anyway)";
}

void check_disk_space(Communicator& comm, const std::string& output, std::int64_t bytes_needed) {
  comm.run_agreed([&] {
    if (!comm.is_root()) {
      return;
    }
    std::error_code error;
    const std::filesystem::path folder = std::filesystem::absolute(output, error).parent_path();
    const std::optional<std::int64_t> free = io::free_disk_bytes(folder.string());
    if (!free) {
      return;  // check_output_path has vouched for the folder; statvfs has nothing to add
    }
    // The write holds io::kCloseReserveBytes back until it closes the file.
    if (const auto shortfall =
            disk_shortfall(output, bytes_needed + io::kCloseReserveBytes, *free)) {
      throw Error(*shortfall);
    }
  });
}

}  // namespace mpinmf
