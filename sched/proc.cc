// sched/proc.cc — the scheduler loop that every M runs on its g0 stack.
//
//   schedule_loop: find a runnable G (find_runnable), switch to it (execute),
//   and when it switches back with a Request, carry the request out on g0.
//
// find_runnable looks, in order: at this P's due timers; every 61st tick at
// the global queue (so it cannot starve); at runnext and the local ring; at
// the global queue; then, as a "spinning" M, steals half of a random victim's
// ring (4 passes; the last may also take a victim's runnext and run its due
// timers). Finding nothing, the M gives its P back to the idle list, drops
// spinning, re-checks every queue once (a goroutine readied just before it
// dropped spinning would otherwise be missed by wakep, which only wakes an M
// when none is spinning), and sleeps on its futex until startm hands it a P.
// An idle runtime therefore has every M asleep and uses no CPU; sysmon (see
// sysmon.cc) sleeps too once every P is idle, waking only for the next timer.
#include "base/alloc.h"
#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "base/clock.h"
#include "base/print.h"
#include "base/rand.h"
#include "base/scrub.h"
#include "base/fail.h"
#include "sched/eh_state.h"
#include "sched/sched.h"
#include "sched/stw.h"
#include "trace/trace.h"

namespace gort::detail {

Sched g_sched;
G* (*gc_find_worker)(P* p, bool idle) = nullptr;
bool (*gc_idle_work_pending)() = nullptr;

M* getm() { return tls_m; }

G* getg() {
  M* m = tls_m;
  return (m != nullptr && !m->on_g0) ? m->curg : nullptr;
}

// ---- switching ------------------------------------------------------------------

namespace {

// Passed as the jump's data when one goroutine switches straight to another.
char direct_switch_marker;

// Every goroutine resumes here (on_resume) after a switch: from g0 (t.fctx is g0's
// context) or directly from the goroutine that parked before us on this M,
// whose park we finish now that its registers are saved.
void finish_resume(Transfer t) {
  M* m = getm();  // possibly another thread than before the switch
  m->on_g0 = false;
  eh_restore(m, m->curg);
  if (t.data != &direct_switch_marker) {
    m->g0ctx = t.fctx;
    return;
  }
  G* prev = m->direct_prev;
  m->direct_prev = nullptr;
  set_ctx(prev, t.fctx);
  if (!prev->stack.guarded && !stack_canary_ok(prev->stack)) throw_("stack overflow");
  set_g_m(prev, nullptr);
  if (m->direct_yield) {
    prev->status.store(GStatus::runnable, std::memory_order_release);
    runqput(m->p, prev, false);
    return;
  }
  prev->status.store(GStatus::waiting, std::memory_order_release);
  if (m->direct_commit != nullptr && !m->direct_commit(prev, m->direct_arg)) {
    // The park was cancelled: prev runs next.
    prev->status.store(GStatus::runnable, std::memory_order_release);
    runqput(m->p, prev, true);
  }
}

void on_resume(Transfer t) {
  finish_resume(t);
  base::scrub_caller_saved_registers();
}

}  // namespace

void mcall(Request& req) {
  // The lowest word of this frame used to be alignment padding, never
  // written: it kept whatever a deeper call had left there. A parked
  // goroutine's scan reads it (it is just above the saved registers), so
  // gccheckmark's strict stack pass found stale addresses of dead objects
  // there, written after the concurrent scan (gort-stress finalizers
  // --verify, always this word). Claiming one more callee-saved register
  // makes the prologue push it instead: every word of the frame is written.
  // (x86-64 GCC; checked with the disassembly, see sched/README.md.)
#if defined(__x86_64__)
  asm volatile("" ::: "r12");
#endif
  M* m = getm();
  G* gp = m->curg;
  if (req.kind == RequestKind::exit) {
    eh_drop(m);
  } else {
    eh_save(m, gp);
  }
  m->on_g0 = true;
  // An exiting goroutine never resumes: ASan may drop its fake stack.
  asan_start_switch(req.kind == RequestKind::exit ? nullptr : &gp->asan_fake_stack, m->g0_lo,
                    m->g0_size);
  tsan_switch_to_fiber(m->g0_tsan_fiber);
  Transfer t = jump(m->g0ctx, &req);
  asan_finish_switch(gp->asan_fake_stack);
  on_resume(t);
}

namespace {

[[noreturn]] void goroutine_entry(Transfer t) {
  asan_finish_switch(nullptr);
  on_resume(t);
  run_goroutine_body(getm()->curg);
  goroutine_finish();
}

}  // namespace

void goroutine_finish() {
  G* gp = getm()->curg;
  if (gp->destroy != nullptr) gp->destroy(gp->fn);
  if (gp->fn_on_heap) base::rt_free(gp->fn);
  gp->fn = nullptr;
  Request req{RequestKind::exit};
  mcall(req);
  __builtin_unreachable();
}

namespace {

// An M stops counting as spinning (looking for work) the moment it has work
// or goes to sleep: wakep starts a new M only while nmspinning is 0, so a
// stale count would leave idle Ps idle with work queued.
void drop_spinning(M* m) {
  if (!m->spinning) return;
  m->spinning = false;
  if (sched().nmspinning.fetch_sub(1) - 1 < 0) throw_("findrunnable: negative nmspinning");
}

void reset_spinning(M* m) {
  drop_spinning(m);
  // We found work: another M should look for more.
  wakep();
}

// Runs the due timers of every P; true if any ran.
bool run_due_timers_everywhere(std::int64_t now) {
  Sched& s = sched();
  bool ran = false;
  std::int32_t n = gomaxprocs_now();
  for (std::int32_t i = 0; i < n; i++) {
    P* p = s.allp[i];
    if (p->timers.next_when.load(std::memory_order_relaxed) <= now && run_timers(p, now) > 0)
      ran = true;
  }
  return ran;
}

G* steal_work(M* m, P* p) {
  Sched& s = sched();
  std::int32_t n = gomaxprocs_now();
  for (int pass = 0; pass < 4; pass++) {
    bool last = pass == 3;
    std::uint32_t start = base::fastrandn(static_cast<std::uint32_t>(n));
    for (std::int32_t k = 0; k < n; k++) {
      if (s.gcwaiting.load(std::memory_order_relaxed)) return nullptr;
      P* v = s.allp[(start + static_cast<std::uint32_t>(k)) % static_cast<std::uint32_t>(n)];
      if (v == p) continue;
      if (last) {
        std::int64_t now = base::nanotime();
        if (v->timers.next_when.load(std::memory_order_relaxed) <= now && run_timers(v, now) > 0) {
          if (G* gp = runqget(p)) return gp;
        }
      }
      if (G* gp = runqsteal(p, v, last)) return gp;
    }
  }
  return nullptr;
}

G* find_runnable(M* m) {
  Sched& s = sched();
top:
  if (s.frozen.load(std::memory_order_acquire)) {
    // Main returned: M0 ends gort::run. A fatal report froze the world: the
    // reporting thread ends the process, so M0 must not return meanwhile.
    if (m == s.m0 && !s.dying.load(std::memory_order_acquire)) return nullptr;
    park_forever_m();
  }
  P* p = m->p;
  if (p == nullptr) {
    drop_spinning(m);
    stopm(m);
    goto top;
  }
  if (s.gcwaiting.load(std::memory_order_acquire)) {
    drop_spinning(m);
    gcstopm(m);
    goto top;
  }
  if (p->retire) {
    retirep(m);
    goto top;
  }
  if (p->timers.next_when.load(std::memory_order_relaxed) != INT64_MAX) {
    std::int64_t now = base::nanotime();
    if (p->timers.next_when.load(std::memory_order_relaxed) <= now) run_timers(p, now);
  }
  // A mark worker this P owes goes before the run queues.
  if (base::gc_marking() && gc_find_worker != nullptr) {
    if (G* gp = gc_find_worker(p, false)) return gp;
  }
  // Fairness: now and then the global queue goes first.
  if (p->schedtick.load(std::memory_order_relaxed) % 61 == 0 &&
      s.runq_size.load(std::memory_order_relaxed) > 0) {
    base::Guard<base::Lock> g(s.lock);
    if (G* gp = globrunqget(p, 1)) return gp;
  }
  if (G* gp = runqget(p)) return gp;
  if (s.runq_size.load(std::memory_order_acquire) > 0) {
    base::Guard<base::Lock> g(s.lock);
    if (G* gp = globrunqget(p, 0)) return gp;
  }
  // Steal, unless half the busy Ps already have a spinning M looking.
  if (m->spinning || 2 * s.nmspinning.load() < gomaxprocs_now() - s.npidle.load()) {
    if (!m->spinning) {
      m->spinning = true;
      s.nmspinning.fetch_add(1);
    }
    if (G* gp = steal_work(m, p)) return gp;
    if (s.gcwaiting.load()) goto top;
  }
  if (run_due_timers_everywhere(base::nanotime())) goto top;

  // Nothing to do: mark, if the collector is, rather than give the P back.
  if (base::gc_marking() && gc_find_worker != nullptr) {
    if (G* gp = gc_find_worker(p, true)) return gp;  // (a spinning M wakes the next idle P)
  }
  // Nothing at all: give the P back.
  {
    base::Guard<base::Lock> g(s.lock);
    if (s.gcwaiting.load() || s.frozen.load()) goto top;
    if (s.runq_size.load() > 0) return globrunqget(p, 0);
    pidleput(releasep(m));
  }
  if (m->spinning) {
    m->spinning = false;
    if (s.nmspinning.fetch_sub(1) - 1 < 0) throw_("findrunnable: negative nmspinning");
    // Re-check every queue: see the comment at the top of this file.
    bool work = s.runq_size.load() > 0;
    for (std::int32_t i = 0, n = gomaxprocs_now(); i < n && !work; i++)
      work = !runq_empty(s.allp[i]);
    if (work) {
      P* np;
      {
        base::Guard<base::Lock> g(s.lock);
        np = pidleget();
      }
      if (np != nullptr) {
        acquirep(m, np);
        m->spinning = true;
        s.nmspinning.fetch_add(1);
        goto top;
      }
    }
  }
  // Grey work that no marker holds (an assist put it back, or the last
  // marker's flush found it) and that this M passed over: take a P back and
  // look again, rather than sleep with it undone (with every M asleep and
  // an assist waiting on the mark, that was a false "all goroutines are
  // asleep - deadlock!", GC.StressManyCyclesKeepsAGraphIntact in 2-3% of
  // runs under load).
  if (base::gc_marking() && gc_idle_work_pending != nullptr && gc_idle_work_pending()) {
    P* np;
    {
      base::Guard<base::Lock> g(s.lock);
      np = pidleget();
    }
    if (np != nullptr) {
      acquirep(m, np);
      goto top;
    }
  }
  // Sleep; if timers are pending and no M watches an earlier deadline, sleep
  // only until the first of them (Go's netpoller block does this).
  {
    std::int64_t next = INT64_MAX;
    for (std::int32_t i = 0, n = gomaxprocs_now(); i < n; i++) {
      std::int64_t w = s.allp[i]->timers.next_when.load(std::memory_order_relaxed);
      if (w < next) next = w;
    }
    std::int64_t watch = s.timer_watch_until.load();
    if (next < watch && s.timer_watch_until.compare_exchange_strong(watch, next)) {
      stopm(m, next);
      std::int64_t mine = next;
      s.timer_watch_until.compare_exchange_strong(mine, INT64_MAX);
      goto top;
    }
  }
  stopm(m);
  goto top;
}

// Carries out the request a goroutine switched to g0 with. Returns a goroutine
// to run immediately, or null to look for one.
// gp stops running on m (it is about to be queued or parked).
// The status is stored with release: a marker that reads "not running"
// (gc/stackscan.cc) then reads gp->ctx, which must be the context just saved.
void detach(M* m, G* gp, GStatus status) {
  gp->status.store(status, std::memory_order_release);
  m->curg = nullptr;
  set_g_m(gp, nullptr);
}

G* handle_request(M* m, G* gp, Request& req) {
  Sched& s = sched();
  P* p = m->p;
  switch (req.kind) {
    case RequestKind::park:
      detach(m, gp, GStatus::waiting);
      if (req.commit != nullptr && !req.commit(gp, req.arg)) {
        gp->status.store(GStatus::runnable, std::memory_order_release);
        return gp;
      }
      return nullptr;
    case RequestKind::yield:
      detach(m, gp, GStatus::runnable);
      runqput(p, gp, false);
      return nullptr;
    case RequestKind::preempt:
      detach(m, gp, GStatus::runnable);
      {
        base::Guard<base::Lock> g(s.lock);
        globrunqput(gp);
      }
      return nullptr;
    case RequestKind::stop:
      detach(m, gp, GStatus::runnable);
      runqput(p, gp, true);
      return nullptr;
    case RequestKind::exit:
      detach(m, gp, GStatus::dead);
      stack_free(p, gp->stack);
      gp->stack = Stack{};
      // gccheckmark's record of its last scan (gc/deadstack.h) dies with it.
      base::rt_free(gp->gcscan_pairs);
      gp->gcscan_pairs = nullptr;
      gp->gcscan_npairs = gp->gcscan_pairs_cap = 0;
      gp->gcscan_recorded = false;
      set_ctx(gp, nullptr);
      // Its fiber dies with its context (we are on g0, not on that fiber).
      tsan_destroy_fiber(gp->tsan_fiber);
      gp->tsan_fiber = nullptr;
      s.ngoroutines.fetch_sub(1, std::memory_order_relaxed);
      if (gp->is_system) s.nsystem.fetch_sub(1, std::memory_order_relaxed);
      if (gp->is_main && !gp->goexited) {
        main_exited(m);
        return nullptr;
      }
      gfput(p, gp);
      return nullptr;
    case RequestKind::exitsyscall:
      return exitsyscall0(m, gp);
    case RequestKind::systemstack:
      break;
  }
  throw_("handle_request: bad request");
}

// Runs gp on this M until it switches back; returns what handle_request says.
G* execute(M* m, G* gp) {
  P* p = m->p;
  // Invariant: a goroutine is in at most one run queue, so it is runnable here.
  if (gp->status.load(std::memory_order_relaxed) != GStatus::runnable)
    throw_("execute: goroutine is not runnable");
  set_running(gp);
  set_g_m(gp, m);
  m->curg = gp;
  tick(p->schedtick);
  if (gp->stack.lo == nullptr) {
    gp->stack = stack_alloc(p);
    set_ctx(gp, make_context(gp->stack.hi, gp->stack.size(), goroutine_entry));
    gp->tsan_fiber = tsan_create_fiber();
  }
  for (;;) {
    trace::run(m->p != nullptr ? m->p->id : -1, gp->id);
    asan_start_switch(&m->g0_asan_fake_stack, gp->stack.lo, gp->stack.size());
    tsan_switch_to_fiber(gp->tsan_fiber);
    Transfer t = jump(gp->ctx, nullptr);
    asan_finish_switch(m->g0_asan_fake_stack);
    gp = m->curg;  // goroutines may have switched among themselves meanwhile
    set_ctx(gp, t.fctx);
    if (!gp->stack.guarded && !stack_canary_ok(gp->stack)) {
      base::Printer().str("runtime: goroutine ").i64(gp->id).str(" overran its unguarded stack [")
          .hex(reinterpret_cast<std::uintptr_t>(gp->stack.lo)).str(", ")
          .hex(reinterpret_cast<std::uintptr_t>(gp->stack.hi)).str(")\n");
      throw_("stack overflow");
    }
    // Copy the request off the goroutine's stack: once handle_request makes
    // the goroutine runnable, another M may resume it and reuse that memory.
    Request req = *static_cast<Request*>(t.data);
    if (req.kind == RequestKind::systemstack) {
      req.fn(req.arg);
      continue;
    }
    trace::stop_running();
    return handle_request(m, gp, req);
  }
}

}  // namespace

void schedule_loop(M* m) {
  G* next = nullptr;
  for (;;) {
    if (next == nullptr) {
      next = find_runnable(m);
      if (next == nullptr) return;  // M0 at the end of gort::run
      if (m->spinning) reset_spinning(m);
    }
    next = execute(m, next);
  }
}

// ---- park / ready / safepoints ----------------------------------------------------

namespace {

// True if the scheduler loop would do nothing on this tick but run the next
// goroutine: no stop-the-world or preemption request, no timers on this P,
// not the global queue's fairness turn. Then a goroutine may switch straight
// to its successor. (Not while the collector marks: find_runnable may owe
// this P's time to a mark worker.)
bool scheduler_idle_tick(P* p) {
  // find_runnable takes the global queue's turn when schedtick % 61 == 0.
  return !p->preempt.load(std::memory_order_relaxed) &&
         p->schedtick.load(std::memory_order_relaxed) % 61 != 0 && !base::gc_marking() &&
         p->timers.next_when.load(std::memory_order_relaxed) == INT64_MAX &&
         !sched().gcwaiting.load(std::memory_order_relaxed);
}

// Switches from gp to next on this M without passing through g0. The caller
// has set m->direct_*; next finishes gp's switch in on_resume.
void switch_direct(M* m, P* p, G* gp, G* next) {
  m->direct_prev = gp;
  eh_save(m, gp);
  tick(p->schedtick);
  set_running(next);
  set_g_m(next, m);
  m->curg = next;
  trace::run(p->id, next->id);
  asan_start_switch(&gp->asan_fake_stack, next->stack.lo, next->stack.size());
  tsan_switch_to_fiber(next->tsan_fiber);
  Transfer t = jump(next->ctx, &direct_switch_marker);
  asan_finish_switch(gp->asan_fake_stack);
  on_resume(t);
}

}  // namespace

void gopark(bool (*commit)(G*, void*), void* arg, WaitReason reason) {
  M* m = getm();
  if (m == nullptr || m->on_g0 || m->curg == nullptr)
    fatal_("gort: blocking operation outside a goroutine (call it inside gort::run)");
  G* gp = m->curg;
  gp->wait_reason = reason;
  gp->waitsince = sched().coarse_now.load(std::memory_order_relaxed);
  // Fast path: the next goroutine is known (runnext), has run before, and the
  // scheduler has nothing else to do on this tick. Switch to it directly; it
  // finishes our park (on_resume).
  P* p = m->p;
  G* next = p->runnext.load(std::memory_order_relaxed);
  if (next != nullptr && peek_has_run(next) && scheduler_idle_tick(p) &&
      p->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) {
    m->direct_yield = false;
    m->direct_commit = commit;
    m->direct_arg = arg;
    switch_direct(m, p, gp, next);
    return;
  }
  Request req{RequestKind::park, commit, arg};
  mcall(req);
}

bool park_unlock_commit(G*, void* lock) {
  static_cast<base::Lock*>(lock)->unlock();
  return true;
}

// Readies gp onto the global queue: runnable and queued in one step under
// the scheduler lock, so that the deadlock check (checkdead, which runs under
// it) never sees a goroutine readied but in no queue. (A foreign thread that
// readied a goroutine used to leave it so for a moment: the check could then
// report a deadlock with that goroutine listed as [runnable].)
namespace {
void goready_global(G* gp) {
  {
    base::Guard<base::Lock> g(sched().lock);
    gp->status.store(GStatus::runnable, std::memory_order_relaxed);
    globrunqput(gp);
  }
  wakep();
}
}  // namespace

void goready_elsewhere(G* gp) {
  GStatus st = gp->status.load(std::memory_order_relaxed);
  if (st != GStatus::waiting) throw_("goready: goroutine is not waiting");
  goready_global(gp);
}

void goready(G* gp) {
  GStatus st = gp->status.load(std::memory_order_relaxed);
  if (st != GStatus::waiting) throw_("goready: goroutine is not waiting");
  M* m = tls_m;
  P* p = m != nullptr ? m->p : nullptr;
  if (p != nullptr) {
    gp->status.store(GStatus::runnable, std::memory_order_relaxed);
    runqput(p, gp, true);
    // Wake an idle P only for a backlog: runnext runs here as soon as the
    // current goroutine blocks, and one more waiting goroutine is usually the
    // next stage of a pipeline. Waking a thief for those splits producer and
    // consumer across CPUs and turns every hand-off into a sleep/wake-up pair
    // (measured: a 3-stage pipeline ran 2.5-4x slower than Go). Two or more
    // waiting goroutines (a worker pool being fed) are parallel work.
    if (runq_len(p) > 2) wakep();
    return;
  }
  goready_global(gp);  // no P: a foreign thread, or an M between Ps
}

void safepoint_slow() {
  M* m = getm();
  if (m->curg == nullptr || m->on_g0 || m->p == nullptr) return;
  m->p->preempt.store(false, std::memory_order_relaxed);
  Request req{sched().gcwaiting.load() ? RequestKind::stop : RequestKind::preempt};
  mcall(req);
}

// ---- M and P hand-offs ------------------------------------------------------------

std::atomic<void (*)(M*)> g_test_before_claim{nullptr};

// Hands the idle P p to the M m, which takes it when it runs
// (claim_handed_p): nextp says which P, the token on the P which M, so that
// a stop can take it back meanwhile (revoke_handoffs). Every hand-off goes
// through here.
void hand_p(M* m, P* p) {
  m->nextp = p;
  if (p != nullptr) p->handoff.store(m, std::memory_order_release);
}

// Takes the P startm handed this M (m->nextp), unless a stop of the world
// took it back meanwhile (revoke_handoffs): then this M goes on without a P.
void claim_handed_p(M* m) {
  P* p = m->nextp;
  if (p == nullptr) return;
  if (auto hook = g_test_before_claim.load(std::memory_order_acquire)) [[unlikely]]
    hook(m);
  m->nextp = nullptr;
  M* expected = m;
  if (p->handoff.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel)) acquirep(m, p);
}

