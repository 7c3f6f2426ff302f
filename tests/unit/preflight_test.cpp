#include "engine/preflight.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/bytes.hpp"
#include "io/disk_space.hpp"
#include "rules/registry.hpp"

namespace mpinmf {
namespace {

constexpr std::int64_t kMiB = std::int64_t{1} << 20;
constexpr std::int64_t kGiB = std::int64_t{1} << 30;

Workload dense_workload(Index rows, Index columns, Index k, Algorithm algorithm, int threads) {
  Workload workload;
  workload.rows = rows;
  workload.columns = columns;
  workload.components = k;
  workload.algorithm = algorithm;
  workload.threads = threads;
  return workload;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The estimate.

TEST(EstimateRankMemory, GrowsLinearlyWithTheRowsHeld) {
  for (const Algorithm algorithm : frobenius_algorithms()) {
    const Workload workload = dense_workload(1'000'000, 2000, 50, algorithm, 1);
    const auto total = [&](Index rows) { return estimate_rank_memory(workload, rows, 4).total(); };
    // Large enough that the loop, not reading V, sets the workspace: then every term is linear.
    EXPECT_EQ(total(400'000) - total(200'000), 2 * (total(200'000) - total(100'000)));
    EXPECT_GT(total(200'000), total(100'000));
    EXPECT_EQ(estimate_rank_memory(workload, 100'000, 4).v_block, 100'000LL * 2000 * 8);
  }
}

// 1,000,000 × 20,000 at 0.1%: V's share is its nonzeros (16 bytes each), never m·n doubles.
TEST(EstimateRankMemory, ASparseBlockCountsItsNonzerosNotItsArea) {
  Workload workload = dense_workload(1'000'000, 20'000, 20, Algorithm::multiplicative, 1);
  workload.sparse_entries = 20'000'000;
  const MemoryEstimate estimate = estimate_rank_memory(workload, 500'000, 2);
  EXPECT_NEAR(static_cast<double>(estimate.v_block), 10'000'000 * 16.0 + 500'001 * 8.0, 1e3);
  EXPECT_LT(estimate.total(), std::int64_t{2} << 30);  // about 1 GiB per rank, not 80 GB
  const MemoryEstimate dense = estimate_rank_memory(
      dense_workload(1'000'000, 20'000, 20, Algorithm::multiplicative, 1), 500'000, 2);
  EXPECT_GT(dense.v_block, 100 * estimate.v_block);
}

TEST(EstimateRankMemory, GrowsLinearlyWithTheColumns) {
  const auto total = [](Index columns) {
    return estimate_rank_memory(dense_workload(400'000, columns, 20, Algorithm::hals, 1), 100'000,
                                1)
        .total();
  };
  EXPECT_EQ(total(4000) - total(2000), 2 * (total(2000) - total(1000)));
  EXPECT_GT(total(2000), total(1000));
}

TEST(EstimateRankMemory, PartsAddUpAndFactorsAreWAndH) {
  const MemoryEstimate estimate =
      estimate_rank_memory(dense_workload(20000, 2000, 50, Algorithm::multiplicative, 1), 10000, 2);
  EXPECT_EQ(estimate.total(),
            estimate.v_block + estimate.factors + estimate.workspace + estimate.process);
  EXPECT_EQ(estimate.factors, (10000 * 50 + 50 * 2000) * 8);
  EXPECT_GT(estimate.workspace, 0);
  EXPECT_GT(estimate.process, 0);
}

TEST(EstimateRankMemory, CountsEachThreadsOpenBlasBuffersAndWtVPartial) {
  const Workload one_thread = dense_workload(1'000'000, 2000, 50, Algorithm::multiplicative, 1);
  Workload two_threads = one_thread;
  two_threads.threads = 2;
  const auto extra = [&](Index rows) {
    return estimate_rank_memory(two_threads, rows, 1).total() -
           estimate_rank_memory(one_thread, rows, 1).total();
  };
  // Beside the buffers, the second thread's k × n partial of Wᵀ V (split by rows).
  const std::int64_t partial = 50 * 2000 * 8;
  EXPECT_EQ(extra(40'000), 40'000 * 3 * 1024 + partial);  // a packed panel of 3 KiB per row
  EXPECT_EQ(extra(400'000), 2 * 128 * kMiB + partial);    // each thread's buffer is full
}

// On one rank: on several, the loop's reduce-scatter buffers (2 × k × n) outweigh the SVD.
TEST(EstimateRankMemory, AnSvdStartNeedsMoreThanARandomOneOnAWideMatrix) {
  Workload workload = dense_workload(2000, 200'000, 50, Algorithm::hals, 1);
  const std::int64_t random_start = estimate_rank_memory(workload, 2000, 1).workspace;
  workload.svd_start = true;
  EXPECT_GT(estimate_rank_memory(workload, 2000, 1).workspace, random_start);
}

TEST(EstimateRankMemory, KullbackLeiblerHoldsRowBlocksNotAnMByNMatrix) {
  const Workload workload = dense_workload(1'000'000, 10'000, 10, Algorithm::kullback_leibler, 1);
  const MemoryEstimate estimate = estimate_rank_memory(workload, 500'000, 2);
  EXPECT_LT(estimate.workspace, estimate.v_block / 10);
}

// Peaks measured on the development machine (2-core AMD EPYC, OpenBLAS 0.3.21, Open MPI 4.1,
// HDF5 1.10; "peak memory" of the summary, 3 iterations, largest rank), with the process's
// own 26.5 MiB taken off: the estimate without its process allowance stays within 20%
// above each.
TEST(EstimateRankMemory, IsWithinTwentyPercentAboveMeasuredPeaks) {
  struct Measured {
    Index rows, columns, k;
    Algorithm algorithm;
    int ranks, threads;
    bool svd_start;
    double peak_mib;
  };
  const Algorithm mu = Algorithm::multiplicative;
  const Algorithm kl = Algorithm::kullback_leibler;
  const Algorithm bpp = Algorithm::anls_bpp;
  for (const Measured& run : std::vector<Measured>{
           {20000, 2000, 50, mu, 1, 1, false, 364.0},
           {20000, 2000, 50, mu, 1, 2, false, 422.6},
           {20000, 2000, 50, mu, 2, 1, false, 196.3},
           {20000, 2000, 50, bpp, 1, 2, false, 422.7},
           {20000, 2000, 50, bpp, 2, 1, false, 196.8},
           {20000, 2000, 50, kl, 1, 1, false, 364.6},
           {20000, 2000, 50, kl, 1, 2, false, 368.6},
           {20000, 2000, 50, kl, 2, 1, false, 204.5},
           {20000, 2000, 50, mu, 1, 1, true, 370.9},
           {20000, 2000, 50, mu, 2, 1, true, 200.5},
           {2000, 20000, 50, mu, 1, 2, false, 431.6},
           {2000, 20000, 50, kl, 2, 1, false, 214.7},
           {2000, 20000, 50, mu, 1, 1, true, 393.2},
           {20000, 2000, 200, mu, 1, 1, false, 521.8},
           {20000, 2000, 200, mu, 2, 1, false, 278.2},
           {20000, 2000, 200, bpp, 1, 1, false, 522.1},
       }) {
    Workload workload = dense_workload(run.rows, run.columns, run.k, run.algorithm, run.threads);
    workload.svd_start = run.svd_start;
    workload.max_iterations = 3;
    const MemoryEstimate estimate =
        estimate_rank_memory(workload, (run.rows + run.ranks - 1) / run.ranks, run.ranks);
    const double estimated = static_cast<double>(estimate.total() - estimate.process) / kMiB;
    const double measured = run.peak_mib - 26.5;
    EXPECT_GE(estimated, 0.99 * measured) << run.rows << " x " << run.columns << " k " << run.k;
    EXPECT_LE(estimated, 1.2 * measured) << run.rows << " x " << run.columns << " k " << run.k;
  }
}

// How many ranks would fit.

TEST(RanksThatWouldFit, FindsTheFewestRanksWhoseShareFits) {
  const Workload workload = dense_workload(1'000'000, 1000, 10, Algorithm::multiplicative, 1);
  const std::int64_t eight_ranks_need = estimate_rank_memory(workload, 1'000'000 / 8, 8).total();
  EXPECT_EQ(ranks_that_would_fit(workload, eight_ranks_need), 8);
  EXPECT_EQ(ranks_that_would_fit(workload, eight_ranks_need - 1), 9);
  EXPECT_EQ(ranks_that_would_fit(workload, 1000 * kGiB), 1);
}

TEST(RanksThatWouldFit, IsZeroWhenWhatEveryRankHoldsIsTooLarge) {
  // H alone (100 × 10⁸ doubles) is 75 GiB.
  const Workload workload = dense_workload(1000, 100'000'000, 100, Algorithm::hals, 1);
  EXPECT_EQ(ranks_that_would_fit(workload, 64 * kGiB), 0);
  EXPECT_EQ(ranks_that_would_fit(workload, 10 * kMiB), 0);  // less than the process itself
}

// The memory message.

TEST(MemoryShortfall, NothingWhenTheRunFits) {
  const Workload workload = dense_workload(200, 100, 5, Algorithm::multiplicative, 1);
  EXPECT_FALSE(memory_shortfall(workload, 100, 2, {"node1", 8 * kGiB, 2}).has_value());
}

TEST(MemoryShortfall, SaysWhatEachRankNeedsWhatTheNodeHasAndWhatWouldFit) {
  const Workload workload = dense_workload(2'000'000, 1'000'000, 10, Algorithm::hals, 1);
  const NodeMemory node{"node7", 20 * kGiB, 2};
  const auto message = memory_shortfall(workload, 1'000'000, 2, node);
  ASSERT_TRUE(message.has_value());
  const MemoryEstimate need = estimate_rank_memory(workload, 1'000'000, 2);
  EXPECT_TRUE(contains(*message, "not enough memory: each rank needs about " +
                                     format_bytes(need.total()) + " (V block 7.3 TiB, factors "))
      << *message;
  EXPECT_TRUE(contains(*message,
                       "but node node7 has 20.0 GiB available for its 2 ranks "
                       "(10.0 GiB each)"))
      << *message;
  const int ranks = ranks_that_would_fit(workload, 10 * kGiB);
  EXPECT_GT(ranks, 2);
  EXPECT_TRUE(contains(*message, "about " + std::to_string(ranks) +
                                     " ranks in all would fit (2 on "
                                     "each of " +
                                     std::to_string((ranks + 1) / 2) + " nodes like this one)"))
      << *message;
  EXPECT_TRUE(contains(*message, "--skip-resource-check")) << *message;
  EXPECT_EQ(message->find('\n'), std::string::npos) << "one line";
}

TEST(MemoryShortfall, SuggestsOneRankPerNodeWhenSharingANodeCannotFit) {
  const Workload workload = dense_workload(1000, 10'000'000, 50, Algorithm::hals, 1);
  // The least any rank can need: one row each.
  const std::int64_t least = estimate_rank_memory(workload, 1, 1000).total();
  const NodeMemory node{"big", 2 * least, 4};
  const auto message = memory_shortfall(workload, 250, 4, node);
  ASSERT_TRUE(message.has_value());
  EXPECT_TRUE(contains(*message, "ranks in all would fit (one on each of ")) << *message;
}

TEST(MemoryShortfall, SaysWhenNoNumberOfRanksWouldFit) {
  const Workload workload = dense_workload(1000, 100'000'000, 100, Algorithm::hals, 1);
  const auto message = memory_shortfall(workload, 1000, 1, {"small", 16 * kGiB, 1});
  ASSERT_TRUE(message.has_value());
  EXPECT_TRUE(contains(*message, "has 16.0 GiB available;")) << *message;
  EXPECT_TRUE(contains(*message, "even one row of V per rank would not fit")) << *message;
  EXPECT_TRUE(contains(*message, "history of up to 500 iterations")) << *message;
}

TEST(FormatBytes, PicksTheLargestBinaryUnit) {
  EXPECT_EQ(format_bytes(512), "512 bytes");
  EXPECT_EQ(format_bytes(1023), "1023 bytes");
  EXPECT_EQ(format_bytes(1024), "1 KiB");
  EXPECT_EQ(format_bytes(1536), "2 KiB");
  EXPECT_EQ(format_bytes(300.0 * kMiB), "300 MiB");
  EXPECT_EQ(format_bytes(12.4 * kGiB), "12.4 GiB");
  EXPECT_EQ(format_bytes(1.5 * kGiB), "1.5 GiB");
  EXPECT_EQ(format_bytes(2048.0 * kGiB), "2.0 TiB");
}

// Where the available memory comes from.

TEST(MeminfoAvailable, ReadsMemAvailableInBytes) {
  const std::string meminfo =
      "MemTotal:       24634440 kB\nMemFree:        20000000 kB\n"
      "MemAvailable:   24394368 kB\nBuffers:          123456 kB\n";
  EXPECT_EQ(meminfo_available_bytes(meminfo), 24394368LL * 1024);
  EXPECT_FALSE(meminfo_available_bytes("MemTotal: 100 kB\nMemFree: 50 kB\n").has_value());
  EXPECT_FALSE(meminfo_available_bytes("MemAvailable: lots\n").has_value());
  EXPECT_FALSE(meminfo_available_bytes("").has_value());
}

TEST(CgroupLimit, MaxAndVersion1sUnlimitedMeanNoLimit) {
  EXPECT_EQ(cgroup_limit_bytes("4294967296\n"), 4 * kGiB);
  EXPECT_FALSE(cgroup_limit_bytes("max\n").has_value());
  EXPECT_FALSE(cgroup_limit_bytes("9223372036854771712\n").has_value());
  EXPECT_FALSE(cgroup_limit_bytes("").has_value());
  EXPECT_FALSE(cgroup_limit_bytes("12abc").has_value());
}

TEST(StatValue, FindsTheWholeKey) {
  const std::string stat = "anon 100\nfile 200\ninactive_file 300\ntotal_inactive_file 400\n";
  EXPECT_EQ(stat_value(stat, "file"), 200);
  EXPECT_EQ(stat_value(stat, "inactive_file"), 300);
  EXPECT_EQ(stat_value(stat, "total_inactive_file"), 400);
  EXPECT_FALSE(stat_value(stat, "active_file").has_value());
}

TEST(MemoryCgroupFolders, WalksFromTheProcesssCgroupUpToTheRoot) {
  const auto v2 = memory_cgroup_folders("0::/system.slice/slurmstepd.scope/job_42/step_0\n");
  ASSERT_EQ(v2.size(), 5U);
  EXPECT_EQ(v2[0].path, "/sys/fs/cgroup/system.slice/slurmstepd.scope/job_42/step_0");
  EXPECT_EQ(v2[2].path, "/sys/fs/cgroup/system.slice/slurmstepd.scope");
  EXPECT_EQ(v2[4].path, "/sys/fs/cgroup");
  EXPECT_FALSE(v2[0].version1);

  const auto root_only = memory_cgroup_folders("0::/\n");
  ASSERT_EQ(root_only.size(), 1U);
  EXPECT_EQ(root_only[0].path, "/sys/fs/cgroup");
}

TEST(MemoryCgroupFolders, FindsVersion1sMemoryHierarchy) {
  const auto folders = memory_cgroup_folders(
      "9:name=systemd:/\n8:pids:/\n4:memory:/slurm/uid_1000/job_7\n"
      "3:cpu,cpuacct:/\n0::/\n");
  ASSERT_EQ(folders.size(), 5U);  // v1 memory: 4 levels; v2 root
  EXPECT_EQ(folders[0].path, "/sys/fs/cgroup/memory/slurm/uid_1000/job_7");
  EXPECT_TRUE(folders[0].version1);
  EXPECT_EQ(folders[3].path, "/sys/fs/cgroup/memory");
  EXPECT_EQ(folders[4].path, "/sys/fs/cgroup");
  EXPECT_FALSE(folders[4].version1);
  EXPECT_EQ(memory_cgroup_folders("5:memory,hugetlb:/a\n").size(), 2U);
  EXPECT_TRUE(memory_cgroup_folders("2:cpu:/a\n").empty());
}

/// A file system in a map: what available_memory_bytes reads.
class FakeFiles {
 public:
  explicit FakeFiles(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  [[nodiscard]] TextFileReader reader() const {
    return [this](const std::string& path) -> std::optional<std::string> {
      const auto found = files_.find(path);
      return found == files_.end() ? std::nullopt : std::optional(found->second);
    };
  }

 private:
  std::map<std::string, std::string> files_;
};

const std::string kMeminfo20GiB = "MemAvailable:   20971520 kB\n";

TEST(AvailableMemory, IsMemAvailableWithoutACgroupLimit) {
  const FakeFiles files({{"/proc/meminfo", kMeminfo20GiB},
                         {"/proc/self/cgroup", "0::/user.slice\n"},
                         {"/sys/fs/cgroup/user.slice/memory.max", "max\n"},
                         {"/sys/fs/cgroup/user.slice/memory.current", "1000\n"}});
  EXPECT_EQ(available_memory_bytes(files.reader()), 20 * kGiB);
}

TEST(AvailableMemory, IsASlurmJobsLimitLessItsUseBeyondReclaimableCache) {
  // The limit sits on the job; the step below it has none of its own.
  const std::string job = "/sys/fs/cgroup/system.slice/slurmstepd.scope/job_42";
  const FakeFiles files({{"/proc/meminfo", kMeminfo20GiB},
                         {"/proc/self/cgroup", "0::/system.slice/slurmstepd.scope/job_42/step_0\n"},
                         {job + "/step_0/memory.max", "max\n"},
                         {job + "/step_0/memory.current", "104857600\n"},
                         {job + "/memory.max", "4294967296\n"},
                         {job + "/memory.current", "1073741824\n"},
                         {job + "/memory.stat", "anon 536870912\ninactive_file 536870912\n"}});
  EXPECT_EQ(available_memory_bytes(files.reader()), 4 * kGiB - (kGiB - kGiB / 2));
}

TEST(AvailableMemory, ReadsVersion1Limits) {
  const std::string group = "/sys/fs/cgroup/memory/slurm/job_7";
  const auto files_with_limit = [&](const std::string& limit) {
    return FakeFiles(
        {{"/proc/meminfo", kMeminfo20GiB},
         {"/proc/self/cgroup", "4:memory:/slurm/job_7\n"},
         {group + "/memory.limit_in_bytes", limit},
         {group + "/memory.usage_in_bytes", "2147483648\n"},
         {group + "/memory.stat", "inactive_file 1\ntotal_inactive_file 1073741824\n"}});
  };
  EXPECT_EQ(available_memory_bytes(files_with_limit("8589934592\n").reader()), 7 * kGiB);
  EXPECT_EQ(available_memory_bytes(files_with_limit("9223372036854771712\n").reader()), 20 * kGiB);
}

TEST(AvailableMemory, NeverBelowZeroAndNothingWhenNothingIsReadable) {
  const FakeFiles full({{"/proc/self/cgroup", "0::/\n"},
                        {"/sys/fs/cgroup/memory.max", "1000\n"},
                        {"/sys/fs/cgroup/memory.current", "5000\n"}});
  EXPECT_EQ(available_memory_bytes(full.reader()), 0);
  EXPECT_FALSE(available_memory_bytes(FakeFiles({}).reader()).has_value());
}

TEST(AvailableMemory, ReadsThisMachine) {
  const auto available = available_memory_bytes();
  ASSERT_TRUE(available.has_value());
  EXPECT_GT(*available, 0);
}

// Disk space.

TEST(FactorFileBytes, CoversWrittenResults) {
  // Sizes of result files mpinmf wrote: 20000 × 2000, k = 50, 4 history rows, and 200 × 100,
  // k = 5, 501 history rows.
  EXPECT_GE(factor_file_bytes(20000, 2000, 50, 4), 8'807'744);
  EXPECT_LE(factor_file_bytes(20000, 2000, 50, 4), 8'807'744 * 1.01);
  EXPECT_GE(factor_file_bytes(200, 100, 5, 501), 39'624);
}

TEST(DiskShortfall, SaysWhatTheOutputNeedsAndWhatIsFree) {
  EXPECT_FALSE(disk_shortfall("out.h5", kGiB, 2 * kGiB).has_value());
  const auto message = disk_shortfall("out.h5", 3 * kGiB / 2, 512 * kMiB);
  ASSERT_TRUE(message.has_value());
  EXPECT_TRUE(contains(*message,
                       "not enough disk space: writing out.h5 needs about 1.5 GiB but "
                       "its file system has 512 MiB free"))
      << *message;
}

TEST(FreeDiskBytes, ReadsAFolderAndNothingForAMissingOne) {
  EXPECT_GT(io::free_disk_bytes("/tmp").value_or(0), 0);
  EXPECT_FALSE(io::free_disk_bytes("/no/such/folder").has_value());
}

}  // namespace
}  // namespace mpinmf
