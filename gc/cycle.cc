// gc/cycle.cc — one collection cycle, its trigger, and its report.
//
// Stage 1 of the plan in gc/README.md: the whole cycle runs with the world
// stopped — release every P's cache, mark from the roots, (gccheckmark:
// mark again into the check bits and compare), sweep every span, set the
// next goal. Later stages move mark and sweep out of the pause.
#include <stdlib.h>
#include <time.h>

#include <cstring>

#include "base/clock.h"
#include "base/fail.h"
#include "base/print.h"
#include "gc/barrier.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mark.h"
#include "gc/mcache.h"
#include "gc/stats.h"
#include "gc/sweep.h"
#include "sched/sched.h"
#include "gort/sched.h"
#include "sched/stw.h"

namespace gort::gc {

Collector& collector() {
  static Collector* c = new Collector();
  return *c;
}

Stats& stats() {
  static Stats* s = new Stats();
  return *s;
}

namespace {

// GODEBUG's integer values: decimal digits with an optional '-'.
bool parse_int(const char* b, const char* e, std::int64_t* out) {
  bool neg = false;
  if (b < e && *b == '-') {
    neg = true;
    b++;
  }
  if (b == e) return false;
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
      if (parse_int(eq + 1, end, &v)) {
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

// Go's readGOGC: "off" disables, a number sets the percentage, anything
// else leaves the default of 100.
int parse_gogc(const char* s) {
  if (s == nullptr) return 100;
  if (std::strcmp(s, "off") == 0) return -1;
  std::int64_t v;
  if (parse_int(s, s + std::strlen(s), &v) && v >= INT32_MIN && v <= INT32_MAX)
    return static_cast<int>(v);
  return 100;
}

constexpr std::int64_t kHeapMinimum = 4 << 20;  // Go's heapMinimum at GOGC=100

void set_goal(Collector& c, std::int64_t live) {
  int pct = c.gc_percent.load(std::memory_order_relaxed);
  std::int64_t goal;
  if (pct < 0) {
    goal = INT64_MAX;
  } else {
    goal = live + live * pct / 100;
    std::int64_t floor = kHeapMinimum * pct / 100;
    if (goal < floor) goal = floor;
  }
  c.goal.store(goal, std::memory_order_relaxed);
  c.trigger.store(goal, std::memory_order_relaxed);
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
  int procs;
  bool forced;
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
  pr.str("+0/");
  put_ms(pr, static_cast<std::uint64_t>(t.mark_term_start - t.mark_start));
  pr.str("/0+");
  put_ms(pr, static_cast<std::uint64_t>((t.end - t.mark_term_start) * t.procs));
  pr.str(" ms cpu, ").i64(t.heap0 >> 20).str("->").i64(t.heap1 >> 20).str("->").i64(t.heap2 >> 20)
      .str(" MB, ").i64(t.goal >> 20).str(" MB goal, ").i64(t.stacks >> 20).str(" MB stacks, 0 MB globals, ")
      .i64(t.procs).str(" P");
  if (t.forced) pr.str(" (forced)");
  pr.str("\n");
}

// ---- the cycle -------------------------------------------------------------------------

struct CycleArgs {
  bool forced;
};

void release_all_caches() {
  using namespace gort::detail;
  Sched& s = sched();
  for (std::int32_t i = 0; i < s.nallp; i++) {
    P* p = s.allp[i];
    if (p != nullptr && p->mcache != nullptr) mcache_release_all(p->mcache);
  }
}

void checkmark_pass() {
  Heap& h = heap();
  {
    base::Guard<base::Lock> g(h.lock);
    for (Span* s : h.all_spans) {
      if (s->check_bits == nullptr) {
        s->check_bits = static_cast<std::uint64_t*>(base::rt_alloc(s->nwords * sizeof(std::uint64_t)));
        if (s->check_bits == nullptr) gort::detail::throw_("runtime: out of memory (checkmark)");
      }
      std::memset(s->check_bits, 0, s->nwords * sizeof(std::uint64_t));
    }
  }
  MarkState ms;
  ms.checkmark = true;
  mark_roots(ms);
  drain(ms);
  ms.work.release();
}

// On g0 of the collecting goroutine's M, which holds a P.
void run_cycle(void* arg) {
  using namespace gort::detail;
  auto* a = static_cast<CycleArgs*>(arg);
  Collector& c = collector();
  Heap& h = heap();
  M* m = getm();
  CycleTimes t{};
  t.forced = a->forced;
  t.start = base::nanotime();
  stw_stop(m);
  t.procs = gomaxprocs_now();

  // Sweep termination: every cache lets its spans go.
  release_all_caches();
  t.heap0 = h.live_bytes.load(std::memory_order_relaxed);
  t.mark_start = base::nanotime();

  // Mark, with the world stopped (stage 1).
  c.phase.store(Phase::mark, std::memory_order_release);
  MarkState ms;
  mark_roots(ms);
  take_barrier_work(ms);
  drain(ms);
  t.mark_term_start = base::nanotime();
  c.phase.store(Phase::mark_termination, std::memory_order_release);
  if (g_testing_after_mark != nullptr) g_testing_after_mark();
  if (c.settings.checkmark) checkmark_pass();
  t.stacks = ms.stack_bytes;
  ms.work.release();
  t.heap1 = h.live_bytes.load(std::memory_order_relaxed);

  // Sweep.
  SweepTotals sw = sweep_all();
  c.phase.store(Phase::off, std::memory_order_release);
  h.live_bytes.store(static_cast<std::int64_t>(sw.live_bytes), std::memory_order_relaxed);
  h.objects.store(static_cast<std::int64_t>(sw.live_objects), std::memory_order_relaxed);
  h.frees.fetch_add(sw.freed_objects, std::memory_order_relaxed);
  c.last_marked = static_cast<std::int64_t>(sw.live_bytes);
  t.heap2 = c.last_marked;
  set_goal(c, c.last_marked);
  t.goal = c.goal.load(std::memory_order_relaxed);
  t.end = base::nanotime();

  std::uint32_t n = c.cycles.load(std::memory_order_relaxed) + 1;
  if (a->forced) c.forced_cycles.fetch_add(1, std::memory_order_relaxed);
  stats_record_cycle(t.end - t.start, t.end - t.start, t.procs);
  c.cycles.store(n, std::memory_order_release);
  c.trigger_pending.store(false, std::memory_order_relaxed);
  stw_start(m);
  if (c.settings.trace > 0) print_trace(t, n, stats_cpu_fraction());
}

void run_cycle_from_goroutine(bool forced, std::uint32_t seen_cycles) {
  using namespace gort::detail;
  stw_mutex_lock();
  // A cycle that finished while we waited answers a trigger (not a collect()).
  if (forced || collector().cycles.load(std::memory_order_acquire) == seen_cycles) {
    CycleArgs a{forced};
    systemstack(run_cycle, &a);
  }
  stw_mutex_unlock();
}

bool on_goroutine() {
  using namespace gort::detail;
  M* m = tls_m;
  return m != nullptr && !m->on_g0 && m->curg != nullptr && base::lock_depth() == 0;
}

}  // namespace

void collector_init_from_env() {
  Collector& c = collector();
  parse_godebug(getenv("GODEBUG"), c.settings);
  c.gc_percent.store(parse_gogc(getenv("GOGC")), std::memory_order_relaxed);
  c.stress_countdown.store(c.settings.stress_every, std::memory_order_relaxed);
  set_goal(c, 0);
  stats().process_start = base::nanotime();
}

void maybe_collect() {
  if (!on_goroutine()) {
    collector().trigger_pending.store(true, std::memory_order_relaxed);
    return;
  }
  run_cycle_from_goroutine(false, collector().cycles.load(std::memory_order_acquire));
}

void collect() {
  if (!on_goroutine()) gort::detail::fatal_("gort::gc::collect must be called from a goroutine");
  if (!heap_initialized()) heap_init();
  run_cycle_from_goroutine(true, 0);
}

int set_gc_percent(int percent) {
  Collector& c = collector();
  int old = c.gc_percent.exchange(percent < 0 ? -1 : percent);
  set_goal(c, c.last_marked);
  return old;
}

}  // namespace gort::gc
