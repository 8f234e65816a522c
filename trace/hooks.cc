// trace/hooks.cc — the slow paths of the hooks in trace/trace.h: turning what
// the scheduler and the collector report into events.
//
// Goroutine slices and the slices nested in them are kept open in the
// recording thread's state (trace/buffer.h) and appended, complete, when they
// end: an M runs one goroutine at a time on one P, so slices on a P's track
// follow one another, and a nested slice is cut when its goroutine stops, so
// it always lies inside its goroutine's slice. The GC phases, the
// stop-the-world pauses and the counters go to the global ring.
#include <atomic>

#include "base/clock.h"
#include "base/lock.h"
#include "trace/buffer.h"
#include "trace/trace.h"

extern "C" {
bool gort_trace_on = false;
}

namespace gort::trace {

namespace {

// ---- goroutine names ----------------------------------------------------------------
constexpr int kMaxNames = 256;
struct NamedGoroutine {
  std::atomic<std::int64_t> goid{0};
  const char* name = nullptr;
};
NamedGoroutine g_names[kMaxNames];
std::atomic<int> g_nnames{0};

const char* name_of(std::int64_t goid) {
  int n = g_nnames.load(std::memory_order_acquire);
  if (n > kMaxNames) n = kMaxNames;
  for (int i = 0; i < n; i++)
    if (g_names[i].goid.load(std::memory_order_acquire) == goid) return g_names[i].name;
  return nullptr;
}

// ---- slices on a P's track ----------------------------------------------------------
void close_nested(ThreadState* ts, std::int64_t now) {
  if (ts->nested == nullptr) return;
  Event e{};
  e.kind = EventKind::nested_slice;
  e.ts = ts->nested_start;
  e.dur = now - ts->nested_start;
  e.arg = ts->goid;
  e.name = ts->nested;
  e.track = track_of_p(ts->p);
  ts->nested = nullptr;
  append_local(ts, e);
}

void close_slice(ThreadState* ts, std::int64_t now) {
  if (ts->p < 0) return;
  close_nested(ts, now);
  Event e{};
  e.kind = EventKind::goroutine_slice;
  e.ts = ts->start;
  e.dur = now - ts->start;
  e.arg = ts->goid;
  e.name = ts->label;
  e.track = track_of_p(ts->p);
  ts->p = -1;
  append_local(ts, e);
}

// ---- the GC track -------------------------------------------------------------------
base::Lock g_gc_lock;
GcPhase g_phase = GcPhase::off;
std::int64_t g_phase_start = 0;
std::uint32_t g_cycle = 0;
std::int64_t g_last_sample = 0;

const char* phase_name(GcPhase p) {
  switch (p) {
    case GcPhase::sweep_termination: return "GC sweep termination";
    case GcPhase::mark: return "GC concurrent mark";
    case GcPhase::mark_termination: return "GC mark termination";
    case GcPhase::sweep: return "GC sweep";
    case GcPhase::off: break;
  }
  return "GC";
}

// Ends the open phase at now (under g_gc_lock).
void close_phase(std::int64_t now) {
  if (g_phase == GcPhase::off) return;
  Event e{};
  e.kind = EventKind::gc_slice;
  e.ts = g_phase_start;
  e.dur = now - g_phase_start;
  e.arg = g_cycle;
  e.name = phase_name(g_phase);
  e.track = kTrackGC;
  append_global(e);
  g_phase = GcPhase::off;
}

void counter(const char* name, std::int64_t value) {
  Event e{};
  e.kind = EventKind::counter;
  e.name = name;
  e.arg = value;
  e.track = kTrackGC;
  append_global(e);  // ts: now, under the ring's lock
}

}  // namespace

void name_goroutine(std::int64_t goid, const char* name) {
  int i = g_nnames.load(std::memory_order_relaxed);
  for (;;) {
    if (i >= kMaxNames) return;  // only runtime goroutines are named; never this many
    if (g_nnames.compare_exchange_weak(i, i + 1, std::memory_order_acq_rel)) break;
  }
  g_names[i].name = name;
  g_names[i].goid.store(goid, std::memory_order_release);
}

void run_slow(std::int32_t p, std::int64_t goid) {
  ThreadState* ts = thread_state();
  if (ts->p == p && ts->goid == goid) return;
  std::int64_t now = base::nanotime();
  close_slice(ts, now);
  ts->p = p;
  ts->goid = goid;
  ts->start = now;
  ts->label = name_of(goid);
}

void stop_running_slow() {
  ThreadState* ts = thread_state();
  if (ts->p < 0) return;
  close_slice(ts, base::nanotime());
}

void nested_begin_slow(const char* name) {
  ThreadState* ts = thread_state();
  if (ts->p < 0) return;  // (the goroutine's slice began before tracing did)
  std::int64_t now = base::nanotime();
  close_nested(ts, now);
  ts->nested = name;
  ts->nested_start = now;
}

void nested_end_slow() {
  ThreadState* ts = thread_state();
  if (ts->p < 0 || ts->nested == nullptr) return;
  close_nested(ts, base::nanotime());
}

void gc_phase_slow(GcPhase phase, std::uint32_t cycle) {
  {
    base::Guard<base::Lock> g(g_gc_lock);
    std::int64_t now = base::nanotime();
    // off ends only a sweep (the sweeper finished): a cycle may have begun.
    if (phase == GcPhase::off && g_phase != GcPhase::sweep) return;
    close_phase(now);
    if (cycle != 0) g_cycle = cycle;
    g_phase = phase;
    g_phase_start = now;
  }
  // Names the pause this thread is about to begin (not one it is in: with
  // gcstoptheworld=1 the whole cycle is one pause, named by its start).
  ThreadState* ts = thread_state();
  if (ts->stw_start != 0) return;
  if (phase == GcPhase::sweep_termination) ts->stw_reason = "GC sweep termination";
  if (phase == GcPhase::mark_termination) ts->stw_reason = "GC mark termination";
}

void set_stw_reason_slow(const char* reason) { thread_state()->stw_reason = reason; }

void stw_begin_slow() {
  ThreadState* ts = thread_state();
  ts->stw_start = base::nanotime();
}

void stw_end_slow() {
  ThreadState* ts = thread_state();
  if (ts->stw_start == 0) return;
  Event e{};
  e.kind = EventKind::gc_slice;
  e.ts = ts->stw_start;
  e.dur = base::nanotime() - ts->stw_start;
  e.name = ts->stw_reason != nullptr ? ts->stw_reason : "stop the world";
  e.track = kTrackSTW;
  {
    base::Guard<base::Lock> g(g_gc_lock);
    e.arg = g_cycle;
  }
  ts->stw_start = 0;
  ts->stw_reason = nullptr;
  append_global(e);
}

void heap_counters_slow(std::int64_t in_use, std::int64_t goal) {
  counter("heap in use", in_use);
  if (goal > 0 && goal != INT64_MAX) counter("heap goal", goal);
}

void heap_sample_slow(std::int64_t now, std::int64_t in_use, std::int64_t goal) {
  {
    base::Guard<base::Lock> g(g_gc_lock);
    if (now - g_last_sample < 1'000'000) return;
    g_last_sample = now;
  }
  heap_counters_slow(in_use, goal);
}

// ---- for control.cc -----------------------------------------------------------------
// Tracing starts: no GC phase is open (the one under way is picked up at its
// next transition).
void hooks_reset() {
  base::Guard<base::Lock> g(g_gc_lock);
  g_phase = GcPhase::off;
  g_last_sample = 0;
}

// Tracing stops: the calling thread's own slices and the open GC phase end now.
void hooks_close_open(std::int64_t now) {
  ThreadState* ts = thread_state();
  close_slice(ts, now);
  base::Guard<base::Lock> g(g_gc_lock);
  close_phase(now);
}

}  // namespace gort::trace
