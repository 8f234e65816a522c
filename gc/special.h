// gc/special.h — finalizers and weak pointers (Go's "specials").
//
// Finalizers (go-reference §4.4). A table maps an object's address to its
// finalizer: a function object kept off the heap (its bytes are scanned
// conservatively as a root, like a goroutine's closure). Every cycle marks
// what each finalizer's object refers to — but not the object itself — so
// that when the object is found unreachable, everything it needs is still
// there. At mark termination each unmarked object with a finalizer loses the
// association, is marked (it survives this cycle), and goes on the queue of
// the finalizer goroutine (`finalizer wait`), which runs the functions one
// by one; the queue is a root until they have run. Consequences, as in Go:
// the object may be resurrected; A -> B, both with finalizers: only A's runs
// in the first cycle; a cycle through an object with a finalizer is never
// collected.
//
// Weak pointers. A gc::Weak holds a slot in a table the collector does not
// scan. At mark termination, before finalizers resurrect anything, each
// slot whose object is unmarked is cleared. Reading a weak pointer while the
// collector marks shades the object (a no-suspend stretch), so the strong
// pointer it returns cannot be cleared under the reader.
#pragma once

#include <cstdint>

namespace gort::gc {

struct MarkState;

// During a mark: the finalizers' closures and their objects' referents.
void mark_finalizer_roots(MarkState& ms);
// Conservatively scans the ready queue (objects whose finalizers have not run).
void mark_finalizer_queue(MarkState& ms);
// Mark termination, world stopped, marking done: clears dead weak slots,
// then queues the finalizers of unmarked objects and marks those objects.
// Returns the number queued.
std::size_t process_specials_stopped(MarkState& ms);
// After the pause: wakes the finalizer goroutine if there is work.
void finalizers_wake();
// Starts the finalizer goroutine (from a goroutine).
void start_finalizer_goroutine();
bool finalizer_goroutine_idle();

}  // namespace gort::gc
