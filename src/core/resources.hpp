#pragma once

#include <cstddef>
#include <string>
// What this process may use of the machine: cores for BLAS threads, and its peak memory.

namespace mpinmf {

/// CPUs this process may run on (its affinity mask; mpirun may bind a rank to one core).
int cpus_available();

/// The thread count a rank should use: `requested` when given, otherwise the CPUs it may
/// run on, shared fairly with the other ranks on its node so that the node is not
/// oversubscribed.
int choose_thread_count(int requested, int cpus_available, int ranks_on_node, int hardware_cpus);

/// choose_thread_count for this process: the CPUs it may run on and the machine's.
int threads_for_rank(int requested, int ranks_on_node);

/// When a rank asks for more threads than the CPUs it may run on (mpirun binds each rank to
/// one core by default, so `mpirun -np 1 ... --threads 2` gets one), the one line that says
/// how to get them; empty when it has enough.
std::string binding_advice(int requested_threads, int cpus_available);

/// Which work a rank's threads go to: BLAS's dense products, or the project's own loops
/// (the sparse products). OpenBLAS's idle threads spin, so giving both the same cores
/// makes them fight over them: with sparse V, BLAS's products are the small ones (m_p × k ×
/// k) and run on one thread. Loops of the project's that must have all the threads where
/// BLAS has them (ANLS's solver) run inside an OwnLoopsHaveTheCores.
enum class ThreadUse { dense_products, sparse_products };

/// Sets the BLAS, Eigen and OpenMP thread counts for this process.
void use_threads(int threads, ThreadUse use = ThreadUse::dense_products);

/// BLAS's thread count as use_threads last set it. Where it is 1 (sparse V), the project's
/// own loops may run BLAS calls on several threads at once; where BLAS has the threads, its
/// idle workers spin on them, and the project's loops leave them alone unless they run
/// inside an OwnLoopsHaveTheCores.
int blas_threads();

/// While one lives, the project's own OpenMP loops have the cores: BLAS runs on one thread
/// (a BLAS call from inside such a loop must not start threads of its own) and OpenBLAS's
/// idle workers, which spin for 2^28 cycles after each threaded call (the
/// OPENBLAS_THREAD_TIMEOUT that would shorten it is read only when the library loads), are
/// ended. Afterwards BLAS has its thread count back, and OpenBLAS starts its workers again at
/// its next threaded call (measured small beside the spinning it saves). Where BLAS has one
/// thread (sparse V), inside another one, or inside a parallel region, it does nothing.
class OwnLoopsHaveTheCores {
 public:
  OwnLoopsHaveTheCores();
  ~OwnLoopsHaveTheCores();
  OwnLoopsHaveTheCores(const OwnLoopsHaveTheCores&) = delete;
  OwnLoopsHaveTheCores& operator=(const OwnLoopsHaveTheCores&) = delete;
  OwnLoopsHaveTheCores(OwnLoopsHaveTheCores&&) = delete;
  OwnLoopsHaveTheCores& operator=(OwnLoopsHaveTheCores&&) = delete;

 private:
  bool active_;  // false when nested in another, or constructed inside a parallel region
};

/// Peak resident memory of this process so far, in bytes.
double peak_memory_bytes();

/// Asks the kernel to back `bytes` from `data` with 2 MB pages where it can (transparent huge
/// pages, which Linux often grants only on request): call it before the memory is first
/// written. For V's dense block: BLAS packs V by reading across its rows, one 4 KB page per
/// row, and with large pages those reads miss the TLB far less (the float product pair
/// measured faster). Only advice: where the kernel declines, nothing changes.
void advise_large_pages(void* data, std::size_t bytes);

}  // namespace mpinmf
