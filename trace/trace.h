// trace/trace.h — the execution tracer's hooks, called by the scheduler, the
// collector and boot (the public API is include/gort/trace.h).
//
// Every hook is an inline check of one global flag (`gort_trace_on`, a
// relaxed load and a predictable branch) in front of an out-of-line slow
// path, so a runtime that is not tracing pays one load per hook:
//
//     cmpb $0x0, gort_trace_on(%rip)
//     jne  <slow path>
//
// trace/ depends only on base/: the hooks take plain values (P ids,
// goroutine ids, string literals), never a G, M or P.
#pragma once

#include <cstdint>

extern "C" bool gort_trace_on;  // true while events are recorded

namespace gort::trace {

inline bool on() { return __atomic_load_n(&gort_trace_on, __ATOMIC_RELAXED); }

// ---- goroutine slices (sched/) ------------------------------------------------------
// The calling M now runs goroutine `goid` on P `p` (its slice on P's track
// begins; a slice of another goroutine open on this M ends). Calling it again
// for the goroutine already running is a no-op.
void run_slow(std::int32_t p, std::int64_t goid);
inline void run(std::int32_t p, std::int64_t goid) {
  if (on()) [[unlikely]] run_slow(p, goid);
}
// The goroutine running on the calling M stops running (it switched to g0, or
// entered a blocking call): its slice ends, and any nested slice with it.
void stop_running_slow();
inline void stop_running() {
  if (on()) [[unlikely]] stop_running_slow();
}
// Names the slices of a runtime goroutine (mark workers, the sweeper) instead
// of "G<goid>". Records the name whether or not tracing is on; cheap, once
// per goroutine. `name` must be a string literal.
void name_goroutine(std::int64_t goid, const char* name);

// ---- slices nested in the running goroutine's slice (gc/) ----------------------------
// `name` must be a string literal. A nested slice ends at nested_end, or when
// its goroutine stops running first (it is then cut there: what the goroutine
// does after it resumes is not part of it).
void nested_begin_slow(const char* name);
inline void nested_begin(const char* name) {
  if (on()) [[unlikely]] nested_begin_slow(name);
}
void nested_end_slow();
inline void nested_end() {
  if (on()) [[unlikely]] nested_end_slow();
}

// ---- the GC track (gc/cycle.cc) ------------------------------------------------------
enum class GcPhase : std::uint8_t { off, sweep_termination, mark, mark_termination, sweep };
// The collector enters `phase` (ending the phase before it). `cycle` is the
// GC cycle number for sweep_termination, 0 (same cycle) otherwise. The
// termination phases also name the stop-the-world that follows on this thread.
// `off` (the background sweeper found nothing left to sweep) ends the sweep
// phase, and nothing else: a new cycle may have begun meanwhile.
void gc_phase_slow(GcPhase phase, std::uint32_t cycle);
inline void gc_phase(GcPhase phase, std::uint32_t cycle = 0) {
  if (on()) [[unlikely]] gc_phase_slow(phase, cycle);
}

// ---- stop-the-world (sched/stw.cc) ---------------------------------------------------
// The reason of the next stop-the-world begun on this thread (a literal);
// without one the pause is named "stop the world".
void set_stw_reason_slow(const char* reason);
inline void set_stw_reason(const char* reason) {
  if (on()) [[unlikely]] set_stw_reason_slow(reason);
}
// The world starts stopping (the caller is the one stopper) / has restarted.
void stw_begin_slow();
inline void stw_begin() {
  if (on()) [[unlikely]] stw_begin_slow();
}
void stw_end_slow();
inline void stw_end() {
  if (on()) [[unlikely]] stw_end_slow();
}

// ---- counters (gc/cycle.cc) -----------------------------------------------------------
// Heap in use and heap goal (goal <= 0 or INT64_MAX: no goal, not recorded).
void heap_counters_slow(std::int64_t in_use, std::int64_t goal);
inline void heap_counters(std::int64_t in_use, std::int64_t goal) {
  if (on()) [[unlikely]] heap_counters_slow(in_use, goal);
}
// The same from sysmon's tick, at most once a millisecond.
void heap_sample_slow(std::int64_t now, std::int64_t in_use, std::int64_t goal);
inline void heap_sample(std::int64_t now, std::int64_t in_use, std::int64_t goal) {
  if (on()) [[unlikely]] heap_sample_slow(now, in_use, goal);
}

// ---- boot and exit (runtime/boot.cc, sched/stw.cc) ------------------------------------
// Reads GORT_TRACE and GORT_TRACE_LIMIT and starts tracing. A bad value or an
// unwritable file: one line on stderr naming the variable, exit status 2.
void start_from_env();
// Completes the file if tracing (gort::run returning, gort::exit).
void stop_at_exit();

}  // namespace gort::trace
