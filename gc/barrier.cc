// gc/barrier.cc — the write barrier's slow paths (include/gort/gc.h has the
// fast path and gc/README.md the algorithm).
//
// The slow path runs only while the collector marks. It is a no-suspend
// stretch: the stop-the-world signal cannot stop a goroutine between shading
// and storing, so no pause can fall between a barrier's decision and its
// store.
#include <cstring>

#include "base/lock.h"
#include "gc/barrier.h"
#include "gc/collector.h"
#include "gc/heap.h"

namespace gort::gc {

namespace detail {

bool gort_gc_barrier_on = false;  // extern "C" (declared in gort/gc.h)

void write_pointer_slow(void** slot, void* value) {
  base::NoSuspend ns;
  if (__atomic_load_n(&gort_gc_barrier_on, __ATOMIC_ACQUIRE)) {
    barrier_record(reinterpret_cast<std::uintptr_t>(*slot), reinterpret_cast<std::uintptr_t>(value));
  }
  __atomic_store_n(slot, value, __ATOMIC_RELEASE);
}

void init_pointer_slow(void** slot, void* value) {
  base::NoSuspend ns;
  if (__atomic_load_n(&gort_gc_barrier_on, __ATOMIC_ACQUIRE))
    barrier_record(0, reinterpret_cast<std::uintptr_t>(value));
  __atomic_store_n(slot, value, __ATOMIC_RELEASE);
}

void portable_store(void** slot, void* value, bool init) {
  base::NoSuspend ns;
  if (__atomic_load_n(&gort_gc_barrier_on, __ATOMIC_ACQUIRE)) {
    barrier_record(init ? 0 : reinterpret_cast<std::uintptr_t>(*slot),
                   reinterpret_cast<std::uintptr_t>(value));
  }
  __atomic_store_n(slot, value, __ATOMIC_RELEASE);
}

// In chunks, each its own no-suspend stretch, so that a long copy while
// marking cannot hold up a pause for long; overlapping ranges are walked
// in memmove's direction.
void bulk_barrier_copy(void* dst, const void* src, std::size_t bytes) {
  constexpr std::size_t kChunk = 64 << 10;
  auto* d = static_cast<char*>(dst);
  const auto* s = static_cast<const char*>(src);
  bool backwards = d > s && d < s + bytes;
  for (std::size_t done = 0; done < bytes;) {
    std::size_t n = bytes - done < kChunk ? bytes - done : kChunk;
    std::size_t at = backwards ? bytes - done - n : done;
    base::NoSuspend ns;
    if (__atomic_load_n(&gort_gc_barrier_on, __ATOMIC_ACQUIRE)) {
      const auto* dw = reinterpret_cast<const std::uintptr_t*>(d + at);
      const auto* sw = reinterpret_cast<const std::uintptr_t*>(s + at);
      for (std::size_t i = 0; i < n / sizeof(std::uintptr_t); i++)
        barrier_record(__atomic_load_n(dw + i, __ATOMIC_RELAXED), __atomic_load_n(sw + i, __ATOMIC_RELAXED));
    }
    std::memmove(d + at, s + at, n);
    done += n;
  }
}

std::uintptr_t g_heap_base = 0;
std::uintptr_t g_heap_size = 0;

}  // namespace detail

}  // namespace gort::gc
