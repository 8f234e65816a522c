// gort/debug.h — tracebacks on demand (Go's runtime.Stack,
// runtime/debug.PrintStack and debug.SetTraceback).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

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

// Go's debug.SetMaxThreads: the most OS threads the runtime may create (every
// M, the thread that called gort::run included; sysmon not counted). Creating
// one more is fatal, as in Go: `runtime: program exceeds N-thread limit` then
// `fatal error: thread exhaustion`, exit 2. A limit below the threads already
// created is fatal at once. Returns the previous limit; the default is 10000.
// Threads are created for goroutines blocked in gort::blocking (each holds
// one while another runs the rest) and for GOMAXPROCS; they are never ended.
int set_max_threads(int threads);

// ---- the collector's statistics (Go's debug.ReadGCStats and
// runtime.ReadMemStats). Call them from a goroutine; read_mem_stats stops the
// world briefly, as Go's does.

struct GCStats {
  std::chrono::system_clock::time_point last_gc{};  // time of the last collection (epoch if none)
  std::int64_t num_gc = 0;
  std::chrono::nanoseconds pause_total{0};
  std::vector<std::chrono::nanoseconds> pause;  // pause history, most recent first (at most 256)
  std::vector<std::chrono::system_clock::time_point> pause_end;  // same order
  // If given a size n >= 2 before the call, filled with the minimum, n-2
  // evenly spaced quantiles and the maximum of the recorded pauses.
  std::vector<std::chrono::nanoseconds> pause_quantiles;
};
void read_gc_stats(GCStats& s);

struct MemStats {
  std::uint64_t alloc = 0;        // = heap_alloc
  std::uint64_t total_alloc = 0;  // bytes allocated, cumulative
  std::uint64_t sys = 0;          // bytes obtained from the OS for the heap
  std::uint64_t mallocs = 0;      // objects allocated, cumulative
  std::uint64_t frees = 0;        // objects freed, cumulative
  std::uint64_t heap_alloc = 0;   // bytes of allocated heap objects (including unswept garbage)
  std::uint64_t heap_sys = 0;
  std::uint64_t heap_idle = 0;
  std::uint64_t heap_inuse = 0;
  std::uint64_t heap_released = 0;
  std::uint64_t heap_objects = 0;  // = mallocs - frees
  std::uint64_t next_gc = 0;       // the heap goal
  std::uint64_t last_gc = 0;       // unix ns
  std::uint64_t pause_total_ns = 0;
  std::uint64_t pause_ns[256] = {};   // cycle n's pause at [(n+255) % 256]
  std::uint64_t pause_end[256] = {};  // unix ns, same indexing
  std::uint32_t num_gc = 0;
  std::uint32_t num_forced_gc = 0;
  double gc_cpu_fraction = 0;
  bool enable_gc = true;
  bool debug_gc = false;
};
void read_mem_stats(MemStats& m);

// Runs a collection and returns as much free heap memory to the OS as it can
// (Go's debug.FreeOSMemory). The background scavenger does the same after
// every cycle, keeping what the heap may grow into before its next goal.
void free_os_memory();

}  // namespace gort::debug
