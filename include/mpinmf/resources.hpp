#pragma once
// What this process may use of the machine: cores for BLAS threads, and its peak memory.

namespace mpinmf {

/// CPUs this process may run on (its affinity mask; mpirun may bind a rank to one core).
int cpus_available();

/// The thread count a rank should use: `requested` when given, otherwise the CPUs it may
/// run on, shared fairly with the other ranks on its node so that the node is not
/// oversubscribed.
int choose_thread_count(int requested, int cpus_available, int ranks_on_node, int hardware_cpus);

/// Sets the BLAS (and Eigen) thread count for this process.
void use_threads(int threads);

/// Peak resident memory of this process so far, in bytes.
double peak_memory_bytes();

}  // namespace mpinmf
