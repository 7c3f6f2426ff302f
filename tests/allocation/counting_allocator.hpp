#pragma once
// Counts the heap allocations this process makes while counting is on: every malloc, calloc,
// realloc and aligned allocation, so operator new and Eigen's aligned_malloc (which come down
// to malloc) both count. The test binary that links counting_allocator.cpp replaces those
// functions with counting ones that forward to glibc's. Allocations made inside MPI's own
// calls (its request and schedule objects) are MPI's business, not the loop's: the wrappers
// of the profiling interface in counting_allocator.cpp leave them out.

#include <cstdint>

namespace mpinmf::testing {

/// Starts counting from zero. With MPINMF_TRACE_ALLOCATIONS set in the environment, each
/// allocation counted prints its call stack to stderr (pipe it through c++filt).
void start_counting_allocations();

/// Stops counting and returns how many allocations were counted since the start.
std::int64_t stop_counting_allocations();

}  // namespace mpinmf::testing
