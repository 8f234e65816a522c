// base/scrub.cc — see scrub.h.
#include "base/scrub.h"

#include <atomic>

namespace gort::base {

namespace {

enum class VectorState : int { unknown, sse, avx, avx512 };
std::atomic<VectorState> g_vector_state{VectorState::unknown};

VectorState vector_state() {
  VectorState v = g_vector_state.load(std::memory_order_relaxed);
  if (v != VectorState::unknown) return v;
#if defined(__x86_64__)
  __builtin_cpu_init();
  v = __builtin_cpu_supports("avx512f") ? VectorState::avx512
      : __builtin_cpu_supports("avx")   ? VectorState::avx
                                        : VectorState::sse;
#else
  v = VectorState::sse;
#endif
  g_vector_state.store(v, std::memory_order_relaxed);
  return v;
}

}  // namespace

// One zeroing idiom per vector register, each list spelled once:
// GORT_EACH_XMM0_15(Z) is Z(0) Z(1) ... Z(15), and Z(n) the instruction for
// register n in the encoding a machine needs.
#define GORT_SSE_ZERO(n) "pxor %%xmm" #n ", %%xmm" #n "\n\t"
#define GORT_VEX_ZERO(n) "vpxor %%xmm" #n ", %%xmm" #n ", %%xmm" #n "\n\t"
#define GORT_EVEX_ZERO(n) "vpxord %%xmm" #n ", %%xmm" #n ", %%xmm" #n "\n\t"
#define GORT_EACH_XMM0_15(Z) \
  Z(0) Z(1) Z(2) Z(3) Z(4) Z(5) Z(6) Z(7) Z(8) Z(9) Z(10) Z(11) Z(12) Z(13) Z(14) Z(15)
#define GORT_EACH_XMM16_31(Z) \
  Z(16) Z(17) Z(18) Z(19) Z(20) Z(21) Z(22) Z(23) Z(24) Z(25) Z(26) Z(27) Z(28) Z(29) Z(30) Z(31)
#define GORT_XMM0_15_CLOBBERS                                                                        \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
      "xmm12", "xmm13", "xmm14", "xmm15"

void scrub_caller_saved_registers() {
#if defined(__x86_64__)
  VectorState v = vector_state();
  // The general registers (rax is left to the compiler: it is this
  // function's scratch and is overwritten on return paths anyway).
  asm volatile(
      "xor %%ecx, %%ecx\n\t"
      "xor %%edx, %%edx\n\t"
      "xor %%esi, %%esi\n\t"
      "xor %%edi, %%edi\n\t"
      "xor %%r8d, %%r8d\n\t"
      "xor %%r9d, %%r9d\n\t"
      "xor %%r10d, %%r10d\n\t"
      "xor %%r11d, %%r11d\n\t" ::
          : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc");
  if (v == VectorState::sse) {
    asm volatile(GORT_EACH_XMM0_15(GORT_SSE_ZERO) ::: GORT_XMM0_15_CLOBBERS);
    return;
  }
  // A VEX-encoded write of an xmm register zeroes the rest of its ymm (and
  // zmm): sixteen zeroing idioms clear ymm0-15 whole. (vzeroall does the
  // same, 1.0-1.6 ns slower in a loop on the AMD EPYC host: bench/README.md,
  // "Session 23: the register scrub at every resume".)
  asm volatile(GORT_EACH_XMM0_15(GORT_VEX_ZERO) ::: GORT_XMM0_15_CLOBBERS);
  if (v == VectorState::avx512) {
    // glibc's string functions use ymm16-31 on AVX-512 machines (no
    // vzeroupper needed for them). The compiler is not told: gort is built
    // without AVX-512, so it never keeps a value there. An EVEX write of the
    // xmm part zeroes the whole zmm.
    asm volatile(GORT_EACH_XMM16_31(GORT_EVEX_ZERO) ::: "memory");
  }
#endif
}

#undef GORT_SSE_ZERO
#undef GORT_VEX_ZERO
#undef GORT_EVEX_ZERO
#undef GORT_EACH_XMM0_15
#undef GORT_EACH_XMM16_31
#undef GORT_XMM0_15_CLOBBERS

}  // namespace gort::base
