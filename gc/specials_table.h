// gc/specials_table.h — the records an object may carry besides its words:
// its finalizer and its weak pointers (Go's "specials", mheap.go).
//
// A record is found by the object's address in one of kStripes shards, each
// a hash table behind its own lock (the stripe of an address is a hash of
// it). The object's span keeps one bit per slot, special_bits, set when a
// record is added, so that the sweep, which walks a span's dead slots,
// looks up only those that may have records.
//
// Why this shape (and not one global table walked at mark termination, as
// gort did until 2026-11-30): the work of a cycle on specials is spread over
// the concurrent phases and is never in a pause.
//  * During the mark, a root job walks every shard, one lock at a time, and
//    marks what each finalizer needs: its function object's captures and
//    everything its object refers to, but not the object itself.
//  * The sweep of a span (gc/sweep.cc), before it touches a mark bit, takes
//    each dead slot with its bit set: its weak pointers are cleared, and if
//    it has a finalizer, the finalizer is queued for the finalizer goroutine
//    and the object is revived (its mark bit set: it survives this cycle
//    with everything it refers to, which the mark already kept). Weak
//    pointers are cleared before a finalizer can resurrect their object,
//    per object, as go-reference §4.4 asks.
//  * Between the end of the mark and the sweep of its span, a dead object is
//    still named by its weak pointers. A read then (weak_get) looks at the
//    mark bit under the stripe's lock and returns null for an unmarked
//    object, so nothing the sweep is about to clear can be brought back.
//
// A weak pointer is a WeakCell: the target's address, which the sweep
// clears, and the link of its object's list of cells. The gc::Weak handle
// owns its cell and frees it (after unlinking it, unless the sweep did).
#pragma once

#include <cstddef>
#include <cstdint>

#include "gort/gc.h"

namespace gort::gc {

struct MarkState;
struct Span;

struct WeakCell {
  void* target;         // first: gc::Weak holds &target as its void** slot
  WeakCell* next;       // the other cells of the same object
  std::uintptr_t key;   // the object's start (target may point inside it)
};

// ---- the mark ----------------------------------------------------------------------------------
// Marks each finalizer's function object (conservatively) and its object's
// referents. A root job of the concurrent mark, and of the checkmark pass.
void mark_finalizer_roots(MarkState& ms);
// Scans a finalizer's function object (its captures) conservatively.
void scan_finalizer_fn(MarkState& ms, const detail::FinalizerFn& fn);

// ---- the sweep ---------------------------------------------------------------------------------
// The sweep of s (claimed by the caller) deals with the specials of the dead
// slots of word w (`dead`: allocated, unmarked, special bit set): clears
// their weak cells, queues their finalizers (through queue_fn) and returns
// the slots revived because they had one. Clears the special bits of dead.
using QueueFinalizer = void (*)(std::uintptr_t obj, const detail::FinalizerFn& fn);
std::uint64_t sweep_specials_word(Span* s, std::uint32_t w, std::uint64_t dead,
                                  QueueFinalizer queue_fn);

// ---- finalizers --------------------------------------------------------------------------------
// Adds obj's finalizer; false (and nothing added) if it has one. obj is an
// allocated object's start.
bool specials_add_finalizer(std::uintptr_t obj, const detail::FinalizerFn& fn);
// Removes obj's finalizer into *out; false if it had none.
bool specials_remove_finalizer(std::uintptr_t obj, detail::FinalizerFn* out);

// ---- weak pointers -----------------------------------------------------------------------------
// A new cell for target (any address: a target outside the heap is never
// cleared).
WeakCell* weak_cell_new(void* target);
// Unlinks (unless the sweep has) and frees the cell.
void weak_cell_free(WeakCell* c);
// The target, or null once its object is dead (shaded while marking).
void* weak_cell_get(WeakCell* c);

// Records in the table (tests: nothing is left behind).
std::size_t specials_count();

}  // namespace gort::gc
