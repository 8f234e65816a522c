// gc/cycle.cc — a collection cycle, its trigger, and its report.
//
// A cycle (gc/README.md, "Collection"):
//  1. start (world stopped, O(Ps)): turn the write barrier on and allocation
//     black; set up the root jobs and the mark workers (gc/workers.cc);
//  2. concurrent mark, by the mark workers the scheduler runs (dedicated,
//     fractional and idle-priority) and by assists: root handles, registered
//     ranges, every goroutine's stack once (gc/stackscan.cc), then grey
//     objects until none are left and the barrier buffers come back empty;
//     the last marker to run out of work ends the mark (try_mark_done);
//  3. mark termination (world stopped): empty the barrier buffers and the
//     queue (little is left), gccheckmark's verification, barrier off, the
//     next goal; the sweep then runs concurrently (the background sweeper)
//     and lazily (allocation), and deals with weak pointers and finalizers
//     of dead objects span by span (gc/specials_table.h).
// GODEBUG=gcstoptheworld=1 runs the mark and the sweep with the world stopped.
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <cstring>

#include "base/clock.h"
#include "base/fail.h"
#include "base/print.h"
#include "gc/assist.h"
#include "gc/barrier.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mark.h"
#include "gc/mcache.h"
#include "gc/pacer.h"
#include "gc/parker.h"
#include "gc/stats.h"
#include "gc/sweep.h"
#include "gc/testing.h"
#include "sched/sched.h"
#include "gort/sched.h"
#include "gort/sync.h"
#include "gc/special.h"
#include "gc/specials_table.h"
#include "gc/stackscan.h"
#include "gc/work.h"
#include "gc/limiter.h"
#include "gc/markroots.h"
#include "gc/workers.h"
#include "base/gc_hooks.h"
#include "base/osmem.h"
#include "base/rootrange.h"
#include "sched/stw.h"
#include "trace/trace.h"

namespace gort::gc {

constinit Collector g_collector;

Stats& stats() {
  static Stats* s = new Stats();
  return *s;
}

namespace {

// GODEBUG's integer values: decimal digits with an optional '-'.
bool parse_int(const char* b, const char* e, std::int64_t* out) {
  if (b == e) return false;
  bool neg = false;
  if (*b == '-') {  // Go's atoi64: a lone "-" is 0 (GOGC=- collects continuously)
    neg = true;
    b++;
  }
  std::int64_t v = 0;
  for (; b < e; b++) {
    if (*b < '0' || *b > '9') return false;
    v = v * 10 + (*b - '0');
    if (v > (std::int64_t{1} << 40)) return false;
  }
  *out = neg ? -v : v;
  return true;
}

void parse_godebug(const char* s, Settings& st) {
  if (s == nullptr) return;
  const char* p = s;
  while (*p != '\0') {
    const char* end = std::strchr(p, ',');
    if (end == nullptr) end = p + std::strlen(p);
    const char* eq = static_cast<const char*>(std::memchr(p, '=', static_cast<std::size_t>(end - p)));
    if (eq != nullptr) {
      std::string_view key(p, static_cast<std::size_t>(eq - p));
      std::int64_t v;
      // Go's atoi32: a value outside int32 is ignored like any other bad one.
      if (parse_int(eq + 1, end, &v) && v >= INT32_MIN && v <= INT32_MAX) {
        if (key == "gccheckmark") st.checkmark = v != 0;
        else if (key == "gcstoptheworld") st.stoptheworld = v != 0;
        else if (key == "gctrace") st.trace = static_cast<int>(v);
        else if (key == "gcpoison") st.poison = v != 0;
        else if (key == "gcstress") st.stress_every = v > 0 ? v : 0;
      }
    }
    p = *end == ',' ? end + 1 : end;
  }
}

}  // namespace

namespace {
// Go's runtime atoi64: an optional '-', then decimal digits (none at all
// reads as 0, a quirk parse_byte_count inherits: "-KiB" is 0).
bool go_atoi64(const char* s, std::size_t n, std::int64_t* out) {
  if (n == 0) return false;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    s++;
    n--;
  }
  std::uint64_t un = 0;
  for (std::size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    if (un > UINT64_MAX / 10) return false;
    un *= 10;
    std::uint64_t un1 = un + static_cast<std::uint64_t>(c - '0');
    if (un1 < un) return false;
    un = un1;
  }
  if (!neg && un > static_cast<std::uint64_t>(INT64_MAX)) return false;
  if (neg && un > static_cast<std::uint64_t>(INT64_MAX) + 1) return false;
  *out = neg ? static_cast<std::int64_t>(0 - un) : static_cast<std::int64_t>(un);
  return true;
}
}  // namespace