void acquirep(M* m, P* p) {
  m->p = p;
  p->m = m;
  p->status.store(PStatus::running, std::memory_order_release);
  sysmon_wake_if_waiting();
}

P* releasep(M* m) {
  P* p = m->p;
  p->m = nullptr;
  m->p = nullptr;
  return p;
}

void pidleput(P* p) {
  Sched& s = sched();
  p->status.store(PStatus::idle, std::memory_order_release);
  p->link = s.pidle;
  s.pidle = p;
  s.npidle.fetch_add(1);
}

P* pidleget() {
  Sched& s = sched();
  P* p = s.pidle;
  if (p != nullptr) {
    s.pidle = p->link;
    p->link = nullptr;
    s.npidle.fetch_sub(1);
  }
  return p;
}

void wakep() {
  Sched& s = sched();
  if (s.npidle.load() == 0) return;
  std::int32_t zero = 0;
  if (s.nmspinning.load() != 0 || !s.nmspinning.compare_exchange_strong(zero, 1)) return;
  startm(nullptr, true);
}

namespace {

void* mstart(void* arg) {
  M* m = static_cast<M*>(arg);
  tls_m = m;
  record_g0_stack(m);
  m->thread = pthread_self();
  m->tid = static_cast<pid_t>(gettid());
  signal_setup_thread(m);
  claim_handed_p(m);  // none if a stop took it back: find_runnable parks this M
  schedule_loop(m);
  return nullptr;
}

void newm(P* p, bool spinning) {
  M* m = newm_struct();
  hand_p(m, p);
  m->spinning = spinning;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t th;
  int err = pthread_create(&th, &attr, mstart, m);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    base::Printer().str("runtime: failed to create new OS thread (errno ").i64(err).str(")\n");
    throw_("newosproc");
  }
}

}  // namespace

