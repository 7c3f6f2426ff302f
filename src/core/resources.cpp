#include "core/resources.hpp"

#include <omp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <thread>

#ifdef MPINMF_HAVE_OPENBLAS
extern "C" void openblas_set_num_threads(int threads);
extern "C" int blas_thread_shutdown_();
#endif

namespace mpinmf {

int cpus_available() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof(mask), &mask) != 0) {
    return 1;
  }
  return std::max(1, CPU_COUNT(&mask));
}

int choose_thread_count(int requested, int cpus, int ranks_on_node, int hardware_cpus) {
  if (requested > 0) {
    return requested;
  }
  const int fair_share = std::max(1, hardware_cpus / std::max(1, ranks_on_node));
  return std::max(1, std::min(cpus, fair_share));
}

int threads_for_rank(int requested, int ranks_on_node) {
  const int hardware = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  return choose_thread_count(requested, cpus_available(), ranks_on_node, hardware);
}

std::string binding_advice(int requested_threads, int cpus_available) {
  if (requested_threads <= cpus_available) {
    return {};
  }
  return "mpinmf: --threads " + std::to_string(requested_threads) + " but this rank may run on " +
         std::to_string(cpus_available) + " core" + (cpus_available == 1 ? "" : "s") +
         " (mpirun binds a rank to a core): run mpirun with --bind-to none, or run mpinmf "
         "without mpirun for one rank\n";
}

namespace {
int blas_threads_in_use = 1;  // as use_threads last set it
}  // namespace

void use_threads(int threads, ThreadUse use) {
  const int threads_for_blas = use == ThreadUse::dense_products ? threads : 1;
  blas_threads_in_use = threads_for_blas;
  Eigen::setNbThreads(threads_for_blas);
  omp_set_num_threads(threads);  // the project's own loops (sparse products)
#ifdef MPINMF_HAVE_OPENBLAS
  openblas_set_num_threads(threads_for_blas);
#endif
}

int blas_threads() { return blas_threads_in_use; }

namespace {
bool own_loops_have_the_cores = false;  // an OwnLoopsHaveTheCores is in force
}  // namespace

OwnLoopsHaveTheCores::OwnLoopsHaveTheCores()
    : active_(blas_threads_in_use > 1 && !own_loops_have_the_cores && omp_in_parallel() == 0) {
  if (active_) {
    own_loops_have_the_cores = true;
    Eigen::setNbThreads(1);
#ifdef MPINMF_HAVE_OPENBLAS
    openblas_set_num_threads(1);
    blas_thread_shutdown_();
#endif
  }
}

OwnLoopsHaveTheCores::~OwnLoopsHaveTheCores() {
  if (active_) {
    Eigen::setNbThreads(blas_threads_in_use);
#ifdef MPINMF_HAVE_OPENBLAS
    openblas_set_num_threads(blas_threads_in_use);
#endif
    own_loops_have_the_cores = false;
  }
}

double peak_memory_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0;  // Linux reports KiB
}

void advise_large_pages(void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  // madvise wants a page-aligned start: advise the whole pages inside the buffer.
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t misalignment = reinterpret_cast<std::uintptr_t>(data) % page;
  const std::size_t skip = misalignment == 0 ? 0 : page - misalignment;
  if (bytes > skip) {
    madvise(static_cast<char*>(data) + skip, bytes - skip, MADV_HUGEPAGE);  // advice only
  }
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace mpinmf
