#include "counting_allocator.hpp"

#include <execinfo.h>
#include <mpi.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>

// glibc's own allocator, under the names it exports for replacements like this one.
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
}

namespace {

std::atomic<bool> counting{false};
std::atomic<bool> trace_allocations{false};
std::atomic<std::int64_t> allocations{0};
thread_local int inside_mpi = 0;    // zero-initialized, so safe to read from malloc itself
thread_local bool tracing = false;  // backtrace() may allocate: not counted again

void note_allocation() {
  if (counting.load(std::memory_order_relaxed) && inside_mpi == 0 && !tracing) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (trace_allocations.load(std::memory_order_relaxed)) {
      tracing = true;
      std::array<void*, 24> frames{};
      const int depth = backtrace(frames.data(), static_cast<int>(frames.size()));
      std::array<char, 64> header{};
      const int length = std::snprintf(header.data(), header.size(),
                                       "counted allocation on thread %ld:\n", gettid());
      (void)!write(2, header.data(), static_cast<std::size_t>(length));
      backtrace_symbols_fd(frames.data(), depth, 2);
      tracing = false;
    }
  }
}

/// Marks the calling thread as inside an MPI call while it lives.
struct InsideMpi {
  InsideMpi() { ++inside_mpi; }
  ~InsideMpi() { --inside_mpi; }
  InsideMpi(const InsideMpi&) = delete;
  InsideMpi& operator=(const InsideMpi&) = delete;
  InsideMpi(InsideMpi&&) = delete;
  InsideMpi& operator=(InsideMpi&&) = delete;
};

}  // namespace

namespace mpinmf::testing {

void start_counting_allocations() {
  trace_allocations = std::getenv("MPINMF_TRACE_ALLOCATIONS") != nullptr;
  allocations = 0;
  counting = true;
}

std::int64_t stop_counting_allocations() {
  counting = false;
  return allocations.load();
}

}  // namespace mpinmf::testing

// The replacements: the names are glibc's, so they must be spelt as it spells them.
// NOLINTBEGIN(readability-inconsistent-declaration-parameter-name,cert-dcl58-cpp)
extern "C" {

void* malloc(std::size_t size) {
  note_allocation();
  return __libc_malloc(size);
}

void* calloc(std::size_t count, std::size_t size) {
  note_allocation();
  return __libc_calloc(count, size);
}

void* realloc(void* pointer, std::size_t size) {
  note_allocation();
  return __libc_realloc(pointer, size);
}

void* memalign(std::size_t alignment, std::size_t size) {
  note_allocation();
  return __libc_memalign(alignment, size);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) {
  note_allocation();
  return __libc_memalign(alignment, size);
}

int posix_memalign(void** pointer, std::size_t alignment, std::size_t size) {
  note_allocation();
  void* allocated = __libc_memalign(alignment, size);
  if (allocated == nullptr && size > 0) {
    return ENOMEM;
  }
  *pointer = allocated;
  return 0;
}

// The collectives the loops call, through MPI's profiling interface, so that what MPI
// allocates for itself is not counted.
int MPI_Allreduce(const void* send, void* receive, int count, MPI_Datatype type, MPI_Op op,
                  MPI_Comm comm) {
  const InsideMpi inside;
  return PMPI_Allreduce(send, receive, count, type, op, comm);
}

int MPI_Iallreduce(const void* send, void* receive, int count, MPI_Datatype type, MPI_Op op,
                   MPI_Comm comm, MPI_Request* request) {
  const InsideMpi inside;
  return PMPI_Iallreduce(send, receive, count, type, op, comm, request);
}

int MPI_Wait(MPI_Request* request, MPI_Status* status) {
  const InsideMpi inside;
  return PMPI_Wait(request, status);
}

int MPI_Reduce_scatter(const void* send, void* receive, const int counts[], MPI_Datatype type,
                       MPI_Op op, MPI_Comm comm) {
  const InsideMpi inside;
  return PMPI_Reduce_scatter(send, receive, counts, type, op, comm);
}

int MPI_Allgatherv(const void* send, int send_count, MPI_Datatype send_type, void* receive,
                   const int counts[], const int displacements[], MPI_Datatype receive_type,
                   MPI_Comm comm) {
  const InsideMpi inside;
  return PMPI_Allgatherv(send, send_count, send_type, receive, counts, displacements, receive_type,
                         comm);
}

int MPI_Bcast(void* buffer, int count, MPI_Datatype type, int root, MPI_Comm comm) {
  const InsideMpi inside;
  return PMPI_Bcast(buffer, count, type, root, comm);
}

}  // extern "C"
// NOLINTEND(readability-inconsistent-declaration-parameter-name,cert-dcl58-cpp)
