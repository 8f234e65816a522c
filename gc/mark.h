// gc/mark.h — marking: shading objects grey, scanning them black, and the
// roots (goroutine stacks and registers, root handles, registered ranges).
//
// Colours are implicit: white = mark bit clear; grey = mark bit set and the
// object is on a work stack (or has no pointers); black = mark bit set and
// scanned. Marking an object sets its bit with an atomic OR and, if this call
// set it and the object can hold pointers, pushes it; draining pops objects
// and runs their type's trace method, which marks what they point to.
//
// Roots are found conservatively: every aligned word of a goroutine's live
// stack, of its saved registers, of a gort::go closure and of a registered
// range is looked up in the page map; a word that lands inside an allocated
// slot marks that object (interior pointers count). Heap objects are traced
// precisely, through their gc::Ptr fields.
//
// gccheckmark's second pass runs the same code with `checkmark` set: it marks
// into each span's check bits instead, and every object it reaches must
// already carry a mark bit from the real mark, or the collector missed it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gc/heap.h"

namespace gort::detail {
struct G;
}

namespace gort::gc {

struct WorkStack {
  std::uintptr_t* data = nullptr;
  std::size_t len = 0;
  std::size_t cap = 0;
  // A caller's fixed buffer: when it fills, its contents move to the shared
  // queue (gc/work.h) instead of the buffer growing.
  bool fixed = false;
  void push(std::uintptr_t obj) {
    if (len == cap) grow();
    data[len++] = obj;
  }
  bool pop(std::uintptr_t* obj) {
    if (len == 0) return false;
    *obj = data[--len];
    return true;
  }
  void grow();
  void release();
};

struct MarkState {
  WorkStack work;
  bool checkmark = false;
  // The cycle this mark belongs to (G::gcscan_gen), 0 when stacks scanned by
  // it need not be recorded.
  std::uint32_t gen = 0;
  // gccheckmark: stack words that the concurrent mark never saw as live —
  // below where it scanned a goroutine (unless the scan cleared the dead
  // stack there, gc/deadstack.h), a whole goroutine born during the mark,
  // and the registers of stopped threads. A conservative scan cannot tell a
  // stale word there (a dead pointer left in a slot a new frame has not
  // written yet) from a live one, so these ranges are scanned last, in
  // `lenient` mode: what only they reach is marked but not held against the
  // concurrent mark.
  // In the strict part of a stack, only words holding an object's start
  // count (a word pointing inside an object may be a stale pointer whose low
  // byte a newer, smaller store overwrote), and only while they hold what
  // the concurrent scan read there (gc/deadstack.h, mark.cc
  // changed_since_scan).
  WorkStack lenient_ranges;  // pairs lo, hi
  bool lenient = false;
  bool strict_bases_only = false;
  std::uintptr_t scanning = 0;  // the object being scanned (for reports)
  const char* root_kind = nullptr;  // the root being scanned (for reports)
  std::uintptr_t root_word = 0;     // where the last heap-pointing root word was
  std::int64_t root_goid = 0;       // whose stack it is on (0: not a stack)
  const gort::detail::G* root_g = nullptr;  // and that goroutine (for reports)
  std::int64_t marked_bytes = 0;
  std::int64_t marked_objects = 0;
  std::int64_t scanned_bytes = 0;
  std::int64_t stack_bytes = 0;
};

// Adds ms's marked bytes and objects to the cycle's totals and zeroes them.
void flush_mark_counts(MarkState& ms);

// Shades the object containing addr, if addr points into an allocated slot.
void mark_conservative(MarkState& ms, std::uintptr_t addr);
// Scans [lo, hi) word by word (lo rounded up to a word).
void scan_conservative(MarkState& ms, const void* lo, const void* hi);
// All roots: every goroutine's stack, registers and entry closure, root
// handles, registered ranges. World stopped.
void mark_roots(MarkState& ms);
// One goroutine's stack, registers and closure, the world stopped.
void scan_goroutine_world_stopped(MarkState& ms, gort::detail::G* gp);
// Marks what the object at obj refers to (its type's trace), not obj itself.
void mark_referents(MarkState& ms, std::uintptr_t obj);
// Finds the span and slot of addr; false if addr is not inside an object.
inline bool find_slot(std::uintptr_t addr, Span** out_s, std::uint32_t* out_idx) {
  Span* s = heap().span_of(reinterpret_cast<void*>(addr));
  if (s == nullptr) return false;
  if (s->sizeclass == 0) {
    *out_s = s;
    *out_idx = 0;
    return true;
  }
  if (addr >= s->limit()) return false;  // the span's unused tail
  *out_s = s;
  *out_idx = s->index_of(addr);
  return true;
}
// Whether the object containing addr is marked or allocated black (false
// if addr is in none). A marked slot is an allocated one (the sweep clears
// the marks).
inline bool object_marked(std::uintptr_t addr) {
  Span* s;
  std::uint32_t idx;
  return find_slot(addr, &s, &idx) && s->marked_or_black(idx);
}
// Whether shading v could change anything: v is inside the heap and not in
// an object already marked or allocated black (the barrier's records, and
// the values shade_batch is given, are tested with it).
inline bool may_need_shading(std::uintptr_t v) {
  return v - detail::g_heap_base < detail::g_heap_size && !object_marked(v);
}
// The start of the allocated object containing addr, or 0.
std::uintptr_t object_base(std::uintptr_t addr);

// Everything but the stacks: root handles, registered ranges, finalizers'
// closures and referents, the finalizer queue.
void mark_global_roots(MarkState& ms);

// Every goroutine ever created, copied out under the allgs lock into a
// mapping of its own (no malloc: it is used with the world stopped).
struct GoroutineSnapshot {
  GoroutineSnapshot();
  ~GoroutineSnapshot();
  GoroutineSnapshot(const GoroutineSnapshot&) = delete;
  GoroutineSnapshot& operator=(const GoroutineSnapshot&) = delete;
  gort::detail::G** gs = nullptr;
  std::int64_t n = 0;

 private:
  std::size_t bytes_ = 0;
};

// Calls fn(gp, ctx) for every goroutine ever created (a snapshot: no lock
// held while fn runs).
void for_each_goroutine_unlocked(void (*fn)(gort::detail::G*, void*), void* ctx);
// Scans grey objects until none are left on ms's own stack.
void drain(MarkState& ms);
// Scans up to max grey objects (or oblets of a large array), stopping early
// once ms.scanned_bytes reaches scan_limit; returns how many it scanned.
std::size_t drain_n(MarkState& ms, std::size_t max, std::int64_t scan_limit = INT64_MAX);

// The root handle registry (roots.cc).
void scan_root_slots(MarkState& ms);

}  // namespace gort::gc
