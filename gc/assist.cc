// gc/assist.cc — mark assists (Go's gcAssistAlloc, gcParkAssist and
// gcFlushBgCredit).
//
// While a cycle marks, an allocating goroutine owes scan work in proportion
// to what it allocates (gc/pacer.cc sets the ratio); the debt is kept in its
// G, per cycle. It is paid, in this order:
//
//  1. from the credit pool: scan work the mark workers did that no assist
//     has claimed yet (Go's bgScanCredit). While the workers keep up, an
//     allocating goroutine scans nothing itself;
//  2. by scanning: the goroutine takes grey objects from the shared queue,
//     in bursts of 64 objects, each a no-suspend stretch (so that mark
//     termination never finds grey objects held privately), until its debt
//     is paid or the queue is empty;
//  3. by waiting: with debt left, nothing to scan and the heap at its
//     goal, the goroutine parks on the assist queue in `GC assist wait`.
//     (Go parks whenever it cannot pay, goal or not; below the goal we
//     carry the debt instead. With parking below the goal, one REPS=3
//     bench run put gc-latency's worst push at 0.76x Go's (0.31x in the
//     run before) and alloc at 0.57x (0.49x): noisy figures, but the wait
//     buys nothing below the goal, where the heap is within its bound.)
//     The workers pay queued debts
//     before they add to the pool, oldest first, and wake each goroutine
//     whose debt they cleared; one they cannot clear goes to the back, so a
//     large debt does not hold up small ones. The end of the mark wakes
//     every goroutine still queued.
//
// Idle Ps. While an idle-priority worker is in a turn and the heap is below
// its goal, an allocating goroutine takes what credit there is (step 1) and
// carries the rest of its debt instead of scanning (Go 1.19 has it scan),
// up to kCarriedDebtMax; the rest is forgiven. The ratio (scan work left
// over heap left, gc/pacer.cc) would have it help as soon as the workers
// fall behind that schedule; with an idle P marking, the mark is instead
// let run on towards the goal, on the P the program left idle rather than
// on the program's own time. At the goal, or when no idle worker is in a
// turn (every P busy), steps 2 and 3 apply as above (of the debt carried,
// at most kCarriedDebtMax is left to pay), so the heap's bound is
// unchanged. A worker counts as in a turn while it polls for work or is
// preempted inside its turn too; a carry then holds no grey object and
// never parks, so the mark still ends, only later, and never past the goal
// without assists. Measured with `pair.py` (session 28): without the cap,
// against the build before, alloc per allocation 0.854 (--reps 7; 102
// cycles against 128), binary-trees 21 time 0.987 and peak RSS 0.981
// (--reps 3), gc-latency (--reps 5) worst push 0.775, p99.9 push 1.136;
// with the cap, against the same build, alloc 0.755 (--reps 7) and
// gc-latency worst push 1.125 and 1/0.881 in the two orders (--reps 7;
// 2.0-2.4 ms, Go's 5-12 ms): the cap did not buy the worst push back.
// gctrace of alloc, summed over all cycles of a run, two runs each: assist
// CPU 106 and 116 ms (0.92-0.96 ms a cycle) before, 12.6 and 14.6 ms
// (0.14-0.17) with the cap; marks ending at or above the goal in 25 of 115
// and 18 of 121 cycles before, 64 of 92 and 52 of 85 with it.
//
// Step 3 is what bounds the heap: without it, a goroutine that finds the
// queue empty (the workers hold the grey objects, or the graph is one long
// chain) would allocate on unchecked, and a mark slower than the program's
// allocation lets the heap run far past its goal — the soak's GOMEMLIMIT run
// saw a 192 MiB limit overrun to 561 MiB. As in Go, the queue is not woken
// when new grey objects appear: there were too few to share, so the workers
// may as well scan them.
//
// While Go's CPU limiter is on (gc/limiter.h) there are no assists at all:
// the debt grows, but nobody scans or waits for it.
#include "gc/assist.h"

#include <algorithm>
#include <atomic>

#include "base/clock.h"
#include "base/lock.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/limiter.h"
#include "gc/mark.h"
#include "gc/markroots.h"
#include "gc/pacer.h"
#include "gc/testing.h"
#include "gc/work.h"
#include "gc/workers.h"
#include "gort/sched.h"
#include "sched/sched.h"
#include "trace/trace.h"

