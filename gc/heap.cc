// gc/heap.cc — see heap.h.
#include "gc/heap.h"

#include <cstring>
#include <new>

#include "base/alloc.h"
#include "base/fail.h"
#include "base/fence.h"
#include "base/gc_hooks.h"
#include "gc/work.h"

namespace gort::gc {

namespace detail_heap {
alignas(Heap) unsigned char storage[sizeof(Heap)];
std::atomic<bool> initialized{false};
base::Lock init_lock;
}  // namespace detail_heap

bool heap_initialized() { return detail_heap::initialized.load(std::memory_order_acquire); }

namespace {
constexpr std::size_t kDefaultReserve = std::size_t{64} << 30;  // address space, not memory
}

void heap_init() {
  if (heap_initialized()) return;
  base::Guard<base::Lock> g(detail_heap::init_lock);
  if (heap_initialized()) return;
  size_classes_init();
  base::asymmetric_fence_init();  // before any write barrier runs (gc/wbbuf.cc)
  Heap* h = ::new (detail_heap::storage) Heap(kDefaultReserve);
  gort::gc::detail::g_heap_base = h->pages.base();
  gort::gc::detail::g_heap_size = h->pages.reserved_bytes();
  base::gc_shade_range_hook = &shade_range;
  detail_heap::initialized.store(true, std::memory_order_release);
}

Heap::Heap(std::size_t reserve) : pages(reserve) {
  for (int c = 1; c <= num_size_classes(); c++) {
    noscan[c].sizeclass = c;
    noscan[c].kind = SpanKind::noscan;
    arrays[c].sizeclass = c;
    arrays[c].kind = SpanKind::array;
  }
  typed.resize(64, nullptr);
}

Central* Heap::central_for(const TypeInfo& t, int sizeclass) {
  if (t.trace == nullptr) return &noscan[sizeclass];
  std::uint32_t id = t.id.load(std::memory_order_acquire);
  if (id != 0) return typed[id];
  base::Guard<base::Lock> g(lock);
  id = t.id.load(std::memory_order_acquire);
  if (id != 0) return typed[id];
  id = next_type_id.fetch_add(1);
  if (id >= typed.size()) typed.resize(typed.size() * 2, nullptr);
  auto* c = ::new (base::rt_alloc(sizeof(Central), alignof(Central))) Central();
  c->sizeclass = sizeclass;
  c->kind = SpanKind::typed;
  c->type = &t;
  typed[id] = c;
  t.id.store(id, std::memory_order_release);
  return c;
}

namespace {

Span* make_span_struct(std::uintptr_t base, std::uint32_t npages, std::uint32_t nelems) {
  std::uint32_t nwords = (nelems + 63) / 64;
  std::size_t bytes = sizeof(Span) + std::size_t{nwords} * 3 * sizeof(std::uint64_t);
  void* mem = base::rt_alloc(bytes, alignof(Span));
  if (mem == nullptr) gort::detail::throw_("runtime: out of memory");
  std::memset(mem, 0, bytes);
  auto* s = ::new (mem) Span();
  s->base = base;
  s->npages = npages;
  s->nelems = nelems;
  s->nwords = nwords;
  auto* words = reinterpret_cast<std::uint64_t*>(s + 1);
  s->alloc_bits = words;
  s->mark_bits = reinterpret_cast<std::atomic<std::uint64_t>*>(words + nwords);
  s->special_bits = words + 2 * std::size_t{nwords};
  return s;
}

void register_span(Heap& h, Span* s) {
  base::Guard<base::Lock> g(h.lock);
  h.all_spans.push_back(s);
}

}  // namespace

Span* Heap::new_small_span(Central* c) {
  const SizeClass& sc = size_class(c->sizeclass);
  bool fresh = false;
  void* mem = pages.alloc_pages(sc.span_pages, &fresh);
  if (mem == nullptr) gort::detail::throw_("runtime: out of memory");
  Span* s = make_span_struct(reinterpret_cast<std::uintptr_t>(mem), sc.span_pages, sc.objects);
  s->elemsize = sc.size;
  s->div_mul = sc.div_mul;
  s->sizeclass = static_cast<std::uint8_t>(c->sizeclass);
  s->kind = c->kind;
  s->type = c->type;
  s->central = c;
  s->needzero = !fresh;
  s->sweepgen.store(sweepgen.load(std::memory_order_acquire), std::memory_order_relaxed);
  s->specials_sg.store(s->sweepgen.load(std::memory_order_relaxed), std::memory_order_relaxed);
  s->reset_alloc_cursor();
  pages.set_span(mem, sc.span_pages, s);
  __atomic_store_n(&s->in_use, true, __ATOMIC_RELEASE);
  register_span(*this, s);
  return s;
}

Span* Heap::new_large_span(std::size_t size, const TypeInfo* type, SpanKind kind) {
  std::size_t npages = (size + kPageSize - 1) / kPageSize;
  if (npages > UINT32_MAX) gort::detail::throw_("runtime: out of memory");
  bool fresh = false;
  void* mem = pages.alloc_pages(npages, &fresh);
  if (mem == nullptr) gort::detail::throw_("runtime: out of memory");
  if (!fresh) std::memset(mem, 0, npages * kPageSize);
  Span* s = make_span_struct(reinterpret_cast<std::uintptr_t>(mem), static_cast<std::uint32_t>(npages), 1);
  s->elemsize = static_cast<std::uint32_t>(size > UINT32_MAX ? UINT32_MAX : size);
  s->kind = kind;
  s->type = type;
  // The one slot is handed out at once.
  s->freeindex = 1;
  s->alloc_count = 1;
  pages.set_span(mem, npages, s);  // span_of finds it only once in_use is set
  return s;
}

void Heap::publish_large_span(Span* s) {
  if (base::lock_depth() == 0) gort::detail::throw_("gc: publish_large_span outside a no-suspend stretch");
  s->sweepgen.store(sweepgen.load(std::memory_order_acquire), std::memory_order_relaxed);
  s->specials_sg.store(s->sweepgen.load(std::memory_order_relaxed), std::memory_order_relaxed);
  __atomic_store_n(&s->in_use, true, __ATOMIC_RELEASE);
  register_span(*this, s);
}

void Heap::free_span(Span* s) {
  __atomic_store_n(&s->in_use, false, __ATOMIC_RELEASE);
  pages.set_span(reinterpret_cast<void*>(s->base), s->npages, nullptr);
  // The pages stay resident for reuse; the scavenger after the sweep gives
  // back what the heap will not grow into before the next goal.
  pages.free_pages(reinterpret_cast<void*>(s->base), s->npages, false);
  s->~Span();
  base::rt_free(s);
}

}  // namespace gort::gc
