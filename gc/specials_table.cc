// gc/specials_table.cc — see specials_table.h.
#include "gc/specials_table.h"

#include <atomic>
#include <unordered_map>
#include <utility>

#include "base/alloc.h"
#include "base/fail.h"
#include "base/lock.h"
#include "gc/barrier.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mark.h"
#include "gc/sweep.h"

namespace gort::gc {

namespace {

using detail::FinalizerFn;

struct Records {
  FinalizerFn fin{};            // fin.fn == nullptr: none
  WeakCell* weaks = nullptr;    // the cells naming this object
  bool empty() const { return fin.fn == nullptr && weaks == nullptr; }
};

using RecordMap = std::unordered_map<std::uintptr_t, Records, std::hash<std::uintptr_t>, std::equal_to<>,
                                     base::RtAllocator<std::pair<const std::uintptr_t, Records>>>;

constexpr std::size_t kStripes = 256;

struct alignas(64) Stripe {
  base::Lock lock;
  RecordMap map;
};

Stripe* stripes() {
  static Stripe* s = [] {
    auto* mem = static_cast<Stripe*>(base::rt_alloc(sizeof(Stripe) * kStripes, alignof(Stripe)));
    if (mem == nullptr) gort::detail::throw_("runtime: out of memory (specials)");
    for (std::size_t i = 0; i < kStripes; i++) ::new (&mem[i]) Stripe();
    return mem;
  }();
  return s;
}

Stripe& stripe_of(std::uintptr_t obj) {
  // Objects are at least 8-byte aligned; a multiplicative hash spreads the
  // slots of one span over the stripes.
  return stripes()[((obj >> 3) * 0x9E3779B97F4A7C15ull) >> 56];
}
static_assert(kStripes == 256, "stripe_of takes the top 8 bits");

// obj is an allocated object's start (the caller holds it).
void note_special(std::uintptr_t obj) {
  Span* s = heap().span_of(reinterpret_cast<void*>(obj));
  if (s == nullptr) gort::detail::throw_("gc: special record for an address outside the heap");
  s->note_special(s->index_of(obj));
}

}  // namespace

// ---- the mark ----------------------------------------------------------------------------------

void scan_finalizer_fn(MarkState& ms, const FinalizerFn& fn) {
  if (fn.fn != nullptr && fn.size != 0)
    scan_conservative(ms, fn.fn, static_cast<const char*>(fn.fn) + fn.size);
}

void mark_finalizer_roots(MarkState& ms) {
  ms.root_kind = "finalizer";
  for (std::size_t k = 0; k < kStripes; k++) {
    Stripe& st = stripes()[k];
    base::Guard<base::Lock> g(st.lock);
    for (auto& [obj, r] : st.map) {
      if (r.fin.fn == nullptr) continue;
      scan_finalizer_fn(ms, r.fin);
      mark_referents(ms, obj);
    }
  }
  ms.root_kind = nullptr;
}

// ---- the sweep ---------------------------------------------------------------------------------

std::uint64_t sweep_specials_word(Span* s, std::uint32_t w, std::uint64_t dead, QueueFinalizer queue_fn) {
  std::uint64_t revived = 0;
  for (std::uint64_t d = dead; d != 0; d &= d - 1) {
    unsigned bit = static_cast<unsigned>(__builtin_ctzll(d));
    std::uintptr_t obj = s->object_at(w * 64 + bit);
    Stripe& st = stripe_of(obj);
    base::Guard<base::Lock> g(st.lock);
    auto it = st.map.find(obj);
    if (it == st.map.end()) continue;  // its records were removed while it lived
    // Weak pointers first: the finalizer's resurrection does not bring them back.
    for (WeakCell* c = it->second.weaks; c != nullptr; c = c->next)
      __atomic_store_n(&c->target, nullptr, __ATOMIC_RELEASE);
    if (it->second.fin.fn != nullptr) {
      queue_fn(obj, it->second.fin);
      revived |= std::uint64_t{1} << bit;
    }
    st.map.erase(it);
  }
  __atomic_fetch_and(&s->special_bits[w], ~dead, __ATOMIC_RELAXED);
  return revived;
}

// ---- finalizers --------------------------------------------------------------------------------

bool specials_add_finalizer(std::uintptr_t obj, const FinalizerFn& fn) {
  Stripe& st = stripe_of(obj);
  base::Guard<base::Lock> g(st.lock);
  Records& r = st.map[obj];
  if (r.fin.fn != nullptr) return false;
  r.fin = fn;
  note_special(obj);
  return true;
}

bool specials_remove_finalizer(std::uintptr_t obj, FinalizerFn* out) {
  Stripe& st = stripe_of(obj);
  base::Guard<base::Lock> g(st.lock);
  auto it = st.map.find(obj);
  if (it == st.map.end() || it->second.fin.fn == nullptr) return false;
  *out = it->second.fin;
  it->second.fin = FinalizerFn{};
  if (it->second.empty()) st.map.erase(it);
  return true;
}

// ---- weak pointers -----------------------------------------------------------------------------

WeakCell* weak_cell_new(void* target) {
  auto* c = static_cast<WeakCell*>(base::rt_alloc(sizeof(WeakCell), alignof(WeakCell)));
  if (c == nullptr) gort::detail::throw_("runtime: out of memory (weak pointers)");
  c->target = target;
  c->next = nullptr;
  c->key = heap_initialized() ? object_base(reinterpret_cast<std::uintptr_t>(target)) : 0;
  if (c->key != 0) {
    Stripe& st = stripe_of(c->key);
    base::Guard<base::Lock> g(st.lock);
    Records& r = st.map[c->key];
    c->next = r.weaks;
    r.weaks = c;
    note_special(c->key);
  }
  return c;
}

void weak_cell_free(WeakCell* c) {
  if (c->key != 0 && __atomic_load_n(&c->target, __ATOMIC_ACQUIRE) != nullptr) {
    Stripe& st = stripe_of(c->key);
    base::Guard<base::Lock> g(st.lock);
    // Cleared since: the sweep took the whole list (and the record) away.
    if (__atomic_load_n(&c->target, __ATOMIC_RELAXED) != nullptr) {
      auto it = st.map.find(c->key);
      if (it == st.map.end()) gort::detail::throw_("gc: weak pointer missing from its object's records");
      WeakCell** link = &it->second.weaks;
      while (*link != nullptr && *link != c) link = &(*link)->next;
      if (*link == nullptr) gort::detail::throw_("gc: weak pointer missing from its object's records");
      *link = c->next;
      if (it->second.empty()) st.map.erase(it);
    }
  }
  base::rt_free(c);
}

namespace {

// The target if its object lives, null if it died in the last mark; no
// shading. Called in a no-suspend stretch.
void* weak_cell_read(WeakCell* c) {
  // After the sweep (the usual case): every dead object's cells were
  // cleared, and the end of the sweep was read before the cell, so its
  // stores are seen. (sweep_finished() may also be false for a moment
  // during a mark, while an allocation looks for a span to sweep: that
  // takes the slow path, which is right then too.)
  if (c->key == 0 || sweep_finished()) return __atomic_load_n(&c->target, __ATOMIC_ACQUIRE);
  // The sweep of the last mark is under way. Under the stripe's lock the
  // sweep cannot be dealing with this object: if the cell still names it,
  // either its span's specials are done (and it lived), or they are not
  // and its mark bit says whether it lives.
  Stripe& st = stripe_of(c->key);
  base::Guard<base::Lock> g(st.lock);
  void* v = __atomic_load_n(&c->target, __ATOMIC_ACQUIRE);
  if (v == nullptr) return nullptr;
  Span* s = heap().span_of(reinterpret_cast<void*>(c->key));
  if (s == nullptr) gort::detail::throw_("gc: weak pointer to a freed span");
  std::uint32_t idx = s->index_of(c->key);
  // The mark bit first: the sweep clears mark bits (release) only after it
  // publishes specials_sg, so a cleared bit read here means specials_sg is
  // seen as done below.
  bool marked = (s->mark_bits[idx / 64].load(std::memory_order_acquire) >> (idx % 64) & 1) != 0;
  if (s->specials_sg.load(std::memory_order_acquire) == heap().sweepgen.load(std::memory_order_acquire))
    return v;
  return marked ? v : nullptr;
}

}  // namespace

void* weak_cell_get(WeakCell* c) {
  base::NoSuspend ns;  // no pause (the end of a mark, the start of one) falls in between
  void* v = weak_cell_read(c);
  // While marking, the object becomes reachable from the reader: shade it.
  if (v != nullptr && __atomic_load_n(&detail::gort_gc_barrier_on, __ATOMIC_ACQUIRE))
    barrier_record(0, reinterpret_cast<std::uintptr_t>(v));
  return v;
}

std::size_t specials_count() {
  std::size_t n = 0;
  for (std::size_t k = 0; k < kStripes; k++) {
    Stripe& st = stripes()[k];
    base::Guard<base::Lock> g(st.lock);
    n += st.map.size();
  }
  return n;
}

}  // namespace gort::gc
