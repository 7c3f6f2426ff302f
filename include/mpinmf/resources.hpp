#pragma once
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

/// Which work a rank's threads go to: BLAS's dense products, or the project's own loops
/// (the sparse products). OpenBLAS's idle threads spin, so giving both the same cores
/// makes them fight over them: with sparse V, BLAS's products are the small ones (m_p × k ×
/// k) and run on one thread.
enum class ThreadUse { dense_products, sparse_products };

/// Sets the BLAS, Eigen and OpenMP thread counts for this process.
void use_threads(int threads, ThreadUse use = ThreadUse::dense_products);

/// BLAS's thread count as use_threads last set it. Where it is 1 (sparse V), the project's
/// own loops may run BLAS calls on several threads at once; where BLAS has the threads, its
/// idle workers spin on them, and the project's loops leave them alone.
int blas_threads();

/// Peak resident memory of this process so far, in bytes.
double peak_memory_bytes();

}  // namespace mpinmf
