// gc/heap.h — the heap: spans from the page heap, central span lists, and
// the lookup from any address to the object it points into.
//
// Spans are grouped by what they hold. Pointer-free objects share spans by
// size class (one Central per class); objects of a GC type with pointers get
// spans of their own type (one Central per type, found through the type's
// id). A Central keeps the swept spans that still have free slots (its
// partial list) behind a lock; a P's cache (mcache.h) takes one span at a
// time from it and allocates from that span without a lock. Full spans are on
// no list: `all_spans` holds every span in use, for the sweeper.
//
// Accounting (Go's heapLive): a span's free slots count as allocated the
// moment a cache takes the span, and the ones it did not use are given back
// when the cache lets the span go, so that the hot path updates no shared
// counter.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "base/alloc.h"

#include "base/lock.h"
#include "gc/pageheap.h"
#include "gc/span.h"
#include "gc/spanlist.h"

namespace gort::gc {

struct Central {
  base::Lock lock;
  Span* partial = nullptr;  // swept spans with free slots
  int sizeclass = 0;
  SpanKind kind = SpanKind::noscan;
  const TypeInfo* type = nullptr;
};

struct Heap {
  PageHeap pages;
  base::Lock lock;  // all_spans, centrals of types, span structs
  SpanList all_spans;
  Central noscan[80];             // by size class
  Central arrays[80];             // arrays of GC types (ArrayHeader first), by size class
  std::vector<Central*, base::RtAllocator<Central*>> typed;  // by TypeInfo id (0 unused)
  std::atomic<std::uint32_t> next_type_id{1};

  // Sweeping (gc/sweep.cc): spans of the last mark, swept one by one.
  std::atomic<std::uint32_t> sweepgen{0};
  SpanList to_sweep;
  std::atomic<std::size_t> sweep_next{0};
  std::atomic<std::int32_t> sweepers{0};  // sweeps in flight

  // Bytes in allocated slots plus free slots held by caches (Go's heapLive).
  std::atomic<std::int64_t> live_bytes{0};
  std::atomic<std::int64_t> objects{0};  // allocated objects, same convention
  std::atomic<std::uint64_t> total_alloc{0};  // bytes ever allocated (cumulative)
  std::atomic<std::uint64_t> mallocs{0};
  std::atomic<std::uint64_t> frees{0};

  explicit Heap(std::size_t reserve);

  // The span of the page p is on, if it is in use; null otherwise.
  Span* span_of(const void* p) const {
    Span* s = pages.span_of(p);
    return s != nullptr && __atomic_load_n(&s->in_use, __ATOMIC_ACQUIRE) ? s : nullptr;
  }

  Central* central_for(const TypeInfo& t, int sizeclass);
  // A fresh small span for c (lock of c not held).
  Span* new_small_span(Central* c);
  // A large span for one object of `size` bytes (zeroed), not yet in use:
  // publish_large_span makes it so. The caller publishes it and allocates
  // it black (if marking) in one no-suspend stretch (gc/alloc.cc,
  // alloc_large): a mark termination between the span's sweepgen and its
  // registration would leave it a sweep behind (the next sweep then waits
  // for it forever), and one between its registration and the
  // allocate-black would let this cycle's sweep free it.
  Span* new_large_span(std::size_t size, const TypeInfo* type, SpanKind kind);
  void publish_large_span(Span* s);
  // Returns a span's pages; the Span struct is recycled.
  void free_span(Span* s);
};

namespace detail_heap {
alignas(Heap) extern unsigned char storage[sizeof(Heap)];  // heap.cc
}
// The heap (heap_init made it). Inline: every pointer a marker resolves
// goes through it (find_slot).
inline Heap& heap() { return *std::launder(reinterpret_cast<Heap*>(detail_heap::storage)); }
bool heap_initialized();
void heap_init();  // idempotent; from gort::run's boot

// Runs under poison mode (GODEBUG=gcpoison=1 or gort::gc::detail): freed
// slots are filled with this byte so a use after free reads garbage.
inline constexpr unsigned char kPoisonByte = 0xa5;

}  // namespace gort::gc

namespace gort::gc {

// Tests and debugging: whether p points into an allocated (not freed) slot.
bool heap_object_allocated(const void* p);

}  // namespace gort::gc
