// base/rootrange.cc — see rootrange.h.
#include "base/rootrange.h"

#include "base/lock.h"

namespace gort::base {

namespace {
Lock g_lock;
RootRange* g_head = nullptr;
}  // namespace

void root_range_register(RootRange* r, const void* lo, std::size_t size) {
  Guard<Lock> g(g_lock);
  r->lo = lo;
  r->size = size;
  r->prev = nullptr;
  r->next = g_head;
  if (g_head != nullptr) g_head->prev = r;
  g_head = r;
}

void root_range_unregister(RootRange* r) {
  Guard<Lock> g(g_lock);
  if (r->prev != nullptr) r->prev->next = r->next;
  else if (g_head == r) g_head = r->next;
  else return;  // not registered
  if (r->next != nullptr) r->next->prev = r->prev;
  r->prev = r->next = nullptr;
  r->lo = nullptr;
  r->size = 0;
}

void root_range_each(void (*fn)(const void*, std::size_t, void*), void* ctx) {
  Guard<Lock> g(g_lock);
  for (RootRange* r = g_head; r != nullptr; r = r->next) fn(r->lo, r->size, ctx);
}

}  // namespace gort::base

#include "base/gc_hooks.h"

namespace gort::base {
void (*gc_shade_range_hook)(const void* p, std::size_t n) = nullptr;
std::int64_t (*gc_sysmon_hook)(std::int64_t now) = nullptr;
}  // namespace gort::base
