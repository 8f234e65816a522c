// gc/pacer.cc — the pacer: GOGC's heap goal, the trigger below it, and mark
// assists.
//
// Goal (Go 1.18+): marked + (marked + stacks) * GOGC/100, at least
// 4 MiB * GOGC/100. A cycle should finish as the heap reaches the goal, so it
// starts earlier, at the trigger: goal - runway, where the runway is what
// the program allocated during the last mark (with 10% slack), kept between
// 5% and 40% of the distance from the marked heap to the goal.
//
// While a cycle marks, every allocating goroutine owes scan work in
// proportion to what it allocates: the assist ratio is the scan work left
// (what the last cycle scanned, minus what this one has) over the heap left
// before the goal. A goroutine whose debt is positive takes grey objects from
// the shared queue and scans them (in bursts of 64 objects, each a
// no-suspend stretch, so that mark termination never finds grey objects
// held privately); if the queue is empty it carries the debt forward, and
// yields to the mark workers only once the heap has passed its goal.
#include "gc/pacer.h"

#include <algorithm>

#include "base/clock.h"
#include "base/lock.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mark.h"
#include "gc/limiter.h"
#include "gc/markroots.h"
#include "gc/work.h"
#include "gc/workers.h"
#include "gort/sched.h"
#include "sched/sched.h"
#include "trace/trace.h"

