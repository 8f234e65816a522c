// base/fence.h — an asymmetric memory fence, for a protocol between a hot
// side that runs very often and a cold side that runs rarely.
//
// The hot side needs a store-load fence (a locked instruction or mfence on
// x86-64, which also waits for every pending store to reach the cache: tens
// to hundreds of cycles in a loop that allocates). With membarrier(2)'s
// MEMBARRIER_CMD_PRIVATE_EXPEDITED the cold side makes every running thread
// of the process execute a full fence instead, and the hot side needs only a
// compiler barrier (the "asymmetric Dekker" of userspace RCU and of
// hazard-pointer libraries). Where the kernel lacks it, light_fence() is a
// real fence and heavy_fence() one more, which is correct and as slow as a
// plain lock.
#pragma once

#include <atomic>

namespace gort::base {

// Whether light_fence may be a compiler barrier only. Set by
// asymmetric_fence_init() before the protocols that use it start.
extern bool g_asymmetric_fence;

// Registers the process for expedited membarrier (once; idempotent).
void asymmetric_fence_init();

inline void light_fence() {
  if (g_asymmetric_fence) [[likely]]
    std::atomic_signal_fence(std::memory_order_seq_cst);
  else
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

// A full fence on every thread of the process that runs now (threads not
// running have passed one when they were switched out).
void heavy_fence();

}  // namespace gort::base