void record_g0_stack(M* m) {
  m->eh_globals = eh_globals_of_this_thread();
  m->g0_tsan_fiber = tsan_current_fiber();
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* lo = nullptr;
    std::size_t size = 0;
    if (pthread_attr_getstack(&attr, &lo, &size) == 0) {
      m->g0_lo = lo;
      m->g0_size = size;
    }
    pthread_attr_destroy(&attr);
  }
}

M* newm_struct() {
  Sched& s = sched();
  M* m = new M();
  std::int32_t count, limit;
  {
    base::Guard<base::Lock> g(s.lock);
    m->id = s.mnext++;
    s.mcount++;
    count = s.mcount;
    limit = s.maxmcount;
  }
  // Go's checkmcount: M0 counts, sysmon is no M here (Go excludes it).
  if (count > limit) thread_exhaustion(limit);
  return m;
}

void startm(P* p, bool spinning) {
  Sched& s = sched();
  // A P taken here is in transit to an M until that M acquires it: this
  // thread must not be suspended by a stop-the-world meanwhile (the stopper
  // would wait for that P forever), even when called on a goroutine's stack.
  base::NoSuspend no_suspend;
  M* nm;
  {
    base::Guard<base::Lock> g(s.lock);
    if (p == nullptr) {
      p = pidleget();
      if (p == nullptr) {
        if (spinning) s.nmspinning.fetch_sub(1);
        return;
      }
    }
    nm = s.midle;
    if (nm != nullptr) {
      s.midle = nm->schedlink;
      s.nmidle--;
      nm->idle_parked = false;
    }
  }
  if (nm == nullptr) {
    newm(p, spinning);
    return;
  }
  nm->spinning = spinning;
  hand_p(nm, p);
  nm->park.wakeup();
}

