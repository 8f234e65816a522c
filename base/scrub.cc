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
  // vzeroall clears ymm0-15 whole (and zmm0-15's upper bits).
  asm volatile("vzeroall" ::
                   : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                     "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
  if (v == VectorState::avx512) {
    // glibc's string functions use ymm16-31 on AVX-512 machines (no
    // vzeroupper needed for them). The compiler is not told: gort is built
    // without AVX-512, so it never keeps a value there.
    asm volatile(
        "vpxord %%zmm16, %%zmm16, %%zmm16\n\t vpxord %%zmm17, %%zmm17, %%zmm17\n\t"
        "vpxord %%zmm18, %%zmm18, %%zmm18\n\t vpxord %%zmm19, %%zmm19, %%zmm19\n\t"
        "vpxord %%zmm20, %%zmm20, %%zmm20\n\t vpxord %%zmm21, %%zmm21, %%zmm21\n\t"
        "vpxord %%zmm22, %%zmm22, %%zmm22\n\t vpxord %%zmm23, %%zmm23, %%zmm23\n\t"
        "vpxord %%zmm24, %%zmm24, %%zmm24\n\t vpxord %%zmm25, %%zmm25, %%zmm25\n\t"
        "vpxord %%zmm26, %%zmm26, %%zmm26\n\t vpxord %%zmm27, %%zmm27, %%zmm27\n\t"
        "vpxord %%zmm28, %%zmm28, %%zmm28\n\t vpxord %%zmm29, %%zmm29, %%zmm29\n\t"
        "vpxord %%zmm30, %%zmm30, %%zmm30\n\t vpxord %%zmm31, %%zmm31, %%zmm31\n\t" ::
            : "memory");
  }
#endif
}

}  // namespace gort::base
