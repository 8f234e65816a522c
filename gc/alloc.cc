// gc/alloc.cc — gort::gc::make's allocation: the per-P fast path, the refill
// from the Central, large objects, and the trigger check.
#include <cstdio>
#include <cstring>

#include "base/alloc.h"
#include "base/fail.h"
#include "base/lock.h"
#include "gc/assist.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mcache.h"
#include "gc/pacer.h"
#include "gc/sweep.h"
#include "gort/panic.h"
#include "gort/sched.h"
#include "sched/sched.h"

namespace gort::gc {

MCache* mcache_create() {
  auto* c = ::new (base::rt_alloc(sizeof(MCache), alignof(MCache))) MCache();
  if (c == nullptr) gort::detail::throw_("runtime: out of memory");
  return c;
}

namespace {

// Moves s's black run, if any, into its mark bits, counting what that marks
// as this cache's allocated-black bytes (span.h, flush_black).
void flush_black(MCache* mc, Span* s) {
  if (std::uint32_t n = s->flush_black(); n != 0) {
    mc->black_bytes += std::int64_t{n} * s->elemsize;
    mc->black_objects += n;
  }
}

void release_span(Heap& h, MCache* mc, Span* s) {
  flush_black(mc, s);
  std::int64_t unused = static_cast<std::int64_t>(s->nelems - s->alloc_count);
  if (unused > 0) {
    h.live_bytes.fetch_sub(unused * s->elemsize, std::memory_order_relaxed);
    h.total_alloc.fetch_sub(static_cast<std::uint64_t>(unused) * s->elemsize, std::memory_order_relaxed);
  }
  Central* c = s->central;
  base::Guard<base::Lock> g(c->lock);
  s->in_cache = false;
  if (unused > 0 && !s->on_partial) {  // still has room: back on its partial list
    s->on_partial = true;
    s->prev = nullptr;
    s->next = c->partial;
    if (c->partial != nullptr) c->partial->prev = s;
    c->partial = s;
  }
}

Span* pop_partial(Central* c) {
  base::Guard<base::Lock> g(c->lock);
  Span* s = c->partial;
  if (s != nullptr) {
    c->partial = s->next;
    if (c->partial != nullptr) c->partial->prev = nullptr;
    s->next = s->prev = nullptr;
    s->on_partial = false;
    s->in_cache = true;  // from here on the sweeper leaves it to us
  }
  return s;
}

// A span with free slots for c: from its partial list (swept first if this
// cycle's sweep has not reached it), else after lazily sweeping a few spans
// of the sweep list, else a fresh one.
Span* take_span(Heap& h, Central* c) {
  Span* s = nullptr;
  for (int lazy = 0;;) {
    s = pop_partial(c);
    if (s != nullptr) {
      ensure_swept(s);
      if (!s->full()) break;
      base::Guard<base::Lock> g(c->lock);
      s->in_cache = false;  // full: on no list until a sweep finds room in it
      continue;
    }
    if (lazy < 8 && sweep_one()) {
      lazy++;
      continue;
    }
    s = h.new_small_span(c);
    s->in_cache = true;
    break;
  }
  std::int64_t avail = static_cast<std::int64_t>(s->nelems - s->alloc_count) * s->elemsize;
  h.live_bytes.fetch_add(avail, std::memory_order_relaxed);
  h.total_alloc.fetch_add(static_cast<std::uint64_t>(avail), std::memory_order_relaxed);
  return s;
}

Span** cache_slot(MCache* mc, const TypeInfo& t, int sizeclass) {
  if (t.trace == nullptr) return &mc->noscan[sizeclass];
  std::uint32_t id = t.id.load(std::memory_order_acquire);
  if (id >= mc->ntyped) {
    std::uint32_t n = mc->ntyped == 0 ? 64 : mc->ntyped;
    while (n <= id) n *= 2;
    auto* arr = static_cast<Span**>(base::rt_alloc(n * sizeof(Span*)));
    if (arr == nullptr) gort::detail::throw_("runtime: out of memory");
    std::memset(arr, 0, n * sizeof(Span*));
    if (mc->ntyped != 0) std::memcpy(arr, mc->typed, mc->ntyped * sizeof(Span*));
    base::rt_free(mc->typed);
    mc->typed = arr;
    mc->ntyped = n;
  }
  return &mc->typed[id];
}

// An array object's header (SpanKind::array): its element type and count,
// then the elements.
inline void write_array_header(void* obj, const TypeInfo* elem, std::size_t count) {
  auto* h = static_cast<ArrayHeader*>(obj);
  h->count = count;
  __atomic_store_n(&h->elem, elem, __ATOMIC_RELEASE);
}

// Zeroes a reused slot. The small sizes most programs allocate most are
// constant-size stores inlined here rather than a call to memset (its
// general entry was 7% of binary-trees' samples).
inline void zero_slot(void* p, std::uint32_t n) {
  switch (n) {
    case 16: std::memset(p, 0, 16); return;
    case 32: std::memset(p, 0, 32); return;
    case 48: std::memset(p, 0, 48); return;
    case 64: std::memset(p, 0, 64); return;
    default: std::memset(p, 0, n); return;
  }
}

// Readies slot idx of s, which next_free handed out, and publishes it (for
// an array: with its header written first).
inline void* finish_object(Span* s, std::uint32_t idx, const TypeInfo* array_elem = nullptr,
                           std::size_t array_count = 0) {
  auto* p = reinterpret_cast<void*>(s->object_at(idx));
  if (s->needzero) zero_slot(p, s->elemsize);
  if (array_elem != nullptr) write_array_header(p, array_elem, array_count);
  s->publish(idx);
  // While the collector marks, the object is black without a mark bit of
  // its own: it is in its span's black run (span.h, start_black).
  return p;
}

[[noreturn]] void not_on_runtime_thread() {
  if (gort::detail::M* m = gort::detail::tls_m; m != nullptr && m->in_syscall)
    gort::detail::fatal_("gort::gc::make called inside gort::blocking (allocate outside the blocking call)");
  gort::detail::fatal_("gort::gc::make called from a thread the runtime does not own (allocate from a goroutine)");
}

// A large object; for an array (kind array), array_elem and array_count
// give its header, written before the span is published (no marker can
// see it before), so that zeroing a large array's reused pages holds up no
// stop of the world.
void* alloc_large(std::size_t bytes, const TypeInfo* type, SpanKind kind, const TypeInfo* array_elem = nullptr,
                  std::size_t array_count = 0) {
  Heap& h = heap();
  Span* s = h.new_large_span(bytes, type, kind);  // the pages, zeroed: may take long
  if (array_elem != nullptr) write_array_header(reinterpret_cast<void*>(s->base), array_elem, array_count);
  std::int64_t span_bytes = static_cast<std::int64_t>(s->npages) * kPageSize;
  // No stop of the world (a mark termination) between the span's sweepgen,
  // its registration and the allocate-black (gc/heap.h, new_large_span).
  base::NoSuspend ns;
  h.publish_large_span(s);
  h.live_bytes.fetch_add(span_bytes, std::memory_order_relaxed);
  h.total_alloc.fetch_add(static_cast<std::uint64_t>(span_bytes), std::memory_order_relaxed);
  h.mallocs.fetch_add(1, std::memory_order_relaxed);
  if (collector().phase.load(std::memory_order_relaxed) != Phase::off) {
    s->try_mark(0);
    collector().marked_bytes.fetch_add(span_bytes, std::memory_order_relaxed);
    collector().marked_objects.fetch_add(1, std::memory_order_relaxed);
  }
  return reinterpret_cast<void*>(s->base);
}

// Everything but the fast path. Outside any no-suspend stretch on entry.
// array_count != 0: an array of that many t's, with its header.
// big_bytes != 0: a pointer-free object of that many bytes, beyond what
// TypeInfo::size can say (alloc_bytes over 4 GiB; t is then noscan).
[[gnu::noinline]] void* alloc_slow(const TypeInfo& t, std::size_t array_count = 0, std::size_t big_bytes = 0) {
  using namespace gort::detail;
  if (tls_m == nullptr || tls_m->p == nullptr) not_on_runtime_thread();
  if (!heap_initialized()) heap_init();
  ensure_gc_goroutines();
  Heap& h = heap();
  Collector& col = collector();
  if (col.settings.stress_every > 0 &&
      col.stress_countdown.fetch_sub(1, std::memory_order_relaxed) <= 0) {
    // GODEBUG=gcstress=N: a whole cycle, waited for, every N slow paths.
    col.stress_countdown.store(col.settings.stress_every, std::memory_order_relaxed);
    collect_unforced();
  }
  if (col.trigger_pending.load(std::memory_order_relaxed) ||
      should_collect(h.live_bytes.load(std::memory_order_relaxed)))
    maybe_collect();
  bool array = array_count != 0;
  std::size_t bytes = array ? sizeof(ArrayHeader) + array_count * t.size : big_bytes != 0 ? big_bytes : t.size;
  int sizeclass = bytes > kMaxSmallSize ? 0 : class_of(bytes);
  // While a cycle marks, an allocating goroutine pays for what it takes
  // (a span's worth here) with mark work (gc/assist.cc).
  if (col.phase.load(std::memory_order_relaxed) == Phase::mark && !gort::detail::tls_m->on_g0 &&
      base::lock_depth() == 0) {
    std::int64_t charge = sizeclass == 0 ? static_cast<std::int64_t>(bytes)
                                         : static_cast<std::int64_t>(size_class(sizeclass).span_pages * kPageSize);
    assist_alloc(charge);
  }

  if (sizeclass == 0) {
    if (!array) return alloc_large(bytes, t.trace != nullptr ? &t : nullptr,
                                   t.trace == nullptr ? SpanKind::noscan : SpanKind::typed);
    return alloc_large(bytes, nullptr, SpanKind::array, &t, array_count);
  }
  Central* central = array ? &h.arrays[sizeclass] : h.central_for(t, sizeclass);
  base::NoSuspend ns;
  M* m = tls_m;  // maybe_collect may have moved us
  if (m == nullptr || m->p == nullptr) not_on_runtime_thread();
  MCache*& mc = m->p->mcache;
  if (mc == nullptr) mc = mcache_create();
  Span** slot = array ? &mc->arrays[sizeclass] : cache_slot(mc, t, sizeclass);
  for (;;) {
    Span* s = *slot;
    if (s != nullptr) {
      std::uint32_t idx = s->next_free();
      if (idx < s->nelems) {
        mc->nmalloc++;
        return finish_object(s, idx, array ? &t : nullptr, array_count);
      }
      *slot = nullptr;
      release_span(h, mc, s);
    }
    *slot = take_span(h, central);
    // Allocate black from here on while the mark runs (no stop of the
    // world, which starts and ends marks, can come between the phase read
    // and this: a no-suspend stretch).
    if (col.phase.load(std::memory_order_relaxed) == Phase::mark) (*slot)->start_black();
  }
}

}  // namespace

void mcache_start_black(MCache* mc) {
  for_each_cached_span(mc, [](Span*& s) { s->start_black(); });
}

void mcache_flush_black(MCache* mc) {
  for_each_cached_span(mc, [mc](Span*& s) { flush_black(mc, s); });
}

void mcache_release_all(MCache* mc) {
  Heap& h = heap();
  for_each_cached_span(mc, [&](Span*& s) {
    release_span(h, mc, s);
    s = nullptr;
  });
  h.mallocs.fetch_add(mc->nmalloc, std::memory_order_relaxed);
  mc->nmalloc = 0;
  collector().marked_bytes.fetch_add(mc->black_bytes, std::memory_order_relaxed);
  collector().marked_objects.fetch_add(mc->black_objects, std::memory_order_relaxed);
  mc->black_bytes = mc->black_objects = 0;
}

namespace detail {

void* alloc_object(const TypeInfo& t) {
  // The fast path: the P's current span for this kind has a free slot. The
  // no-suspend mark keeps the stop-the-world signal from stopping us with
  // the span half-updated.
  {
    base::NoSuspend ns;
    gort::detail::M* m = gort::detail::tls_m;
    if (m != nullptr && m->p != nullptr && t.size <= kMaxSmallSize) [[likely]] {
      MCache* mc = m->p->mcache;
      if (mc != nullptr) [[likely]] {
        Span* s;
        if (t.trace == nullptr) {
          s = mc->noscan[class_of(t.size)];
        } else {
          std::uint32_t id = t.id.load(std::memory_order_relaxed);
          s = id < mc->ntyped ? mc->typed[id] : nullptr;
        }
        if (s != nullptr && collector().settings.stress_every == 0) [[likely]] {
          std::uint32_t idx = s->next_free();
          if (idx < s->nelems) [[likely]] {
            mc->nmalloc++;
            return finish_object(s, idx);
          }
        }
      }
    }
  }
  return alloc_slow(t);
}

void* alloc_array(const TypeInfo& elem, std::size_t count) {
  if (count == 0) return nullptr;
  if (count > (std::size_t{1} << 40) / (elem.size == 0 ? 1 : elem.size))
    gort::detail::panic_runtime_error("runtime error: makeslice: len out of range");
  return static_cast<char*>(alloc_slow(elem, count)) + sizeof(ArrayHeader);
}

// Go's messages: "slice bounds out of range [:hi] with capacity n" (slices;
// "with length n" for strings) and "slice bounds out of range [lo:hi]".
void slice_bounds_panic(std::size_t lo, std::size_t hi, std::size_t bound, const char* bound_name) {
  char buf[128];
  if (hi > bound)
    std::snprintf(buf, sizeof buf, "runtime error: slice bounds out of range [:%zu] with %s %zu", hi,
                  bound_name, bound);
  else
    std::snprintf(buf, sizeof buf, "runtime error: slice bounds out of range [%zu:%zu]", lo, hi);
  gort::detail::panic_runtime_error(buf);
}

void panic_runtime_error_makeslice() {
  gort::detail::panic_runtime_error("runtime error: makeslice: cap out of range");
}

void* alloc_bytes(std::size_t n) {
  // A pointer-free "type" of exactly n bytes: the noscan class (or large
  // span) path of alloc_object.
  if (n > UINT32_MAX) {
    // Too big for a size class or TypeInfo::size: a large noscan span of n
    // bytes (more than the arena holds is Go's `runtime: out of memory`).
    static const TypeInfo big{0, 1, nullptr, "[]byte", {0}};
    return alloc_slow(big, 0, n);
  }
  TypeInfo t{static_cast<std::uint32_t>(n), 1, nullptr, "[]byte", {0}};
  return alloc_object(t);
}



}  // namespace detail

}  // namespace gort::gc