void stopm(M* m, std::int64_t deadline) {
  Sched& s = sched();
  {
    base::Guard<base::Lock> g(s.lock);
    m->schedlink = s.midle;
    s.midle = m;
    s.nmidle++;
    m->idle_parked = true;
    checkdead();
  }
  if (deadline == INT64_MAX) {
    m->park.sleep();
  } else if (!m->park.sleep_for(deadline - base::nanotime())) {
    // Timed out: unless startm picked us meanwhile, leave the idle list and
    // take an idle P to run the due timer.
    base::Guard<base::Lock> g(s.lock);
    if (m->idle_parked) {
      for (M** pp = &s.midle; *pp != nullptr; pp = &(*pp)->schedlink) {
        if (*pp == m) {
          *pp = m->schedlink;
          break;
        }
      }
      s.nmidle--;
      m->idle_parked = false;
      hand_p(m, pidleget());
      m->park.wakeup();  // keep the note's state as if woken
    }
  }
  m->park.sleep();
  m->park.clear();
  claim_handed_p(m);
}

void handoffp(P* p) {
  Sched& s = sched();
  if (!runq_empty(p) || s.runq_size.load() > 0) {
    startm(p, false);
    return;
  }
  base::Guard<base::Lock> g(s.lock);
  if (s.gcwaiting.load()) {
    p->status.store(PStatus::gcstop);
    p->stop_from = StopFrom::idle;
    if (s.stopwait.fetch_sub(1) == 1) s.stopnote.wakeup();
    return;
  }
  pidleput(p);
}