// Go's parseByteCount, line for line (so "-0" and "-0KiB" are 0, as in Go).
bool parse_byte_count(const char* s, std::int64_t* out) {
  std::size_t len = std::strlen(s);
  if (len == 0) return false;
  std::int64_t n;
  char last = s[len - 1];
  if (last >= '0' && last <= '9') {
    if (!go_atoi64(s, len, &n) || n < 0) return false;
    *out = n;
    return true;
  }
  if (last != 'B' || len < 2) return false;
  char c = s[len - 2];
  if (c >= '0' && c <= '9') {
    if (!go_atoi64(s, len - 1, &n) || n < 0) return false;
    *out = n;
    return true;
  }
  if (c != 'i' || len < 4) return false;
  int power;
  switch (s[len - 3]) {
    case 'K': power = 1; break;
    case 'M': power = 2; break;
    case 'G': power = 3; break;
    case 'T': power = 4; break;
    default: return false;
  }
  std::uint64_t m = 1;
  for (int i = 0; i < power; i++) m *= 1024;
  if (!go_atoi64(s, len - 3, &n) || n < 0) return false;
  std::uint64_t un = static_cast<std::uint64_t>(n);
  if (un > UINT64_MAX / m) return false;
  un *= m;
  if (un > static_cast<std::uint64_t>(INT64_MAX)) return false;
  *out = static_cast<std::int64_t>(un);
  return true;
}

