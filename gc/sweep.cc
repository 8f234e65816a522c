// gc/sweep.cc — sweeping: after a mark, each span's mark bits become its
// allocation bits. Unmarked slots are free again (and poisoned in poison
// mode); a span with no survivors goes back to the page heap; a span with
// room goes (back) on its Central's partial list.
//
// Sweeping runs while the program runs (Go's sweepgen protocol). Mark
// termination adds 2 to Heap::sweepgen, which makes every span "unswept"
// (span.sweepgen == sg-2), and hands the list of all spans to the sweep list.
// Whoever sweeps a span first claims it with a CAS to sg-1 and publishes
// sg when done:
//  * the background sweeper goroutine (`GC sweep wait` between cycles) walks
//    the sweep list;
//  * allocation sweeps a span it pops from a partial list before using it,
//    and, when its Central has nothing, sweeps a few spans from the list
//    (lazy sweeping) before it asks for a fresh span.
// A span popped by allocation is never freed, even if empty (the cache owns
// it); only the list walk frees empty spans, under their Central's lock, if
// no cache holds them. The next cycle starts only once the list is done
// (finish_sweep), so marking never sees an unswept span.
//
// Specials (gc/specials_table.h) come first in a span's sweep, while its mark
// bits still say what died: weak pointers to its dead objects are cleared,
// and a dead object with a finalizer is revived (its mark bit set) and its
// finalizer queued. Only then is specials_sg published and are mark bits
// cleared (with release stores: gc::Weak's read relies on that order).
#include "gc/sweep.h"

#include <cstring>

#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/special.h"
#include "gc/specials_table.h"
#include "base/lock.h"