void retirep(M* m) {
  Sched& s = sched();
  P* p = m->p;
  P* np;
  {
    // Decide under the lock: GOMAXPROCS changes only with the world stopped,
    // so with no stop pending the P's fate is settled. (A stop in progress
    // may bring the P back into range; the caller will stop for it first.)
    base::Guard<base::Lock> g(s.lock);
    if (s.gcwaiting.load()) return;
    p->retire = false;
    if (p->id < gomaxprocs_now()) return;
    releasep(m);
    p->status.store(PStatus::dead);
    np = pidleget();
  }
  // Nobody else schedules from a dead P; hand its work over.
  runq_drain_to_global(p);
  timers_move(p, s.allp[0]);
  stack_cache_flush(p);
  if (s.runq_size.load() > 0) wakep();
  if (np != nullptr) acquirep(m, np);
}

void park_forever_m() {
  std::atomic<std::uint32_t> never{0};
  for (;;) base::futex_wait(&never, 0);
}

// ---- deadlock -------------------------------------------------------------------

void checkdead() {
  Sched& s = sched();
  if (s.gcwaiting.load() || s.frozen.load() || s.run_done.load() || !s.booted) return;
  std::int32_t run = s.mcount - s.nmidle;
  if (run > 0) return;
  if (s.sysmon_transit.load() > 0) {
    // A goroutine may be in sysmon's hands: sysmon re-runs this check.
    s.checkdead_deferred.store(true);
    return;
  }
  if (run < 0) throw_("checkdead: inconsistent counts");
  if (s.runq_size.load() > 0) return;
  for (std::int32_t i = 0, n = gomaxprocs_now(); i < n; i++) {
    P* p = s.allp[i];
    if (!runq_empty(p)) return;
    if (p->timers.next_when.load() != INT64_MAX) return;  // a timer will wake someone
  }
  // Only a main goroutine that called gort::goexit leaves none at all.
  if (s.ngoroutines.load() - s.nsystem.load() == 0) fatal_("no goroutines (main called runtime.Goexit) - deadlock!");
  fatal_("all goroutines are asleep - deadlock!");
}

}  // namespace gort::detail