namespace {

// Go's readGOGC: "off" disables, a number sets the percentage, anything
// else leaves the default of 100.
int parse_gogc(const char* s) {
  if (s == nullptr) return 100;
  if (std::strcmp(s, "off") == 0) return -1;
  std::int64_t v;
  if (parse_int(s, s + std::strlen(s), &v) && v >= INT32_MIN && v <= INT32_MAX)
    return v < 0 ? -1 : static_cast<int>(v);  // Go's setGCPercent: any negative is -1 (off)
  return 100;
}

// ---- the report line (GODEBUG=gctrace=1), in Go's format ---------------------------

// val / 10^dec with dec decimals (Go's itoaDiv).
void put_div(base::Printer& pr, std::uint64_t val, int dec) {
  char buf[32];
  int i = sizeof buf - 1;
  int idec = i - dec;
  buf[i] = 0;
  i--;
  idec--;
  while (val >= 10 || i >= idec) {
    buf[i--] = static_cast<char>('0' + val % 10);
    if (i == idec) buf[i--] = '.';
    val /= 10;
  }
  buf[i] = static_cast<char>('0' + val);
  pr.str(std::string_view(buf + i));
}

// Go's fmtNSAsMS.
void put_ms(base::Printer& pr, std::uint64_t ns) {
  if (ns >= 10'000'000) return put_div(pr, ns / 1'000'000, 0);
  std::uint64_t x = ns / 1000;
  if (x == 0) {
    pr.str("0");
    return;
  }
  int dec = 3;
  while (x >= 100) {
    x /= 10;
    dec--;
  }
  put_div(pr, x, dec);
}

struct CycleTimes {
  std::int64_t start, mark_start, mark_term_start, end;
  std::int64_t heap0, heap1, heap2, goal, stacks;
  std::int64_t pause1;  // the start pause
  std::int64_t background_ns, idle_ns, assist_ns;  // CPU during the concurrent mark
  std::int64_t checkmark_ns;  // gccheckmark's re-mark, inside the termination pause
  bool concurrent;
  int procs;
  bool forced;
};

struct CycleRecord {
  CycleTimes times;
  std::uint32_t number;
};

void print_trace(const CycleTimes& t, std::uint32_t n, double cpu_fraction) {
  base::Printer pr;
  pr.str("gc ").u64(n).str(" @");
  put_div(pr, static_cast<std::uint64_t>(t.start - stats().process_start) / 1'000'000, 3);
  pr.str("s ").i64(static_cast<std::int64_t>(cpu_fraction * 100)).str("%: ");
  put_ms(pr, static_cast<std::uint64_t>(t.mark_start - t.start));
  pr.str("+");
  put_ms(pr, static_cast<std::uint64_t>(t.mark_term_start - t.mark_start));
  pr.str("+");
  put_ms(pr, static_cast<std::uint64_t>(t.end - t.mark_term_start));
  pr.str(" ms clock, ");
  put_ms(pr, static_cast<std::uint64_t>((t.mark_start - t.start) * t.procs));
  pr.str("+");
  put_ms(pr, static_cast<std::uint64_t>(t.assist_ns));
  pr.str("/");
  put_ms(pr, static_cast<std::uint64_t>(t.concurrent ? t.background_ns : t.mark_term_start - t.mark_start));
  pr.str("/");
  put_ms(pr, static_cast<std::uint64_t>(t.idle_ns));
  pr.str("+");
  put_ms(pr, static_cast<std::uint64_t>((t.end - t.mark_term_start) * t.procs));
  pr.str(" ms cpu, ").i64(t.heap0 >> 20).str("->").i64(t.heap1 >> 20).str("->").i64(t.heap2 >> 20)
      .str(" MB, ").i64(t.goal >> 20).str(" MB goal, ").i64(t.stacks >> 20).str(" MB stacks, 0 MB globals, ")
      .i64(t.procs).str(" P");
  if (t.forced) pr.str(" (forced)");
  pr.str("\n");
}

// ---- the cycle -------------------------------------------------------------------------

template <class F>
void for_each_mcache(F f) {
  using namespace gort::detail;
  Sched& s = sched();
  for (std::int32_t i = 0; i < s.nallp; i++) {
    P* p = s.allp[i];
    if (p != nullptr && p->mcache != nullptr) f(p->mcache);
  }
}

void release_all_caches() { for_each_mcache(mcache_release_all); }

std::atomic<std::uint32_t> g_started{0};  // cycles begun (Go's work.cycles)

void checkmark_pass() {
  Heap& h = heap();
  // One mapping for every span's check bits (no malloc with the world stopped).
  std::size_t words = 0;
  for (Span* s : h.all_spans) words += s->nwords;
  std::size_t bytes = words * sizeof(std::uint64_t);
  auto* bits = static_cast<std::uint64_t*>(base::os_alloc(bytes));
  if (bits == nullptr) gort::detail::throw_("runtime: out of memory (checkmark)");
  std::size_t at = 0;
  for (Span* s : h.all_spans) {
    s->check_bits = bits + at;
    at += s->nwords;
  }
  MarkState ms;
  ms.checkmark = true;
  ms.gen = g_started.load(std::memory_order_relaxed);
  mark_roots(ms);
  drain(ms);
  // What the concurrent mark could not have seen as live (mark.h).
  ms.lenient = true;
  for (std::size_t i = 0; i + 1 < ms.lenient_ranges.len; i += 2)
    scan_conservative(ms, reinterpret_cast<void*>(ms.lenient_ranges.data[i]),
                      reinterpret_cast<void*>(ms.lenient_ranges.data[i + 1]));
  drain(ms);
  ms.lenient_ranges.release();
  ms.work.release();
  for (Span* s : h.all_spans) s->check_bits = nullptr;
  base::os_free(bits, bytes);
}

void set_barrier(bool on) { __atomic_store_n(&detail::gort_gc_barrier_on, on, __ATOMIC_SEQ_CST); }

// What a cycle records as it goes (one cycle at a time).
CycleTimes g_times;

// Completion: goroutines waiting for cycle n to end (collect()).
gort::Mutex* g_done_mu;
gort::Cond* g_done_cv;

// Cycles whose completion was announced (after their gctrace line): collect()
// returns only then, as runtime.GC does. Guarded by g_done_mu.
std::uint32_t g_announced = 0;

void wait_completed(std::uint32_t n) {
  g_done_mu->lock();
  while (g_announced < n) g_done_cv->wait();
  g_done_mu->unlock();
}

void notify_completed() {
  g_done_mu->lock();
  g_announced = collector().cycles.load(std::memory_order_acquire);
  g_done_cv->broadcast();
  g_done_mu->unlock();
}

// Mark termination, world already stopped; ms holds what is left. Ends
// with the sweep begun (or, with the world stopped for all of it, done).
void finish_cycle_stopped(MarkState& ms, bool sweep_now) {
  Collector& c = collector();
  Heap& h = heap();
  CycleTimes& t = g_times;
  flush_all_barrier_buffers(/*world_stopped=*/true);
  while (work_get(ms, SIZE_MAX) != 0) drain(ms);
  flush_mark_counts(ms);
  set_barrier(false);
  c.phase.store(Phase::mark_termination, std::memory_order_release);
  // The cached spans' black runs into their mark bits: from here on the
  // mark bits alone say what lives (checkmark, tests, the sweep).
  for_each_mcache(mcache_flush_black);
  if (g_testing_after_mark != nullptr) g_testing_after_mark();
  t.checkmark_ns = 0;
  if (c.settings.checkmark) {
    std::int64_t t0 = base::nanotime();
    checkmark_pass();
    t.checkmark_ns = base::nanotime() - t0;
  }
  t.heap1 = h.live_bytes.load(std::memory_order_relaxed);
  // Weak pointers to unmarked objects and finalizers of unmarked objects are
  // the sweep's (gc/specials_table.h): nothing here grows with their number.

  // What was marked (and allocated black) is the live heap. Every cache
  // lets its spans go, and the sweep of this cycle's garbage begins.
  release_all_caches();
  std::int64_t live = c.marked_bytes.load(std::memory_order_relaxed);
  h.live_bytes.store(live, std::memory_order_relaxed);
  h.objects.store(c.marked_objects.load(std::memory_order_relaxed), std::memory_order_relaxed);
  if (sweep_now) sweep_all_stopped();
  else sweep_begin();
  c.phase.store(Phase::off, std::memory_order_release);
  c.last_marked = live;
  t.heap2 = live;
  pacer_add_scanned(ms.scanned_bytes);
  // gctrace prints the goal this cycle ran to (Go's lastHeapGoal, read
  // before the pacer moves on), not the next one.
  t.goal = c.goal.load(std::memory_order_relaxed);
  // The mutators' share of the mark (pacer.h): the Ps' time, less the
  // workers', split between running the program and assisting.
  double mutator_share = 1.0;
  if (t.concurrent) {
    WorkerTimes wt = workers_times();
    t.background_ns = wt.background_ns;
    t.idle_ns = wt.idle_ns;
    double avail = static_cast<double>(t.mark_term_start - t.mark_start) * t.procs -
                   static_cast<double>(wt.background_ns + wt.idle_ns);
    double assist = static_cast<double>(c.assist_ns.load(std::memory_order_relaxed));
    if (avail > 0 && assist > 0) mutator_share = std::max(avail - assist, 0.0) / avail;
  }
  pacer_cycle_end(live, t.stacks, t.heap0, t.heap1, mutator_share);
}

// The last step with the world stopped, called just before it restarts: the
// pause, and gctrace's mark termination, end here, after every other piece
// of stopped work (as Go's end before startTheWorld). one_pause: the whole
// cycle ran in this pause (gcstoptheworld); otherwise the pause is the start
// pause plus mark termination.
void complete_cycle_stopped(bool one_pause) {
  Collector& c = collector();
  CycleTimes& t = g_times;
  t.end = base::nanotime();
  std::int64_t pause_ns = one_pause ? t.end - t.start : t.pause1 + (t.end - t.mark_term_start);
  std::uint32_t n = c.cycles.load(std::memory_order_relaxed) + 1;
  if (t.forced) c.forced_cycles.fetch_add(1, std::memory_order_relaxed);
  // CPU (Go's GCCPUFraction): every P during the pauses, the dedicated and
  // fractional workers and the assists during the mark (idle-priority
  // marking used time nothing else wanted, and is not counted).
  t.assist_ns = c.assist_ns.load(std::memory_order_relaxed);
  double cpu = static_cast<double>(pause_ns) * t.procs + static_cast<double>(t.background_ns) +
               static_cast<double>(t.assist_ns);
  stats_record_cycle(pause_ns, cpu);
  // gccheckmark's re-mark is verification, not collection: the CPU limiter
  // charges it to neither side (Go counts the whole pause), so that a run
  // with the check on paces as one without it (gc/limiter.h).
  std::int64_t checkmark_ns = std::min(t.checkmark_ns, pause_ns);
  limiter_add_pause((pause_ns - checkmark_ns) * t.procs);
  limiter_add_uncharged(checkmark_ns * t.procs);
  c.cycles.store(n, std::memory_order_release);
  c.last_cycle_end.store(t.end, std::memory_order_relaxed);
  c.trigger_pending.store(false, std::memory_order_relaxed);
  trace::heap_counters(t.heap2, c.goal.load(std::memory_order_relaxed));
  trace::gc_phase(trace::GcPhase::sweep);
}

struct StartArgs {
  bool forced;
  std::uint32_t expect;  // start only if this many cycles have begun
  bool started;
};

bool testing_manual();
void start_cycle(bool forced, std::uint32_t expect);

// Step 1, on g0 of the starting goroutine's M.
void start_cycle_on_g0(void* arg) {
  using namespace gort::detail;
  auto* a = static_cast<StartArgs*>(arg);
  Collector& c = collector();
  Heap& h = heap();
  if (g_started.load(std::memory_order_relaxed) != a->expect || c.phase.load() != Phase::off) return;
  M* m = getm();
  CycleTimes& t = g_times;
  t = CycleTimes{};
  t.forced = a->forced;
  t.start = base::nanotime();
  trace::gc_phase(trace::GcPhase::sweep_termination, a->expect + 1);
  stw_stop(m);
  t.procs = gomaxprocs_now();
  t.heap0 = h.live_bytes.load(std::memory_order_relaxed);
  g_started.store(a->expect + 1, std::memory_order_release);
  a->started = true;
  if (!sweep_finished()) finish_sweep();  // normally done before the pause
  c.marked_bytes.store(0, std::memory_order_relaxed);
  c.marked_objects.store(0, std::memory_order_relaxed);
  c.assist_ns.store(0, std::memory_order_relaxed);
  t.concurrent = !c.settings.stoptheworld && !testing_manual();
  pacer_cycle_start(t.heap0);
  assist_cycle_start();
  c.phase.store(Phase::mark, std::memory_order_release);
  for_each_mcache(mcache_start_black);  // allocate black (gc/span.h)
  set_barrier(true);
  trace::heap_counters(t.heap0, c.goal.load(std::memory_order_relaxed));
  trace::gc_phase(trace::GcPhase::mark);
  if (c.settings.stoptheworld) {
    // The whole cycle in this pause.
    t.mark_start = base::nanotime();
    MarkState ms;
    ms.gen = a->expect + 1;
    mark_roots(ms);
    drain(ms);
    t.mark_term_start = base::nanotime();
    trace::gc_phase(trace::GcPhase::mark_termination);
    t.stacks = ms.stack_bytes;
    finish_cycle_stopped(ms, true);
    ms.work.release();
    complete_cycle_stopped(/*one_pause=*/true);
    stw_start(m);
    return;
  }
  t.mark_start = base::nanotime();
  if (t.concurrent) {
    roots_reset(a->expect + 1);
    workers_cycle_start(t.procs, t.mark_start);
  }
  // The pause counts everything done with the world stopped.
  t.pause1 = base::nanotime() - t.start;
  stw_start(m);
}

// Step 3, on g0 of the M of the goroutine that found the mark done. Copies
// the cycle's record to *arg before the world restarts (the next cycle may
// begin, and reset g_times, before this one's gctrace line is out).
void mark_termination_on_g0(void* arg) {
  using namespace gort::detail;
  M* m = getm();
  CycleTimes& t = g_times;
  t.mark_term_start = base::nanotime();
  trace::gc_phase(trace::GcPhase::mark_termination);
  stw_stop(m);
  workers_cycle_stop();
  t.stacks = roots_stack_bytes();
  MarkState ms;
  finish_cycle_stopped(ms, false);
  ms.work.release();
  roots_release();
  complete_cycle_stopped(/*one_pause=*/false);
  *static_cast<CycleRecord*>(arg) = CycleRecord{t, collector().cycles.load(std::memory_order_relaxed)};
  stw_start(m);
}

// ---- the scavenger ---------------------------------------------------------------
// After each sweep: free pages beyond what the heap may grow into before the
// next goal (plus 10%, as Go's scavenger retains) go back to the OS, so that
// a heap whose live part shrinks ends with a resident size near it.
//
// When the goal falls, the pages above it are kept for one more cycle: the
// goal retained for is the larger of this cycle's and the last one's. Go's
// scavenger gets the same slack from its pacing (it releases in the
// background at 1% of the CPU, so a heap that shrinks for a moment and grows
// again reuses most of its pages); releasing at once made a program whose
// heap dips between phases fault its memory in again: `gort-bench maps`
// released 98 MB after its int64 part and faulted most of it back in for
// its string part (its str_insert 310-380 ns/op against 160-320 with no
// scavenging, Go 275-300, 2026-12-01). Under a memory limit the current
// goal alone decides, so that a lowered limit is met at the next sweep.
//
// It runs when a sweep is done: by the sweeper goroutine, and by collect()
// after the sweep it finishes itself (the sweeper may have found the list
// empty before the spans it holds were freed), so possibly twice a cycle.
void scavenge() {
  static base::Lock lock;
  base::Guard<base::Lock> g(lock);
  Collector& c = collector();
  Heap& h = heap();
  std::int64_t goal = c.goal.load(std::memory_order_relaxed);
  std::int64_t live = h.live_bytes.load(std::memory_order_relaxed);
  std::uint32_t cycle = c.cycles.load(std::memory_order_acquire);
  if (cycle != c.scavenge_cycle) {
    c.scavenge_prev_goal = c.scavenge_goal;
    c.scavenge_cycle = cycle;
  }
  c.scavenge_goal = goal;
  std::int64_t retain_for = goal;
  if (goal != INT64_MAX && c.memory_limit.load(std::memory_order_relaxed) == INT64_MAX)
    retain_for = std::max(goal, c.scavenge_prev_goal);
  std::int64_t keep = 0;
  if (retain_for != INT64_MAX) keep = std::max<std::int64_t>(retain_for + retain_for / 10 - live, 0);
  else keep = std::int64_t{64} << 20;
  h.pages.scavenge(static_cast<std::size_t>(keep));
}

// ---- the background sweeper -------------------------------------------------------

Parker g_sweeper_parker;
std::atomic<bool> g_sweeper_exists{false};

void sweeper_main() {
  using namespace gort::detail;
  become_system_goroutine();
  trace::name_goroutine(gort::goid(), "GC sweeper");
  for (;;) {
    g_sweeper_parker.park(WaitReason::gc_sweep_wait);
    for (int n = 1; sweep_one(); n++) {
      if (n % 64 == 0) {
        finalizers_wake_if_queued();
        gort::yield();
      }
    }
    finalizers_wake_if_queued();
    trace::gc_phase(trace::GcPhase::off);
    scavenge();
  }
}

std::atomic<bool> g_gc_goroutines_exist{false};

// ---- the periodic cycle ------------------------------------------------------------

Parker g_forcegc_parker;
std::atomic<bool> g_forcegc_pending{false};

void forcegc_main() {
  using namespace gort::detail;
  become_system_goroutine();
  trace::name_goroutine(gort::goid(), "GC forcegc");
  for (;;) {
    g_forcegc_parker.park(WaitReason::force_gc_idle);
    g_forcegc_pending.store(false);
    if (collector().phase.load(std::memory_order_acquire) == Phase::off)
      start_cycle(false, g_started.load(std::memory_order_acquire));
  }
}

// sysmon's hook (base/gc_hooks.h).
std::int64_t sysmon_check(std::int64_t now) {
  Collector& c = collector();
  if (!g_gc_goroutines_exist.load(std::memory_order_acquire)) return INT64_MAX;
  trace::heap_sample(now, heap().live_bytes.load(std::memory_order_relaxed), c.goal.load(std::memory_order_relaxed));
  // The CPU limiter's window, every 10 ms while the collector marks (and
  // once more after, to close the window).
  bool marking = c.phase.load(std::memory_order_acquire) != Phase::off;
  limiter_update(now, marking);
  std::int64_t next_limiter = marking || cpu_limiter().fill() > 0 ? now + 10'000'000 : INT64_MAX;
  if (c.gc_percent.load() < 0) return next_limiter;
  std::int64_t period = c.force_period_ns.load(std::memory_order_relaxed);
  std::int64_t last = c.last_cycle_end.load(std::memory_order_relaxed);
  std::int64_t due = last + period;
  if (now < due) return std::min(due, next_limiter);
  if (c.phase.load(std::memory_order_acquire) == Phase::off && !g_forcegc_pending.exchange(true))
    g_forcegc_parker.kick();
  return std::min(now + period, next_limiter);
}

}  // namespace