namespace gort::gc {

std::atomic<std::uint64_t> g_testing_assist_carries{0};

namespace {

using gort::detail::G;

// The most debt carried while an idle worker marks (scan work): what the
// goroutine pays at once if that worker stops before the goal. The rest is
// forgiven: the idle worker does that work.
constexpr std::int64_t kCarriedDebtMax = 64 << 10;

// For tests: counts the cycles in which some goroutine carried its debt,
// with no read-modify-write on the carrying path but once a cycle.
std::atomic<std::uint32_t> g_last_carry_gen{0};

// Whether the heap is still below this cycle's goal: below it, a debt that
// cannot be paid now is carried (step 3's wait, and the idle-P carry).
bool below_goal(const Collector& c) {
  return heap().live_bytes.load(std::memory_order_relaxed) < c.goal.load(std::memory_order_relaxed);
}

// Go's bgScanCredit: scan work done by the workers and not yet claimed by
// an assist. Reset with each cycle.
std::atomic<std::int64_t> g_background_credit{0};

// The assist queue: parked goroutines, linked through G::schedlink (a
// parked goroutine is on no run queue or free list), in arrival order.
base::Lock g_queue_lock;
G* g_queue_head = nullptr;
G* g_queue_tail = nullptr;
std::atomic<bool> g_queue_nonempty{false};  // read without the lock by the workers' fast path

void queue_push(G* gp) {
  gp->schedlink = nullptr;
  if (g_queue_tail == nullptr) g_queue_head = gp;
  else g_queue_tail->schedlink = gp;
  g_queue_tail = gp;
  g_queue_nonempty.store(true, std::memory_order_relaxed);
}

G* queue_pop() {
  G* gp = g_queue_head;
  if (gp == nullptr) return nullptr;
  g_queue_head = gp->schedlink;
  if (g_queue_head == nullptr) {
    g_queue_tail = nullptr;
    g_queue_nonempty.store(false, std::memory_order_relaxed);
  }
  gp->schedlink = nullptr;
  return gp;
}

// Makes the goroutines of a list taken from the queue runnable. Not to the
// waker's runnext (Go's ready(gp, 0, false)): a mark worker's P would
// otherwise hand its next turn to the goroutine it just paid for.
void ready_list(G* list) {
  while (list != nullptr) {
    G* next = list->schedlink;
    list->schedlink = nullptr;
    gort::detail::goready_elsewhere(list);
    list = next;
  }
}

// Takes what it can of the pool for gp's debt.
void take_credit(G* gp) {
  std::int64_t credit = g_background_credit.load(std::memory_order_relaxed);
  while (credit > 0 && gp->gc_assist_debt > 0) {
    std::int64_t take = std::min(credit, gp->gc_assist_debt);
    if (g_background_credit.compare_exchange_weak(credit, credit - take, std::memory_order_relaxed)) {
      gp->gc_assist_debt -= take;
      return;
    }
  }
}

// Step 3: parks the calling goroutine on the queue. Returns true once its
// debt is paid or the mark is over; false if credit appeared before it
// parked (the caller tries again).
bool park_assist(G* gp) {
  g_queue_lock.lock();
  // The mark cannot end while we hold the lock: assist_wake_all takes it
  // after the workers are disabled.
  if (!workers_enabled()) {
    g_queue_lock.unlock();
    return true;
  }
  G* old_tail = g_queue_tail;
  queue_push(gp);
  // Credit flushed between our last look and the push would not have
  // reached us: look again while we can still back out.
  if (g_background_credit.load(std::memory_order_relaxed) > 0) {
    g_queue_tail = old_tail;
    if (old_tail == nullptr) {
      g_queue_head = nullptr;
      g_queue_nonempty.store(false, std::memory_order_relaxed);
    } else {
      old_tail->schedlink = nullptr;
    }
    g_queue_lock.unlock();
    return false;
  }
  gort::detail::gopark(gort::detail::park_unlock_commit, &g_queue_lock, gort::detail::WaitReason::gc_assist_wait);
  return true;
}

}  // namespace

void assist_cycle_start() { g_background_credit.store(0, std::memory_order_relaxed); }

void assist_flush_background_credit(std::int64_t bytes) {
  if (bytes <= 0) return;
  if (!g_queue_nonempty.load(std::memory_order_relaxed)) {
    // No one waits. (One may be queueing now: it looks at the pool again
    // after it is queued, and otherwise the next flush finds it.)
    g_background_credit.fetch_add(bytes, std::memory_order_relaxed);
    return;
  }
  G* woken = nullptr;
  G** woken_tail = &woken;
  {
    base::Guard<base::Lock> g(g_queue_lock);
    while (bytes > 0) {
      G* gp = queue_pop();
      if (gp == nullptr) break;
      if (bytes >= gp->gc_assist_debt) {
        bytes -= gp->gc_assist_debt;
        gp->gc_assist_debt = 0;
        *woken_tail = gp;
        woken_tail = &gp->schedlink;
      } else {
        gp->gc_assist_debt -= bytes;
        bytes = 0;
        queue_push(gp);  // to the back: a large debt does not hold up small ones
      }
    }
    if (bytes > 0) g_background_credit.fetch_add(bytes, std::memory_order_relaxed);
  }
  ready_list(woken);
}

void assist_wake_all() {
  G* list;
  {
    base::Guard<base::Lock> g(g_queue_lock);
    list = g_queue_head;
    g_queue_head = g_queue_tail = nullptr;
    g_queue_nonempty.store(false, std::memory_order_relaxed);
  }
  ready_list(list);
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
  pacer_refresh(heap().live_bytes.load(std::memory_order_relaxed));
  gp->gc_assist_debt += static_cast<std::int64_t>(static_cast<double>(bytes) *
                                                  c.assist_ratio.load(std::memory_order_relaxed));
  for (;;) {
    // Go's CPU limiter (gc/limiter.h): while it is on, no assists.
    if (cpu_limiter().limiting()) return;
    take_credit(gp);  // step 1
    // While an idle-priority worker marks, below the goal, the debt is
    // carried rather than paid by scanning (see "Idle Ps" above).
    if (gp->gc_assist_debt > 0 && idle_workers_marking() && below_goal(c)) {
      gp->gc_assist_debt = std::min(gp->gc_assist_debt, kCarriedDebtMax);
      if (g_last_carry_gen.load(std::memory_order_relaxed) != gen) {
        g_last_carry_gen.store(gen, std::memory_order_relaxed);
        g_testing_assist_carries.fetch_add(1, std::memory_order_relaxed);  // (a race may count a cycle twice)
      }
      return;
    }
    // Step 2.
    bool no_work = false;
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
        // Until paid, or out of grey objects, or a stop of the world waits
        // for this stretch (base::stop_deferred: what is left goes back).
        while (ms.work.len != 0 && ms.scanned_bytes < gp->gc_assist_debt && !base::stop_deferred())
          drain_n(ms, 16, gp->gc_assist_debt);
        left_back = ms.work.len;
        work_put(ms.work.data, ms.work.len);  // what is left goes back
        ms.work.len = 0;
        flush_mark_counts(ms);
        // The pacer counts the work before we leave the markers: the last
        // one out may end the mark (try_mark_done, below), and the cycle's
        // end reads the count for the next cycle's expected scan work.
        // (Counted after it, a cycle whose chain one assist had scanned in
        // a single burst ended with 0 bytes scanned; the next cycle then
        // expected 64 KiB, took the heap for growing and let it run 30 MiB
        // past a 128 MiB limit's goal, and counted the work twice.)
        pacer_add_scanned(ms.scanned_bytes);
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
        no_work = true;
        break;
      }
      gp->gc_assist_debt -= std::max<std::int64_t>(done, 1);
    }
    if (!no_work || gp->gc_assist_debt <= 0 || c.phase.load(std::memory_order_acquire) != Phase::mark) return;
    // Step 3, once the heap has reached the goal; before that the debt is
    // carried (it grows with every allocation, and is paid by scanning or
    // credit as those come).
    if (below_goal(c)) return;
    if (park_assist(gp)) return;
  }
}

}  // namespace gort::gc
