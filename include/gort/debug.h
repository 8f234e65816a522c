// gort/debug.h — tracebacks on demand (Go's runtime.Stack,
// runtime/debug.PrintStack and debug.SetTraceback).
#pragma once

#include <string>

namespace gort::debug {

// The calling goroutine's traceback, in the format of a fatal report,
// starting at the caller of stack(). With all, every other goroutine follows
// (the world is stopped while they are unwound, as Go's runtime.Stack does).
// Call it from a goroutine.
std::string stack(bool all = false);

// Writes the calling goroutine's traceback to standard error.
void print_stack();

// Raises the GOTRACEBACK level for later reports ("none", "single", "all",
// "system", "crash" or a number). As Go's debug.SetTraceback, it cannot go
// below the level the environment set.
void set_traceback(const char* level);

}  // namespace gort::debug