namespace gort::detail {

void systemstack(void (*fn)(void*), void* arg) {
  M* m = getm();
  if (m == nullptr || m->on_g0 || m->curg == nullptr) {
    fn(arg);
    return;
  }
  Request req{RequestKind::systemstack};
  req.fn = fn;
  req.arg = arg;
  mcall(req);
}

void become_system_goroutine() {
  G* gp = getg();
  if (gp == nullptr || gp->is_system) return;
  gp->is_system = true;
  sched().nsystem.fetch_add(1, std::memory_order_relaxed);
}

bool on_system_stack() {
  M* m = getm();
  return m == nullptr || m->on_g0;
}

}  // namespace gort::detail

// ---- public API ------------------------------------------------------------------

namespace gort {

void yield() {
  using namespace detail;
  M* m = tls_m;
  if (m == nullptr || m->on_g0 || m->curg == nullptr) return;
  P* p = m->p;
  if (p->preempt.load(std::memory_order_relaxed)) {
    safepoint_slow();
    return;
  }
  // Nobody else could run here: Go's Gosched would put us on the global queue
  // and pick us straight back up, so skip the round trip.
  if (runq_empty(p) && sched().runq_size.load(std::memory_order_relaxed) == 0) {
    std::int64_t next = p->timers.next_when.load(std::memory_order_relaxed);
    if (next == INT64_MAX || next > base::nanotime()) return;
  }
  if (scheduler_idle_tick(p)) {
    if (G* next = runqget_started(p)) {
      m->direct_yield = true;
      switch_direct(m, p, m->curg, next);
      return;
    }
  }
  Request req{RequestKind::yield};
  mcall(req);
}

std::int64_t goid() {
  detail::G* gp = detail::getg();
  return gp != nullptr ? gp->id : 0;
}

// As Go's runtime.NumGoroutine, the runtime's own goroutines are not counted.
std::int64_t num_goroutine() {
  detail::Sched& s = detail::sched();
  return s.ngoroutines.load(std::memory_order_relaxed) - s.nsystem.load(std::memory_order_relaxed);
}

int gomaxprocs() { return detail::gomaxprocs_now(); }

}  // namespace gort
