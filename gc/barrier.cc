// gc/barrier.cc — the write barrier's slow paths (include/gort/gc.h has the
// fast path and gc/README.md the algorithm).
//
// The slow path runs only while the collector marks. It is a no-suspend
// stretch: the stop-the-world signal cannot stop a goroutine between shading
// and storing, so no pause can fall between a barrier's decision and its
// store.
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

std::uintptr_t g_heap_base = 0;
std::uintptr_t g_heap_size = 0;

}  // namespace detail

}  // namespace gort::gc
