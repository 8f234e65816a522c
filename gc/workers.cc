// gc/workers.cc — background mark workers (Go's gcBgMarkWorker and
// findRunnableGCWorker) and the end of the mark (Go's gcMarkDone).
//
// Workers. There is one worker goroutine per P, created before the first
// cycle (and when GOMAXPROCS grows). Between turns a worker is parked in
// `GC worker (idle)`; its park's commit puts it in a pool. While the
// collector marks, the scheduler (sched/proc.cc, find_runnable) asks for one
// through gc_find_worker and runs it like any goroutine, in one of three
// modes:
//
//  * dedicated: the background utilisation goal is 25% of GOMAXPROCS. Where
//    that rounds to whole Ps within 30% (GOMAXPROCS = 4, 5, 7, 8, ...) those
//    Ps' workers are dedicated: they mark until there is no work left.
//  * fractional: otherwise one dedicated worker fewer, and the remainder is
//    spread over every P as a fraction of its time (GOMAXPROCS 1-3: 25% of
//    each P). A P whose fractional worker has run less than its share of the
//    time since the mark began runs it before its run queue; the worker
//    stops when the share is used (with Go's 20% slack) or after 100 µs, so
//    that the goroutine it displaced waits no longer than that. Unlike Go,
//    no fractional worker runs while an idle-priority one does: that one
//    already gives the mark more than the 25% (binary-trees depth 20 at
//    GOMAXPROCS=2, against the earlier single-worker build: 1.093x -> 1.045x,
//    together with the scan credit for assists).
//  * idle: a P with nothing else to run marks instead of sleeping, until a
//    goroutine becomes runnable there.
//
// Every turn starts from the shared queue and the root jobs
// (gc/markroots.h); grey objects a worker still holds when its turn ends go
// back to the queue, so no private work outlives a turn. The scheduler only
// chooses a worker when there is work: root jobs pending, the queue not
// empty, or this P's barrier buffer not empty.
//
// The end of the mark. Markers (workers, and assists — gc/pacer.cc) count
// themselves while they hold grey objects. The one whose exit brings the
// count to zero, with the queue empty and no root job pending, runs
// try_mark_done: under a mutex, it empties every P's barrier buffer into the
// queue; if that found anything, marking goes on; otherwise, with nobody
// marking and nothing queued, the mark is done and that goroutine runs mark
// termination (complete_mark, gc/cycle.cc). What the barrier records after
// this check is taken in the termination pause (little is left).
#include "gc/workers.h"

#include <algorithm>
#include <atomic>

#include "base/clock.h"
#include "base/lock.h"
#include "gc/assist.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/limiter.h"
#include "gc/markroots.h"
#include "gc/pacer.h"
#include "gc/testing.h"
#include "gc/work.h"
#include "gort/sched.h"
#include "gort/sync.h"
#include "sched/sched.h"
#include "trace/trace.h"