// A marker decided that the mark is done (gc/workers.cc): the termination
// pause, then what waits on it.
void complete_mark() {
  using namespace gort::detail;
  CycleRecord done;
  stw_mutex_lock();
  systemstack(mark_termination_on_g0, &done);
  stw_mutex_unlock();
  assist_wake_all();
  g_sweeper_parker.kick();
  finalizers_wake();
  // The line is out before collect() returns to its caller, as in Go.
  if (collector().settings.trace > 0) print_trace(done.times, done.number, stats_cpu_fraction());
  notify_completed();
}

namespace {

bool on_goroutine() {
  using namespace gort::detail;
  M* m = tls_m;
  return m != nullptr && !m->on_g0 && m->curg != nullptr && base::lock_depth() == 0;
}

// The collector's goroutines, started on the first allocation slow path (or
// the first cycle) from a goroutine: the mark workers, the sweeper and the periodic
// cycle's helper. They reach their idle wait before we go on (an M started
// for them would otherwise hold up the next pause by a thread creation).
void ensure_gc_goroutines_slow() {
  using namespace gort::detail;
  static base::Lock once;
  {
    base::Guard<base::Lock> g(once);
    if (g_gc_goroutines_exist.load()) return;
    g_gc_goroutines_exist.store(true, std::memory_order_release);
  }
  workers_ensure();
  gort::go(sweeper_main);
  gort::go(forcegc_main);
  start_finalizer_goroutine();
  g_sweeper_exists.store(true);
  while (!g_sweeper_parker.is_idle() || !g_forcegc_parker.is_idle() ||
         !finalizer_goroutine_idle())
    gort::yield();
  // And the Ms woken to run them back to sleep (for a little while at most).
  for (int i = 0; i < 100 && sched().nmspinning.load() != 0; i++) sleep_ns(100'000);
}

// Begins cycle expect+1 unless it has begun. From a goroutine.
void start_cycle(bool forced, std::uint32_t expect) {
  using namespace gort::detail;
  ensure_gc_goroutines();
  workers_ensure();  // GOMAXPROCS may have grown
  finish_sweep();  // the last cycle's sweep, before this one's pause
  finalizers_wake_if_queued();
  StartArgs a{forced, expect, false};
  stw_mutex_lock();
  systemstack(start_cycle_on_g0, &a);
  stw_mutex_unlock();
  if (!a.started) return;
  if (testing_manual()) return;
  if (collector().settings.stoptheworld) {
    finalizers_wake();
    if (collector().settings.trace > 0)
      print_trace(g_times, collector().cycles.load(), stats_cpu_fraction());
    notify_completed();
    return;
  }
  // Idle Ps mark (gc/workers.cc): wake one; its M wakes the next.
  wakep();
}

}  // namespace

void ensure_gc_goroutines() {
  if (!g_gc_goroutines_exist.load(std::memory_order_acquire) && on_goroutine()) ensure_gc_goroutines_slow();
}

void collector_init_from_env() {
  Collector& c = collector();
  parse_godebug(getenv("GODEBUG"), c.settings);
  c.gc_percent.store(parse_gogc(getenv("GOGC")), std::memory_order_relaxed);
  // Go's readGOMEMLIMIT.
  if (const char* lim = getenv("GOMEMLIMIT"); lim != nullptr && *lim != '\0' && std::strcmp(lim, "off") != 0) {
    std::int64_t v;
    if (!parse_byte_count(lim, &v)) {
      base::Printer().str("GOMEMLIMIT=").str(lim).str("\n");
      gort::detail::throw_("malformed GOMEMLIMIT; see `go doc runtime/debug.SetMemoryLimit`");
    }
    c.memory_limit.store(v, std::memory_order_relaxed);
  }
  c.stress_countdown.store(c.settings.stress_every, std::memory_order_relaxed);
  pacer_recompute();
  stats().process_start = base::nanotime();
  c.last_cycle_end.store(base::nanotime(), std::memory_order_relaxed);
  base::gc_sysmon_hook = &sysmon_check;
  g_done_mu = new gort::Mutex();
  g_done_cv = new gort::Cond(*g_done_mu);
}

void maybe_collect() {
  if (!on_goroutine()) {
    collector().trigger_pending.store(true, std::memory_order_relaxed);
    return;
  }
  if (collector().phase.load(std::memory_order_acquire) != Phase::off) return;  // one is under way
  start_cycle(false, g_started.load(std::memory_order_acquire));
}

namespace {
// Go's runtime.GC: finish the cycle under way, run one more, wait for it.
void full_cycle(bool forced) {
  if (!heap_initialized()) heap_init();
  std::uint32_t n = g_started.load(std::memory_order_acquire);
  wait_completed(n);
  start_cycle(forced, n);
  wait_completed(n + 1);
  finish_sweep();  // and its sweep, as runtime.GC does
  scavenge();
  finalizers_wake_if_queued();
}
}  // namespace

void collect() {
  if (!on_goroutine()) gort::detail::fatal_("gort::gc::collect must be called from a goroutine");
  full_cycle(true);
}

void collect_unforced() {
  if (on_goroutine()) full_cycle(false);
}

std::int64_t set_memory_limit(std::int64_t limit) {
  Collector& c = collector();
  if (limit < 0) return c.memory_limit.load();
  std::int64_t old = c.memory_limit.exchange(limit);
  pacer_recompute();
  return old;
}

int set_gc_percent(int percent) {
  Collector& c = collector();
  int old = c.gc_percent.exchange(percent < 0 ? -1 : percent);
  pacer_recompute();
  return old;
}

}  // namespace gort::gc

