// gc/special.h — finalizers and weak pointers (Go's "specials").
//
// Finalizers (go-reference §4.4). Each object's finalizer is a record in
// the specials table (gc/specials_table.h, which explains the design): a
// function object kept off the heap, scanned conservatively as a root. Every
// cycle marks what each finalizer's object refers to — but not the object
// itself — so that when the object is found unreachable, everything it
// needs is still there. The sweep of an unmarked object with a finalizer
// takes the record away, revives the object (it survives this cycle) and
// queues the finalizer for the finalizer goroutine (`finalizer wait`), which
// runs the functions one by one; the queue is a root until they have run.
// Consequences, as in Go: the object may be resurrected; A -> B, both with
// finalizers: only A's runs in the first cycle; a cycle through an object
// with a finalizer is never collected.
//
// Weak pointers (gc::Weak) are cells in the same table, cleared by the sweep
// of their dead object before its finalizer (if any) is queued.
#pragma once

#include <cstdint>

#include "gort/gc.h"

namespace gort::gc {

struct MarkState;

// Conservatively scans the ready queue (objects whose finalizers have not run).
void mark_finalizer_queue(MarkState& ms);
// The sweep found obj dead with finalizer fn: onto the queue (the caller
// revives obj). Call finalizers_wake() later, from a goroutine.
void queue_finalizer(std::uintptr_t obj, const detail::FinalizerFn& fn);
// Wakes the finalizer goroutine if there is work (from a goroutine, or
// after a pause).
void finalizers_wake();
// The same, if a sweep queued any since the last call (a cheap check: the
// sweeper calls it after its walk, and a cycle after finish_sweep).
void finalizers_wake_if_queued();
// Starts the finalizer goroutine (from a goroutine).
void start_finalizer_goroutine();
bool finalizer_goroutine_idle();

}  // namespace gort::gc
