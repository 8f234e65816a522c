// gc/sweep.cc — sweeping: after a mark, each span's mark bits become its
// allocation bits. Unmarked slots are free again (and poisoned in poison
// mode); a span with no survivors goes back to the page heap; a span with
// room goes (back) on its Central's partial list.
#include "gc/sweep.h"

#include <cstring>

#include "gc/collector.h"
#include "gc/heap.h"

namespace gort::gc {

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

// Returns false if the span was freed.
bool sweep_span(Span* s, SweepTotals& t, bool poison) {
  Heap& h = heap();
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
    s->mark_bits[w].store(0, std::memory_order_relaxed);
  }
  std::uint64_t slot_bytes = s->sizeclass == 0 ? std::uint64_t{s->npages} * kPageSize : s->elemsize;
  t.freed_objects += freed;
  t.freed_bytes += freed * slot_bytes;
  t.live_objects += live;
  t.live_bytes += live * slot_bytes;
  if (freed != 0) s->needzero = true;
  s->alloc_count = live;
  if (s->sizeclass == 0) {
    if (live == 0) {
      h.free_span(s);
      return false;
    }
    s->freeindex = 1;
    return true;
  }
  s->reset_alloc_cursor();
  if (live == 0) {
    {
      base::Guard<base::Lock> g(s->central->lock);
      unlink_partial(s);
    }
    h.free_span(s);
    return false;
  }
  base::Guard<base::Lock> g(s->central->lock);
  if (live < s->nelems) link_partial(s);
  else unlink_partial(s);
  return true;
}

SweepTotals sweep_all() {
  Heap& h = heap();
  SweepTotals t;
  bool poison = collector().settings.poison;
  base::Guard<base::Lock> g(h.lock);
  std::size_t keep = 0;
  for (std::size_t i = 0; i < h.all_spans.size(); i++) {
    Span* s = h.all_spans[i];
    if (s->in_cache) {
      // Cannot happen: caches are released before a sweep.
      h.all_spans[keep++] = s;
      continue;
    }
    if (sweep_span(s, t, poison)) h.all_spans[keep++] = s;
  }
  h.all_spans.resize(keep);
  return t;
}

}  // namespace gort::gc
