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
    asm volatile(
        "pxor %%xmm0, %%xmm0\n\t pxor %%xmm1, %%xmm1\n\t pxor %%xmm2, %%xmm2\n\t pxor %%xmm3, %%xmm3\n\t"
        "pxor %%xmm4, %%xmm4\n\t pxor %%xmm5, %%xmm5\n\t pxor %%xmm6, %%xmm6\n\t pxor %%xmm7, %%xmm7\n\t"
        "pxor %%xmm8, %%xmm8\n\t pxor %%xmm9, %%xmm9\n\t pxor %%xmm10, %%xmm10\n\t pxor %%xmm11, %%xmm11\n\t"
        "pxor %%xmm12, %%xmm12\n\t pxor %%xmm13, %%xmm13\n\t pxor %%xmm14, %%xmm14\n\t pxor %%xmm15, %%xmm15\n\t" ::
            : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
              "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    return;
  }
  // A VEX-encoded write of an xmm register zeroes the rest of its ymm (and
  // zmm): sixteen zeroing idioms clear ymm0-15 whole. (vzeroall does the
  // same, measured about 1.5 ns slower on the AMD EPYC host: bench/README.md,
  // "Register scrub".)
  asm volatile(
      "vpxor %%xmm0, %%xmm0, %%xmm0\n\t vpxor %%xmm1, %%xmm1, %%xmm1\n\t"
      "vpxor %%xmm2, %%xmm2, %%xmm2\n\t vpxor %%xmm3, %%xmm3, %%xmm3\n\t"
      "vpxor %%xmm4, %%xmm4, %%xmm4\n\t vpxor %%xmm5, %%xmm5, %%xmm5\n\t"
      "vpxor %%xmm6, %%xmm6, %%xmm6\n\t vpxor %%xmm7, %%xmm7, %%xmm7\n\t"
      "vpxor %%xmm8, %%xmm8, %%xmm8\n\t vpxor %%xmm9, %%xmm9, %%xmm9\n\t"
      "vpxor %%xmm10, %%xmm10, %%xmm10\n\t vpxor %%xmm11, %%xmm11, %%xmm11\n\t"
      "vpxor %%xmm12, %%xmm12, %%xmm12\n\t vpxor %%xmm13, %%xmm13, %%xmm13\n\t"
      "vpxor %%xmm14, %%xmm14, %%xmm14\n\t vpxor %%xmm15, %%xmm15, %%xmm15\n\t" ::
          : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
            "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
  if (v == VectorState::avx512) {
    // glibc's string functions use ymm16-31 on AVX-512 machines (no
    // vzeroupper needed for them). The compiler is not told: gort is built
    // without AVX-512, so it never keeps a value there. An EVEX write of the
    // xmm part zeroes the whole zmm.
    asm volatile(
        "vpxord %%xmm16, %%xmm16, %%xmm16\n\t vpxord %%xmm17, %%xmm17, %%xmm17\n\t"
        "vpxord %%xmm18, %%xmm18, %%xmm18\n\t vpxord %%xmm19, %%xmm19, %%xmm19\n\t"
        "vpxord %%xmm20, %%xmm20, %%xmm20\n\t vpxord %%xmm21, %%xmm21, %%xmm21\n\t"
        "vpxord %%xmm22, %%xmm22, %%xmm22\n\t vpxord %%xmm23, %%xmm23, %%xmm23\n\t"
        "vpxord %%xmm24, %%xmm24, %%xmm24\n\t vpxord %%xmm25, %%xmm25, %%xmm25\n\t"
        "vpxord %%xmm26, %%xmm26, %%xmm26\n\t vpxord %%xmm27, %%xmm27, %%xmm27\n\t"
        "vpxord %%xmm28, %%xmm28, %%xmm28\n\t vpxord %%xmm29, %%xmm29, %%xmm29\n\t"
        "vpxord %%xmm30, %%xmm30, %%xmm30\n\t vpxord %%xmm31, %%xmm31, %%xmm31\n\t" ::
            : "memory");
  }
#endif
}

}  // namespace gort::base
