// runtime/symbolize.h — program counters to function names and file:line.
//
// Reads the DWARF of every loaded module through elfutils' libdwfl. One PC
// can stand for several logical frames when the compiler inlined calls
// there: symbolize returns them innermost first, the way Go's traceback
// expands inlined frames. Results are cached per PC, so a dump of 10,000
// goroutines parked at the same few places costs a few lookups.
//
// Thread-safe (one lock). It allocates: tracebacks accept that, as the one
// part of a fatal report that cannot work from fixed buffers.
#pragma once

#include <cstdint>

namespace gort::detail {

struct SymFrame {
  const char* function = "?";  // demangled; "?" when unknown
  const char* file = nullptr;  // absolute path, or null when unknown
  int line = 0;
  std::uintptr_t entry = 0;  // start of the physical function, 0 when unknown
  bool inlined = false;      // inlined into the next (outer) logical frame
  bool runtime = false;      // gort's own code, the context trampoline, libc start-up
};

// Logical frames at pc, innermost first; returns how many (at least 1, at
// most max). call_site: pc is a return address (looked up at pc - 1).
int symbolize(std::uintptr_t pc, bool call_site, SymFrame* out, int max);

// The entry of the function containing pc (a return address if call_site),
// 0 when unknown.
std::uintptr_t function_entry(std::uintptr_t pc, bool call_site);

// True if the functions at these entries are one function, or parts of one
// that the compiler split (`f [clone .part.0]`, `f [clone .cold]`).
bool same_function(std::uintptr_t entry_a, std::uintptr_t entry_b);

// The number of inlined logical frames at pc (a call site inside a physical
// function), or -1 when the module has no debug information.
int inline_depth(std::uintptr_t call_site_pc);

// True for names of frames Go would call runtime frames.
bool is_runtime_function(const char* demangled);

}  // namespace gort::detail