// ---- step-by-step cycles for tests (gc/testing.h) ------------------------------------

namespace gort::gc {
namespace {
bool g_testing_manual = false;
bool testing_manual() { return g_testing_manual; }
}  // namespace
}  // namespace gort::gc

namespace gort::gc::testing {

namespace {
MarkState* g_ms = nullptr;
int g_saved_percent = 100;

void end_on_g0(void*) {
  using namespace gort::detail;
  M* m = getm();
  CycleTimes& t = g_times;
  t.mark_term_start = base::nanotime();
  stw_stop(m);
  std::uint32_t gen = g_started.load();
  g_ms->gen = gen;
  for_each_goroutine_unlocked(
      [](G* gp, void* genp) {
        if (gp->gcscan_gen != *static_cast<std::uint32_t*>(genp)) scan_goroutine_world_stopped(*g_ms, gp);
      },
      &gen);
  finish_cycle_stopped(*g_ms, false);
  complete_cycle_stopped(/*one_pause=*/false);
  stw_start(m);
}
}  // namespace

void manual_cycles(bool on) {
  g_testing_manual = on;
  if (on) g_saved_percent = set_gc_percent(-1);
  else set_gc_percent(g_saved_percent);
}

void cycle_begin() {
  if (!g_testing_manual) gort::detail::fatal_("gc::testing: call manual_cycles(true) first");
  if (!heap_initialized()) heap_init();
  std::uint32_t n = g_started.load();
  wait_completed(n);
  StartArgs a{true, n, false};
  gort::detail::stw_mutex_lock();
  gort::detail::systemstack(start_cycle_on_g0, &a);
  gort::detail::stw_mutex_unlock();
  g_ms = new MarkState();
}

bool scan_stack_of(std::int64_t goid) {
  struct Find {
    std::int64_t id;
    gort::detail::G* g;
  } f{goid, nullptr};
  gort::detail::allgs_each(
      [](gort::detail::G* gp, void* ctx) {
        auto* f = static_cast<Find*>(ctx);
        if (gp->id == f->id && gp->status.load() != gort::detail::GStatus::dead) f->g = gp;
      },
      &f);
  if (f.g == nullptr) return false;
  for (int i = 0; i < 1000; i++) {
    if (scan_goroutine_stack(*g_ms, f.g, gort::detail::getm(), g_started.load())) return true;
    gort::yield();
  }
  return false;
}

void scan_roots() { mark_global_roots(*g_ms); }

void drain() {
  for (;;) {
    while (drain_some(*g_ms, SIZE_MAX)) {
    }
    if (flush_all_barrier_buffers() == 0 && work_empty() && g_ms->work.len == 0) break;
  }
}

void cycle_end_before_sweep() {
  gort::detail::stw_mutex_lock();
  gort::detail::systemstack(end_on_g0, nullptr);
  gort::detail::stw_mutex_unlock();
  g_ms->work.release();
  delete g_ms;
  g_ms = nullptr;
  finalizers_wake();
  notify_completed();
}

void sweep_rest() {
  finish_sweep();
  finalizers_wake_if_queued();
}

void cycle_end() {
  cycle_end_before_sweep();
  sweep_rest();
}

std::size_t special_records() { return specials_count(); }

}  // namespace gort::gc::testing
