// sched/fatal.h — unrecoverable failures (Go's throw and fatal) and, until the
// panic machinery of part 2 lands, runtime-error panics.
//
// throw_ is for broken runtime invariants, fatal_ for user-caused errors
// (deadlock, unlock of an unlocked mutex, ...). Both switch to the current M's
// g0 stack, print `fatal error: <msg>` and every goroutine, and exit with
// status 2. They never return and never unwind: no destructor, deferred call
// or catch block runs.
#pragma once

namespace gort::detail {

[[noreturn]] void throw_(const char* msg);
[[noreturn]] void fatal_(const char* msg);

// A runtime error that Go reports as a panic (`send on closed channel`, ...).
// Until recover exists (part 2) it prints `panic: <msg>` with the goroutines
// and exits 2.
[[noreturn]] void runtime_panic(const char* msg);

// Prints goroutine headers as fatal reports do: the current goroutine first,
// then (if all) every other live goroutine.
void print_goroutines(bool all);

}  // namespace gort::detail
