// base/fail.h — how any layer reports a failure. Declared here, at the
// bottom, and implemented by runtime/ (fatal.cc, panic.cc), so that the
// scheduler can fail without including the layers above it.
//
// throw_ is for broken runtime invariants (Go's throw), fatal_ for
// user-caused errors such as a deadlock or unlocking an unlocked mutex (Go's
// fatal). Both switch to the current M's g0 stack, print `fatal error: <msg>`
// and the goroutines, and exit with status 2. They never return and never
// unwind: no destructor, deferred call or catch block runs, and recover
// cannot see them. throw_ always shows runtime frames; fatal_ follows
// GOTRACEBACK.
#pragma once

namespace gort::detail {

[[noreturn]] void throw_(const char* msg);
[[noreturn]] void fatal_(const char* msg);

// A recoverable runtime error (Go's runtime.Error): panics with a
// gort::RuntimeError whose text is exactly `text` (`send on closed channel`,
// `runtime error: index out of range [5] with length 3`, ...). Call it with
// no runtime lock held.
[[noreturn]] void panic_runtime_error(const char* text);

}  // namespace gort::detail
