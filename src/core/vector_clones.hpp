#pragma once
// MPINMF_VECTOR_CLONES before a function compiles it for AVX-512, AVX2 + FMA and the
// baseline, and the loader picks the best one the CPU runs (GCC function multiversioning).
// The binary stays portable while the few hand-written hot loops (plain loops with
// `#pragma omp simd`, not Eigen, whose vector width is fixed when it is compiled) use the
// widest vectors. Elsewhere it expands to nothing.

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define MPINMF_VECTOR_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MPINMF_VECTOR_CLONES
#endif

#include "mpinmf/types.hpp"

namespace mpinmf {

/// Entries of one 64-byte vector, AVX-512's width (two of AVX2's registers): 16 floats or 8
/// doubles. The hand-written loops size their register blocks in these.
template <typename Scalar>
constexpr Index kVectorEntries = 64 / sizeof(Scalar);

/// Whether the AVX-512 clone is the one that runs here.
inline bool this_cpu_runs_the_avx512_clone() {
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
  return __builtin_cpu_supports("x86-64-v4") != 0;
#elif defined(__AVX512F__)
  return true;
#else
  return false;
#endif
}

/// The vector registers of the clone that runs here: 32 for AVX-512, 16 for the others. A
/// cloned loop that keeps sums in registers can size them by it (both sizes compiled in each
/// clone, a branch choosing).
inline int this_cpus_vector_registers() { return this_cpu_runs_the_avx512_clone() ? 32 : 16; }

}  // namespace mpinmf