namespace gort::gc {

std::atomic<bool> g_finalizers_queued{false};

namespace {

void unlink_partial(Span* s) {
  Central* c = s->central;
  if (!s->on_partial) return;
  if (s->prev != nullptr) s->prev->next = s->next;
  else c->partial = s->next;
  if (s->next != nullptr) s->next->prev = s->prev;
  s->next = s->prev = nullptr;
  s->on_partial = false;
}

void link_partial(Span* s) {
  Central* c = s->central;
  if (s->on_partial) return;
  s->prev = nullptr;
  s->next = c->partial;
  if (c->partial != nullptr) c->partial->prev = s;
  c->partial = s;
  s->on_partial = true;
}

// Mask of the slots of word w that allocation handed out since the last
// sweep (indices below freeindex).
std::uint64_t handed_out_mask(const Span* s, std::uint32_t w) {
  std::uint64_t lo = std::uint64_t{w} * 64;
  if (s->freeindex <= lo) return 0;
  std::uint64_t n = s->freeindex - lo;
  return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

std::uint64_t valid_mask(const Span* s, std::uint32_t w) {
  std::uint64_t lo = std::uint64_t{w} * 64;
  std::uint64_t n = s->nelems - lo;
  return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

}  // namespace

// Sweeps s (claimed: sweepgen == sg-1). Frees it if empty and may_free and
// no cache holds it; returns false then.
bool sweep_span(Span* s, SweepTotals& t, bool poison, bool may_free) {
  Heap& h = heap();
  std::uint32_t sg = h.sweepgen.load(std::memory_order_acquire);
  if (s->has_specials.load(std::memory_order_acquire)) {
    for (std::uint32_t w = 0; w < s->nwords; w++) {
      std::uint64_t valid = valid_mask(s, w);
      std::uint64_t alloc = (s->alloc_bits[w] | handed_out_mask(s, w)) & valid;
      std::uint64_t mark = s->mark_bits[w].load(std::memory_order_relaxed);
      std::uint64_t dead = alloc & ~mark & __atomic_load_n(&s->special_bits[w], __ATOMIC_RELAXED);
      if (dead == 0) continue;
      std::uint64_t revived = sweep_specials_word(s, w, dead, queue_finalizer);
      if (revived != 0) {
        s->mark_bits[w].fetch_or(revived, std::memory_order_relaxed);
        t.revived_objects += static_cast<std::uint64_t>(__builtin_popcountll(revived));
        g_finalizers_queued.store(true, std::memory_order_relaxed);
      }
    }
  }
  s->specials_sg.store(sg, std::memory_order_release);
  std::uint32_t live = 0, freed = 0;
  for (std::uint32_t w = 0; w < s->nwords; w++) {
    std::uint64_t valid = valid_mask(s, w);
    std::uint64_t alloc = (s->alloc_bits[w] | handed_out_mask(s, w)) & valid;
    std::uint64_t mark = s->mark_bits[w].load(std::memory_order_relaxed) & valid;
    std::uint64_t dead = alloc & ~mark;
    if (dead != 0) {
      freed += static_cast<std::uint32_t>(__builtin_popcountll(dead));
      if (poison) {
        for (std::uint64_t d = dead; d != 0; d &= d - 1) {
          std::uint32_t idx = w * 64 + static_cast<std::uint32_t>(__builtin_ctzll(d));
          std::memset(reinterpret_cast<void*>(s->object_at(idx)), kPoisonByte,
                      s->sizeclass == 0 ? std::size_t{s->npages} * kPageSize : s->elemsize);
        }
      }
    }
    live += static_cast<std::uint32_t>(__builtin_popcountll(mark));
    s->alloc_bits[w] = mark;
    s->mark_bits[w].store(0, std::memory_order_release);
  }
  std::uint64_t slot_bytes = s->sizeclass == 0 ? std::uint64_t{s->npages} * kPageSize : s->elemsize;
  t.freed_objects += freed;
  t.freed_bytes += freed * slot_bytes;
  t.live_objects += live;
  t.live_bytes += live * slot_bytes;
  t.revived_bytes = t.revived_objects * slot_bytes;
  if (freed != 0) s->needzero = true;
  s->alloc_count = live;
  if (s->sizeclass == 0) {
    if (live == 0 && may_free) {
      h.free_span(s);
      return false;
    }
    s->freeindex = 1;
    return true;
  }
  s->reset_alloc_cursor();
  base::Guard<base::Lock> g(s->central->lock);
  if (live == 0 && may_free && !s->in_cache) {
    unlink_partial(s);
    h.free_span(s);
    return false;
  }
  if (s->in_cache) return true;  // its cache decides what becomes of it
  if (live < s->nelems) link_partial(s);
  else unlink_partial(s);
  return true;
}

namespace {

void add_totals(const SweepTotals& t) {
  Heap& h = heap();
  if (t.freed_objects != 0) h.frees.fetch_add(t.freed_objects, std::memory_order_relaxed);
  // Objects revived for their finalizers were not in the mark's count.
  if (t.revived_objects != 0) {
    h.objects.fetch_add(static_cast<std::int64_t>(t.revived_objects), std::memory_order_relaxed);
    h.live_bytes.fetch_add(static_cast<std::int64_t>(t.revived_bytes), std::memory_order_relaxed);
  }
}

// Claims s for sweeping; false if someone else has (or had) it.
bool claim(Span* s, std::uint32_t sg) {
  std::uint32_t want = sg - 2;
  return s->sweepgen.load(std::memory_order_acquire) == want &&
         s->sweepgen.compare_exchange_strong(want, sg - 1, std::memory_order_acq_rel);
}

void wait_swept(Span* s, std::uint32_t sg) {
  while (s->sweepgen.load(std::memory_order_acquire) != sg) base::cpu_relax();
}

}  // namespace

void sweep_begin() {
  Heap& h = heap();
  base::Guard<base::Lock> g(h.lock);
  h.sweepgen.fetch_add(2, std::memory_order_acq_rel);
  h.to_sweep.clear();
  h.to_sweep.swap(h.all_spans);
  h.sweep_next.store(0, std::memory_order_release);
}

// Each sweep is a no-suspend stretch: a stop-the-world that must find the
// sweep finished (the start of a cycle) never waits on a stopped sweeper.
bool sweep_one() {
  Heap& h = heap();
  base::NoSuspend ns;
  h.sweepers.fetch_add(1, std::memory_order_acq_rel);
  std::size_t i = h.sweep_next.fetch_add(1, std::memory_order_acq_rel);
  if (i >= h.to_sweep.size()) {
    h.sweepers.fetch_sub(1, std::memory_order_acq_rel);
    return false;
  }
  Span* s = h.to_sweep[i];
  std::uint32_t sg = h.sweepgen.load(std::memory_order_acquire);
  bool alive = true;
  if (claim(s, sg)) {
    SweepTotals t;
    alive = sweep_span(s, t, collector().settings.poison, true);
    if (alive) s->sweepgen.store(sg, std::memory_order_release);
    add_totals(t);
  } else {
    wait_swept(s, sg);  // swept by allocation, which never frees
  }
  if (alive) {
    base::Guard<base::Lock> g(h.lock);
    h.all_spans.push_back(s);
  }
  h.sweepers.fetch_sub(1, std::memory_order_acq_rel);
  return true;
}

void ensure_swept(Span* s) {
  Heap& h = heap();
  std::uint32_t sg = h.sweepgen.load(std::memory_order_acquire);
  if (s->sweepgen.load(std::memory_order_acquire) == sg) return;
  base::NoSuspend ns;
  h.sweepers.fetch_add(1, std::memory_order_acq_rel);
  if (claim(s, sg)) {
    SweepTotals t;
    sweep_span(s, t, collector().settings.poison, false);
    s->sweepgen.store(sg, std::memory_order_release);
    add_totals(t);
  } else {
    wait_swept(s, sg);
  }
  h.sweepers.fetch_sub(1, std::memory_order_acq_rel);
}

void finish_sweep() {
  while (sweep_one()) {
  }
  Heap& h = heap();
  while (h.sweepers.load(std::memory_order_acquire) != 0) base::cpu_relax();
}

bool sweep_finished() {
  Heap& h = heap();
  return h.sweep_next.load(std::memory_order_acquire) >= h.to_sweep.size() &&
         h.sweepers.load(std::memory_order_acquire) == 0;
}

void sweep_all_stopped() {
  sweep_begin();
  finish_sweep();
}

}  // namespace gort::gc
