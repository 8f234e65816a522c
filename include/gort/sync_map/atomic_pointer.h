// gort/sync_map/atomic_pointer.h — pointer words of GC objects that are
// changed with atomic read-modify-write operations while goroutines read them
// without locks: the compare-and-swap SyncMap's entries need (Go's
// atomic.CompareAndSwapPointer, whose runtime version runs the write barrier
// first), and the once-published pointer to its read-only map.
//
// The collector's barrier (gort/gc.h) shades the old and the new value of a
// pointer store while it marks. A compare-and-swap must do the same, and the
// decision "the barrier is off, no shading" must not survive a stop of the
// world that turns the barrier on: a goroutine suspended between the check
// and its store would otherwise make the store unbarriered in the middle of
// a mark (gc/README.md, "Write barrier: the fast path and the stop-the-world
// signal"). So:
//
//  * fast path (x86-64): check the flag and `lock cmpxchg` form one
//    restartable sequence, registered in the same `gort_restart_ranges`
//    section as gc::Ptr's stores: a stop signal that lands inside it moves
//    the thread back to the check. The sequence has no side effect before
//    its last instruction, the cmpxchg.
//  * slow path (the barrier is on, or a portable build): the shading and the
//    compare-and-swap run together on the system stack (gort::detail::
//    systemstack), where the stop signal never suspends a thread, so no
//    pause can fall between them. What is shaded is `expected` — what a
//    successful swap overwrites — and `desired`; a failed swap has shaded
//    two values for nothing, which is harmless. The switch to g0 costs more
//    than a plain CAS, but only while the collector marks.
//
// Values that are not heap addresses (null, a sentinel in static storage)
// are ignored by the shading, so a swap between two of them needs no barrier
// at all (plain_compare_and_swap).
#pragma once

#include <atomic>

#include "gort/gc.h"
#include "gort/sched.h"

// ThreadSanitizer does not see the inline-asm store and compare-and-swap
// below (nor gc::Ptr's), and does not model the release fence before
// PublishedPtr's store: to it, an object published through them and read
// after an acquire load_pointer looks unsynchronised, and every access to
// its contents a race. Under TSan a __tsan_release on the slot goes before
// each such store, so that the acquire load that reads the slot synchronises
// with it (TSan keys both by the slot's address). A failed compare-and-swap
// has released too, which can only hide a race, never invent one. Nothing
// of this exists without TSan.
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define GORT_TSAN_RELEASE(addr) __tsan_release(addr)
#else
#define GORT_TSAN_RELEASE(addr) ((void)0)
#endif

namespace gort::detail {

struct PointerSwap {
  void** slot;
  void* expected;
  void* desired;
  bool swapped;
};

// On the system stack: shade, then swap, with no pause possible in between.
inline void barriered_swap_on_system_stack(void* arg) {
  auto* s = static_cast<PointerSwap*>(arg);
  // The barrier's slow path on a scratch word records (old, new) = (expected,
  // desired) for shading while the collector marks, and does nothing else.
  void* scratch = s->expected;
  gc::detail::write_pointer_slow(&scratch, s->desired);
  void* expected = s->expected;
  s->swapped = __atomic_compare_exchange_n(s->slot, &expected, s->desired, false, __ATOMIC_SEQ_CST,
                                           __ATOMIC_SEQ_CST);
}

[[gnu::noinline]] inline bool compare_and_swap_pointer_slow(void** slot, void* expected, void* desired) {
  PointerSwap s{slot, expected, desired, false};
  systemstack(&barriered_swap_on_system_stack, &s);
  return s.swapped;
}

// *slot = desired if *slot == expected, atomically, with the write barrier.
// slot is a pointer word inside a GC object.
[[gnu::always_inline]] inline bool compare_and_swap_pointer(void** slot, void* expected, void* desired) {
  GORT_TSAN_RELEASE(slot);
#if defined(__x86_64__) && !defined(GORT_GC_PORTABLE_BARRIER)
  asm goto(
      "1:\n\t"
      "cmpb $0, %[flag]\n\t"
      "jne %l[slow]\n\t"
      "movq %[expected], %%rax\n\t"
      "lock cmpxchgq %[desired], %[mem]\n\t"
      "2:\n\t"
      "jne %l[failed]\n\t"
      ".pushsection gort_restart_ranges,\"a?\",@progbits\n\t"
      ".balign 4\n\t"
      ".long 1b - .\n\t"
      ".long 2b - 1b\n\t"
      ".popsection"
      : [mem] "+m"(*slot)
      : [flag] "m"(gc::detail::gort_gc_barrier_on), [expected] "r"(expected), [desired] "r"(desired)
      : "rax", "cc", "memory"
      : slow, failed);
  return true;
failed:
  return false;
slow:
#endif
  return compare_and_swap_pointer_slow(slot, expected, desired);
}

// A compare-and-swap between values the collector never follows (null and
// static sentinels): no barrier needed.
inline bool plain_compare_and_swap(void** slot, void* expected, void* desired) {
  return __atomic_compare_exchange_n(slot, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

inline void* load_pointer(void* const* slot) { return __atomic_load_n(slot, __ATOMIC_ACQUIRE); }

// A gc::Ptr-like field read without locks by any goroutine and stored only
// by one writer at a time (under a lock): loads are acquire loads, stores
// are the barriered gc::Ptr store after a release fence, so the object it
// publishes is seen fully constructed.
template <class T>
class PublishedPtr {
 public:
  PublishedPtr() = default;
  PublishedPtr(const PublishedPtr&) = delete;
  PublishedPtr& operator=(const PublishedPtr&) = delete;

  T* load() const noexcept { return static_cast<T*>(load_pointer(&p_)); }
  void store(T* p) noexcept {
    std::atomic_thread_fence(std::memory_order_release);
    GORT_TSAN_RELEASE(&p_);
    gc::detail::write_pointer(&p_, p);
  }
  void trace(gc::Tracer& t) const { t.visit(load()); }

 private:
  void* p_ = nullptr;
};

}  // namespace gort::detail