namespace gort::gc {

using gort::detail::G;
using gort::detail::GStatus;
using gort::detail::P;

namespace {

enum class Mode : std::uint8_t { dedicated, fractional, idle };

struct Worker {
  G* g = nullptr;
  Mode mode = Mode::idle;
  P* p = nullptr;  // the P that chose it
  // The grey-object stack its turns work from, kept between turns: taking
  // it from the OS and giving it back every turn (a 100 us fractional turn,
  // thousands a second) cost page faults and a TLB shootdown each time:
  // alloc about 5% faster without (`pair.py` against the build before, in
  // both orders, 0.948 and 1/1.058).
  WorkStack stack;
};

// A worker keeps at most this much stack between turns (entries: 1 MiB).
constexpr std::size_t kKeptStackEntries = std::size_t{1} << 17;

constexpr std::int64_t kFractionalSlice = 100'000;  // ns: the longest fractional turn
constexpr double kFractionalSlack = 1.2;            // Go's fractional exit threshold
constexpr std::size_t kDrainChunk = 1000;            // grey objects between checks
constexpr std::int64_t kStepScanBytes = 64 << 10;    // and at most this much scanned
constexpr std::int64_t kRetryWait = 20'000;          // ns before retrying a deferred stack
constexpr std::int64_t kIdlePoll = 200'000;          // ns an idle worker waits for work to come back
constexpr std::int64_t kIdleBackoff = 100'000;       // ns a P runs no idle worker after one found nothing

struct Pool {
  base::Lock lock;
  Worker* parked[gort::detail::kMaxProcs] = {};
  int nparked = 0;
  int created = 0;
};
Pool g_pool;
std::atomic<int> g_parked_once{0};

std::atomic<bool> g_enabled{false};  // Go's gcBlackenEnabled for workers
std::atomic<int> g_dedicated_left{0};
std::atomic<double> g_fractional_goal{0};
std::atomic<std::int64_t> g_mark_start{0};
std::atomic<std::int64_t> g_background_ns{0};
std::atomic<std::int64_t> g_idle_ns{0};
std::atomic<std::int32_t> g_markers{0};  // markers holding (or about to take) grey objects
std::atomic<std::int32_t> g_idle_marking{0};  // idle-priority workers in a turn
gort::Mutex g_done_mu;

std::int64_t fractional_ns(P* p) { return __atomic_load_n(&p->gc_fractional_ns, __ATOMIC_RELAXED); }

bool work_available(P* p) {
  return roots_pending() || !work_empty() || __atomic_load_n(&p->wb_n, __ATOMIC_RELAXED) != 0;
}

bool park_commit(G*, void* arg) {
  auto* w = static_cast<Worker*>(arg);
  base::Guard<base::Lock> g(g_pool.lock);
  g_pool.parked[g_pool.nparked++] = w;
  return true;
}

// Whether this turn should end now.
bool turn_over(const Worker& w, std::int64_t t0) {
  using namespace gort::detail;
  safepoint();  // a stop-the-world or a preemption request
  switch (w.mode) {
    case Mode::dedicated:
      return false;
    case Mode::fractional: {
      std::int64_t now = base::nanotime();
      if (now - t0 >= kFractionalSlice) return true;
      std::int64_t delta = now - g_mark_start.load(std::memory_order_relaxed);
      double share = g_fractional_goal.load(std::memory_order_relaxed) * kFractionalSlack;
      return static_cast<double>(fractional_ns(w.p) + (now - t0)) > share * static_cast<double>(delta);
    }
    case Mode::idle: {
      P* p = getm()->p;
      return p == nullptr || !runq_empty(p) || sched().runq_size.load(std::memory_order_relaxed) > 0;
    }
  }
  return true;
}

// One step of a turn, as one no-suspend stretch: a root job, or a burst of
// grey objects. Whatever grey objects are still held at the end go back to
// the queue, so that a worker never holds grey objects where it can be
// stopped: a stop of the world (mark termination among them) waits for the
// stretch to end, and termination, which drains the queue, can then never
// miss grey objects held privately by a stopped worker.
enum class Step : std::uint8_t { worked, deferred, no_work };

Step mark_step(MarkState& ms) {
  base::NoSuspend ns;
  Step step = Step::worked;
  std::int64_t scanned0 = ms.scanned_bytes;
  RootJob r = roots_pending() ? roots_scan_one(ms) : RootJob::none;
  if (r != RootJob::scanned && !drain_some(ms, kDrainChunk))
    step = r == RootJob::deferred ? Step::deferred : Step::no_work;
  assist_flush_background_credit(ms.scanned_bytes - scanned0);
  flush_mark_counts(ms);
  if (ms.work.len != 0) work_put(ms.work.data, ms.work.len);
  ms.work.len = 0;
  return step;
}

// Whether a marker other than the calling one (which counts itself) is active.
bool others_marking() { return g_markers.load(std::memory_order_seq_cst) > 1; }

std::atomic<int> g_idle_pollers{0};

// Waits up to kIdlePoll for grey objects to reach the queue while another
// marker is active; false if none came (or the turn is over). The wait
// spins a CPU, so one idle worker at a time polls, and none when there are
// more Ps than CPUs: there the spin took the CPU from the marker it waited
// on (GOMAXPROCS=4 on two CPUs, with assists waiting for the workers: a
// 0.15 s program took 3.3 s).
bool poll_for_work(const Worker& w, std::int64_t t0) {
  if (gort::detail::gomaxprocs_now() > gort::detail::sched().ncpu) return false;
  int none = 0;
  if (!g_idle_pollers.compare_exchange_strong(none, 1, std::memory_order_relaxed)) return false;
  std::int64_t until = base::nanotime() + kIdlePoll;
  bool got = true;
  while (work_empty()) {
    if (!others_marking() || turn_over(w, t0) || base::nanotime() > until) {
      got = false;
      break;
    }
    for (int i = 0; i < 200; i++) base::cpu_relax();
  }
  g_idle_pollers.store(0, std::memory_order_relaxed);
  return got;
}

// One turn: root jobs, then grey objects, until the turn is over or there is
// no work. Returns whether this worker was the last marker out (whatever
// ended its turn: a turn that ends on time just as the queue empties must
// still look for the end of the mark).
bool mark_turn(Worker& w) {
  std::int64_t t0 = base::nanotime();
  trace::nested_begin(w.mode == Mode::dedicated ? "GC mark worker (dedicated)" : w.mode == Mode::fractional ? "GC mark worker (fractional)" : "GC mark worker (idle)");
  g_markers.fetch_add(1, std::memory_order_seq_cst);
  if (w.mode == Mode::idle) g_idle_marking.fetch_add(1, std::memory_order_relaxed);
  MarkState ms;  // (stacks scanned here are recorded by the root jobs' cycle)
  ms.work = w.stack;  // empty: mark_step hands back what it does not finish
  bool worked = false;
  while (g_enabled.load(std::memory_order_acquire)) {
    Step step = mark_step(ms);
    if (step == Step::worked) worked = true;
    if (step == Step::no_work) {
      // This P's barrier records are work the scheduler saw here (and
      // would choose a worker for again and again) but no queue holds yet.
      if (flush_own_barrier_buffer() != 0) continue;
      // An idle P has nothing better to do: while other markers (assists
      // in bursts, which put back what they leave) may hand work back,
      // poll for it a little before giving the P up.
      if (w.mode != Mode::idle || !others_marking() || !poll_for_work(w, t0)) break;
      continue;
    }
    // A stack whose goroutine cannot stop right now, and nothing else to
    // do: let it run a little.
    if (step == Step::deferred) gort::detail::sleep_ns(kRetryWait);
    if (turn_over(w, t0)) break;
  }
  w.stack = ms.work;
  w.stack.len = 0;
  if (w.stack.cap > kKeptStackEntries) w.stack.release();
  trace::nested_end();

  std::int64_t dt = base::nanotime() - t0;
  switch (w.mode) {
    case Mode::dedicated:
      g_dedicated_left.fetch_add(1, std::memory_order_relaxed);
      g_background_ns.fetch_add(dt, std::memory_order_relaxed);
      break;
    case Mode::fractional:
      __atomic_fetch_add(&w.p->gc_fractional_ns, dt, __ATOMIC_RELAXED);
      g_background_ns.fetch_add(dt, std::memory_order_relaxed);
      break;
    case Mode::idle:
      // Backing off is only for work another marker holds (it will finish
      // the mark or put the work back); alone, this worker is the mark.
      if (!worked && others_marking()) __atomic_store_n(&w.p->gc_idle_empty_at, base::nanotime(), __ATOMIC_RELAXED);
      g_idle_ns.fetch_add(dt, std::memory_order_relaxed);
      limiter_add_idle_mark(dt);
      g_idle_marking.fetch_sub(1, std::memory_order_relaxed);
      break;
  }
  bool last = g_markers.fetch_sub(1, std::memory_order_seq_cst) == 1;
  return last;
}

void worker_main(Worker* w) {
  using namespace gort::detail;
  become_system_goroutine();
  w->g = getg();
  trace::name_goroutine(w->g->id, "GC mark worker");
  bool first = true;
  for (;;) {
    if (first) g_parked_once.fetch_add(1, std::memory_order_release);
    first = false;
    gopark(park_commit, w, WaitReason::gc_worker_idle);
    for (;;) {
      if (!mark_turn(*w)) break;
      if (roots_pending() || !work_empty()) break;  // the scheduler will choose a worker for it
      // The last marker, out of work: is the mark done?
      if (!try_mark_done()) break;
      if (w->mode == Mode::fractional) break;  // more work: not in this turn
    }
  }
}

// The scheduler's hook (sched.h, gc_idle_work_pending): grey objects or
// root jobs wait and no marker is active to take them.
bool idle_work_pending() {
  return g_enabled.load(std::memory_order_acquire) && g_markers.load(std::memory_order_seq_cst) == 0 &&
         (roots_pending() || !work_empty());
}

// The scheduler's hook (sched.h, gc_find_worker).
G* find_worker(P* p, bool idle) {
  if (!g_enabled.load(std::memory_order_acquire) || !work_available(p)) return nullptr;
  Mode mode;
  if (idle) {
    // The hint said work, but the last idle worker here found none (another
    // marker held it): let the P sleep a while rather than switch to a
    // worker and back many thousand times a second (GOMAXPROCS=4 on two
    // CPUs: 170,000 idle turns in 0.4 s).
    // Only while another marker is active: with none, nobody else will
    // take the work, and a P that declined it could sleep with the mark
    // unfinished (and an assist waiting on it).
    if (g_markers.load(std::memory_order_seq_cst) > 0 &&
        base::nanotime() - __atomic_load_n(&p->gc_idle_empty_at, __ATOMIC_RELAXED) < kIdleBackoff)
      return nullptr;
    mode = Mode::idle;
  } else {
    int d = g_dedicated_left.load(std::memory_order_relaxed);
    while (d > 0 && !g_dedicated_left.compare_exchange_weak(d, d - 1, std::memory_order_relaxed)) {
    }
    if (d > 0) {
      mode = Mode::dedicated;
    } else {
      double goal = g_fractional_goal.load(std::memory_order_relaxed);
      if (goal <= 0) return nullptr;
      // An idle-priority worker already marks with a whole P, more than
      // the 25% the fractional share is for: the goroutines here keep their
      // P (a departure from Go 1.19, which runs both).
      if (g_idle_marking.load(std::memory_order_relaxed) > 0) return nullptr;
      std::int64_t delta = base::nanotime() - g_mark_start.load(std::memory_order_relaxed);
      if (delta > 0 && static_cast<double>(fractional_ns(p)) > goal * static_cast<double>(delta))
        return nullptr;
      mode = Mode::fractional;
    }
  }
  Worker* w = nullptr;
  {
    base::Guard<base::Lock> g(g_pool.lock);
    if (g_pool.nparked > 0) w = g_pool.parked[--g_pool.nparked];
  }
  if (w == nullptr) {
    if (mode == Mode::dedicated) g_dedicated_left.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  w->mode = mode;
  w->p = p;
  w->g->status.store(GStatus::runnable, std::memory_order_relaxed);
  return w->g;
}

}  // namespace

void workers_ensure() {
  using namespace gort::detail;
  int want = gomaxprocs_now();
  int created = 0;
  for (;;) {
    Worker* w;
    {
      base::Guard<base::Lock> g(g_pool.lock);
      created = g_pool.created;
      if (created >= want) break;
      g_pool.created++;
    }
    w = new Worker();
    gort::go([w] { worker_main(w); });
  }
  // Set once, before the first mark (the scheduler reads them unlocked, and
  // only while marking): this runs at every cycle's start.
  if (gc_find_worker == nullptr) gc_find_worker = &find_worker;
  if (gc_idle_work_pending == nullptr) gc_idle_work_pending = &idle_work_pending;
  while (g_parked_once.load(std::memory_order_acquire) < created) gort::yield();
}

WorkerSplit worker_split(int procs) {
  // Go's gcControllerState.startCycle: 25% of GOMAXPROCS, in whole Ps where
  // rounding is within 30%, else one fewer and the rest as fractions.
  if (procs < 1) procs = 1;
  double goal = 0.25 * procs;
  WorkerSplit w;
  w.dedicated = static_cast<int>(goal + 0.5);
  double error = static_cast<double>(w.dedicated) / goal - 1;
  if (error < -0.3 || error > 0.3) {
    if (static_cast<double>(w.dedicated) > goal) w.dedicated--;
    w.fractional = (goal - w.dedicated) / procs;
  }
  return w;
}

void workers_cycle_start(int procs, std::int64_t mark_start) {
  using namespace gort::detail;
  WorkerSplit split = worker_split(procs);
  g_dedicated_left.store(split.dedicated, std::memory_order_relaxed);
  g_fractional_goal.store(split.fractional, std::memory_order_relaxed);
  g_mark_start.store(mark_start, std::memory_order_relaxed);
  g_background_ns.store(0, std::memory_order_relaxed);
  g_idle_ns.store(0, std::memory_order_relaxed);
  Sched& s = sched();
  for (std::int32_t i = 0; i < s.nallp; i++)
    if (s.allp[i] != nullptr) __atomic_store_n(&s.allp[i]->gc_fractional_ns, 0, __ATOMIC_RELAXED);
  g_enabled.store(true, std::memory_order_release);
}

void workers_cycle_stop() { g_enabled.store(false, std::memory_order_release); }

bool workers_enabled() { return g_enabled.load(std::memory_order_acquire); }
std::atomic<bool> g_testing_assume_idle_marking{false};

bool idle_workers_marking() {
  return g_idle_marking.load(std::memory_order_relaxed) > 0 ||
         g_testing_assume_idle_marking.load(std::memory_order_relaxed);
}

WorkerTimes workers_times() {
  return WorkerTimes{g_background_ns.load(std::memory_order_relaxed), g_idle_ns.load(std::memory_order_relaxed)};
}

bool markers_active() { return g_markers.load(std::memory_order_seq_cst) != 0; }

void marker_enter() { g_markers.fetch_add(1, std::memory_order_seq_cst); }
bool marker_exit() { return g_markers.fetch_sub(1, std::memory_order_seq_cst) == 1; }

bool try_mark_done() {
  g_done_mu.lock();
  if (!g_enabled.load(std::memory_order_acquire)) {
    g_done_mu.unlock();
    return false;
  }
  // In this order: an assist counts itself before it takes from the queue.
  // (Entries whose objects were already marked add no work.)
  flush_all_barrier_buffers();
  if (!work_empty()) {
    g_done_mu.unlock();
    gort::detail::wakep();
    return true;
  }
  if (markers_active() || roots_pending() || !work_empty()) {
    g_done_mu.unlock();
    return false;
  }
  g_enabled.store(false, std::memory_order_release);
  g_done_mu.unlock();
  complete_mark();
  return false;
}

bool drain_some(MarkState& ms, std::size_t budget) {
  bool more = true;
  std::int64_t scanned0 = ms.scanned_bytes;
  while (budget > 0) {
    if (ms.work.len == 0 && work_get(ms, 256) == 0) {
      more = false;
      break;
    }
    if (ms.scanned_bytes - scanned0 >= kStepScanBytes) break;  // the step is long enough
    // A stop of the world waits for this no-suspend stretch: end the step
    // (the grey objects go back to the queue). Checked every 128 objects,
    // a few microseconds.
    if (base::stop_deferred()) break;
    budget -= drain_n(ms, budget < 128 ? budget : 128, scanned0 + kStepScanBytes);
    if (ms.work.len > 1024 && work_empty()) {
      std::size_t half = ms.work.len / 2;
      work_put(ms.work.data + ms.work.len - half, half);
      ms.work.len -= half;
    }
  }
  pacer_add_scanned(ms.scanned_bytes - scanned0);
  pacer_refresh(heap().live_bytes.load(std::memory_order_relaxed));
  return more;
}

}  // namespace gort::gc
