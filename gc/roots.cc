// gc/roots.cc — the slots behind gc::Root handles.
//
// Slots live in chunks that are never freed; a free slot holds the address
// of the next free slot (memory outside the heap, which the scan ignores),
// so the collector can scan every chunk word by word without knowing which
// slots are in use. Allocating and freeing a slot takes a short lock; slots
// are written only through the write barrier.
#include <cstring>

#include "base/alloc.h"
#include "base/fail.h"
#include "base/lock.h"
#include "gc/mark.h"

namespace gort::gc {

namespace {

constexpr std::size_t kSlotsPerChunk = 1023;

struct RootChunk {
  RootChunk* next;
  void* slots[kSlotsPerChunk];
};

struct RootRegistry {
  base::Lock lock;
  RootChunk* chunks = nullptr;  // prepended; readers walk from the head
  void** free_list = nullptr;
  std::size_t in_use = 0;
};

RootRegistry& registry() {
  static RootRegistry* r = new (base::rt_alloc(sizeof(RootRegistry), alignof(RootRegistry))) RootRegistry();
  return *r;
}

}  // namespace

namespace detail {

void** root_slot_alloc() {
  RootRegistry& r = registry();
  base::Guard<base::Lock> g(r.lock);
  if (r.free_list == nullptr) {
    auto* c = static_cast<RootChunk*>(base::rt_alloc(sizeof(RootChunk), alignof(RootChunk)));
    if (c == nullptr) gort::detail::throw_("runtime: out of memory (root handles)");
    for (std::size_t i = 0; i < kSlotsPerChunk; i++)
      c->slots[i] = i + 1 < kSlotsPerChunk ? static_cast<void*>(&c->slots[i + 1]) : nullptr;
    r.free_list = &c->slots[0];
    __atomic_store_n(&c->next, r.chunks, __ATOMIC_RELAXED);
    __atomic_store_n(&r.chunks, c, __ATOMIC_RELEASE);
  }
  void** s = r.free_list;
  r.free_list = static_cast<void**>(*s);
  *s = nullptr;
  r.in_use++;
  return s;
}

void root_slot_free(void** slot) {
  RootRegistry& r = registry();
  base::Guard<base::Lock> g(r.lock);
  *slot = r.free_list;
  r.free_list = slot;
  r.in_use--;
}

}  // namespace detail

void scan_root_slots(MarkState& ms) {
  RootRegistry& r = registry();
  for (RootChunk* c = __atomic_load_n(&r.chunks, __ATOMIC_ACQUIRE); c != nullptr; c = c->next)
    scan_conservative(ms, c->slots, c->slots + kSlotsPerChunk);
}

}  // namespace gort::gc