namespace gort::gc {

namespace {

constexpr std::int64_t kHeapMinimum = 4 << 20;
// Go's bgScanCredit: scan work done by the workers and not yet claimed by
// an assist. Reset with each cycle.
std::atomic<std::int64_t> g_background_credit{0};

std::int64_t goal_for(std::int64_t marked, std::int64_t stacks, int pct) {
  if (pct < 0) return INT64_MAX;
  std::int64_t goal = marked + (marked + stacks) * pct / 100;
  std::int64_t floor = kHeapMinimum * pct / 100;
  return goal < floor ? floor : goal;
}

// GOMEMLIMIT's goal: the limit less what is not heap (stacks) and a 5%
// margin. Without Go's CPU limiter it is kept above the marked heap by at
// least 1/16 (or 1 MiB), so a limit below the live heap makes the heap
// exceed the limit rather than collect back to back forever.
std::int64_t limit_goal(Collector& c, std::int64_t marked) {
  std::int64_t limit = c.memory_limit.load(std::memory_order_relaxed);
  if (limit == INT64_MAX) return INT64_MAX;
  std::int64_t goal = limit - limit / 20 - c.last_stack_bytes;
  std::int64_t floor = marked + std::max<std::int64_t>(marked / 16, 1 << 20);
  return std::max(goal, floor);
}

void set_goal_and_trigger(Collector& c, std::int64_t marked) {
  int pct = c.gc_percent.load(std::memory_order_relaxed);
  std::int64_t goal = std::min(goal_for(marked, c.last_stack_bytes, pct), limit_goal(c, marked));
  c.goal.store(goal, std::memory_order_relaxed);
  if (goal == INT64_MAX) {
    c.trigger.store(INT64_MAX, std::memory_order_relaxed);
    return;
  }
  std::int64_t span = goal - marked;
  std::int64_t trigger = goal - static_cast<std::int64_t>(static_cast<double>(span) * c.runway_fraction);
  c.trigger.store(std::max(trigger, marked), std::memory_order_relaxed);
}

void refresh_ratio(Collector& c, std::int64_t live_now) {
  std::int64_t left_scan = c.scan_expected.load(std::memory_order_relaxed) -
                           c.scanned.load(std::memory_order_relaxed);
  left_scan = std::max<std::int64_t>(left_scan, 64 << 10);
  std::int64_t left_heap = c.goal.load(std::memory_order_relaxed) - live_now;
  left_heap = std::max<std::int64_t>(left_heap, 256 << 10);
  c.assist_ratio.store(static_cast<double>(left_scan) / static_cast<double>(left_heap),
                       std::memory_order_relaxed);
}

}  // namespace

void pacer_cycle_start(std::int64_t live_now) {
  Collector& c = collector();
  c.scanned.store(0, std::memory_order_relaxed);
  g_background_credit.store(0, std::memory_order_relaxed);
  c.cycle_gen.fetch_add(1, std::memory_order_relaxed);
  refresh_ratio(c, live_now);
}

void pacer_refresh(std::int64_t live_now) { refresh_ratio(collector(), live_now); }

void pacer_add_background_credit(std::int64_t bytes) {
  if (bytes > 0) g_background_credit.fetch_add(bytes, std::memory_order_relaxed);
}

void pacer_add_scanned(std::int64_t bytes) {
  if (bytes != 0) collector().scanned.fetch_add(bytes, std::memory_order_relaxed);
}

void pacer_cycle_end(std::int64_t marked, std::int64_t stack_bytes, std::int64_t heap_at_start,
                     std::int64_t heap_at_end) {
  Collector& c = collector();
  c.last_stack_bytes = stack_bytes;
  c.scan_expected.store(std::max<std::int64_t>(c.scanned.load(std::memory_order_relaxed), 64 << 10),
                        std::memory_order_relaxed);
  // The runway: what was allocated while this cycle marked, over the
  // distance the next cycle will have.
  std::int64_t goal = std::min(goal_for(marked, stack_bytes, c.gc_percent.load(std::memory_order_relaxed)),
                               limit_goal(c, marked));
  if (goal != INT64_MAX && goal > marked) {
    double used = static_cast<double>(std::max<std::int64_t>(heap_at_end - heap_at_start, 0)) * 1.1;
    double frac = used / static_cast<double>(goal - marked);
    c.runway_fraction = std::clamp(frac, 0.05, 0.4);
  }
  set_goal_and_trigger(c, marked);
}

void pacer_recompute() {
  Collector& c = collector();
  set_goal_and_trigger(c, c.last_marked);
}

void assist_alloc(std::int64_t bytes) {
  using namespace gort::detail;
  Collector& c = collector();
  G* gp = getg();
  if (gp == nullptr || gp->is_system) return;
  std::uint32_t gen = c.cycle_gen.load(std::memory_order_relaxed);
  if (gp->gc_assist_gen != gen) {
    gp->gc_assist_gen = gen;
    gp->gc_assist_debt = 0;
  }
  gp->gc_assist_debt += static_cast<std::int64_t>(static_cast<double>(bytes) *
                                                  c.assist_ratio.load(std::memory_order_relaxed));
  // Go's CPU limiter (gc/limiter.h): while it is on, no assists.
  if (cpu_limiter().limiting()) return;
  // Work the mark workers did pays first (Go's stealing of bgScanCredit):
  // while they keep up, an allocating goroutine scans nothing itself.
  if (gp->gc_assist_debt > 0) {
    std::int64_t credit = g_background_credit.load(std::memory_order_relaxed);
    if (credit > 0) {
      std::int64_t take = std::min(credit, gp->gc_assist_debt);
      g_background_credit.fetch_sub(take, std::memory_order_relaxed);
      gp->gc_assist_debt -= take;
    }
  }
  while (gp->gc_assist_debt > 0 && c.phase.load(std::memory_order_acquire) == Phase::mark) {
    std::int64_t done;
    bool last;
    std::size_t left_back = 0;
    std::int64_t t0 = base::nanotime();
    trace::nested_begin("GC mark assist");
    {
      base::NoSuspend ns;
      // Count ourselves before taking work, so that no marker sees the
      // queue empty while we hold grey objects.
      marker_enter();
      MarkState ms;
      ms.work.data = tls_m->p->gc_assist_buf;  // this P's, for this burst
      ms.work.cap = sizeof(P::gc_assist_buf) / sizeof(std::uintptr_t);
      ms.work.fixed = true;
      std::size_t got = work_get(ms, 64);
      while (ms.work.len != 0 && ms.scanned_bytes < gp->gc_assist_debt) drain_n(ms, 16, gp->gc_assist_debt);
      left_back = ms.work.len;
      work_put(ms.work.data, ms.work.len);  // what is left goes back
      ms.work.len = 0;
      flush_mark_counts(ms);
      done = ms.scanned_bytes;
      ms.work.data = nullptr;
      ms.work.cap = 0;
      ms.work.fixed = false;
      last = marker_exit();
      if (got == 0) done = -1;
    }
    // Grey objects went back to the queue: an idle P may mark them (its
    // idle worker) rather than sleep.
    if (left_back != 0) wakep();
    std::int64_t spent = base::nanotime() - t0;
    trace::nested_end();
    c.assist_ns.fetch_add(spent, std::memory_order_relaxed);
    limiter_add_assist(spent);
    // The last marker out with nothing left: perhaps the mark is done (Go's
    // assists reach gcMarkDone the same way).
    if (last && work_empty() && !roots_pending()) try_mark_done();
    if (done < 0) {
      // Nothing to take. Keep the debt for later; only past the goal does
      // the goroutine give the workers their turn (the heap must not run away
      // from a worker that cannot keep up).
      if (heap().live_bytes.load(std::memory_order_relaxed) > c.goal.load(std::memory_order_relaxed))
        gort::yield();
      return;
    }
    pacer_add_scanned(done);
    gp->gc_assist_debt -= std::max<std::int64_t>(done, 1);
  }
}

}  // namespace gort::gc
