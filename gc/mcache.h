// gc/mcache.h — a P's allocation cache (Go's mcache).
//
// Each P holds at most one span per kind of allocation: per size class for
// pointer-free objects, per type for objects with pointers. Allocating is
// taking the next free slot of that span: the P owns the span, so no lock
// and no atomic read-modify-write is needed. A full span is dropped (it is
// on no list until the sweeper finds free slots in it) and the next one comes
// from the Central. At mark termination every cache lets its spans go, so
// that the sweeper sees every span.
#pragma once

#include <cstdint>

#include "gc/heap.h"

namespace gort::gc {

struct MCache {
  Span* noscan[80] = {};
  Span* arrays[80] = {};
  Span** typed = nullptr;  // by type id
  std::uint32_t ntyped = 0;
  // Counted here and summed on demand (plain increments on the fast path).
  std::uint64_t nmalloc = 0;
  // Allocated black during the current mark (summed at mark termination).
  std::int64_t black_bytes = 0;
  std::int64_t black_objects = 0;
};

// Calls f(Span*&) for every span c holds (the reference lets f drop it).
template <class F>
void for_each_cached_span(MCache* c, F f) {
  for (Span*& s : c->noscan)
    if (s != nullptr) f(s);
  for (std::uint32_t i = 0; i < c->ntyped; i++)
    if (c->typed[i] != nullptr) f(c->typed[i]);
  for (Span*& s : c->arrays)
    if (s != nullptr) f(s);
}

MCache* mcache_create();
// As a mark starts (world stopped): every cached span allocates black from
// here on (gc/span.h, start_black).
void mcache_start_black(MCache* c);
// As the mark ends (world stopped): every cached span's black run into its
// mark bits, before anything reads them as the mark's verdict.
void mcache_flush_black(MCache* c);
// Returns every cached span to the heap, giving back the bytes of the slots
// it did not hand out. World stopped, or by the owning P.
void mcache_release_all(MCache* c);

}  // namespace gort::gc
