// gc/stackscan.cc — scanning one goroutine's stack while the world runs.
//
// A stack is scanned once per cycle, while its goroutine is stopped; with the
// hybrid barrier it never needs a second look. How a goroutine is held still
// depends on its state:
//
//  * not running (runnable, waiting, new): the marker sets G::gcscan with a
//    CAS and re-reads the status; every switch to running (set_running in
//    sched.h) stores the status and then waits while gcscan is set. Both
//    sides use sequentially consistent operations, so either the marker sees
//    "running" and backs off, or the goroutine waits until the scan is done.
//    The live stack starts at the saved context (registers included).
//  * in a blocking call: the same lock; the frames above the blocking call
//    (where gort::blocking spilled the caller's registers) do not change
//    until it returns, and its return to running waits on gcscan.
//  * running: the marker asks the goroutine's thread to stop (M::scan_state,
//    SIGURG): the signal handler records the registers and waits inside the
//    handler until the marker has scanned the registers and the stack from
//    the interrupted stack pointer down, then lets it go. Where the thread
//    may not stop (on g0, without a P, inside a blocking call) the handler
//    declines and the marker tries again later. Unlike a stop of the world,
//    it does stop a thread holding a runtime lock or inside a no-suspend
//    stretch: the marker only reads memory and takes no lock meanwhile
//    (sched/stw.cc, the signal handler).
#include "gc/stackscan.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ucontext.h>

#include "gc/collector.h"
#include "gc/deadstack.h"

#include "base/clock.h"
#include "base/futex.h"
#include "base/lock.h"
#include "sched/sched.h"

namespace gort::gc {

using gort::detail::G;
using gort::detail::GStatus;
using gort::detail::M;

namespace {

void scan_closure(MarkState& ms, G* gp) {
  if (gp->fn != nullptr && gp->fn_size != 0)
    scan_conservative(ms, gp->fn, static_cast<char*>(gp->fn) + gp->fn_size);
}

void scan_range_from(MarkState& ms, G* gp, std::uintptr_t sp) {
  auto lo = reinterpret_cast<std::uintptr_t>(gp->stack.lo);
  auto hi = reinterpret_cast<std::uintptr_t>(gp->stack.hi);
  // No stack yet: nothing to scan, and the scan point stays newproc's
  // "nothing scanned" (the pool stack it gets later holds a dead goroutine's
  // words, which gccheckmark must not hold strictly).
  if (lo == 0) return;
  if (sp < lo || sp > hi) sp = lo;  // unknown: all of it
  gp->gcscan_sp = sp;
  gp->gcscan_cleared = false;
  ms.stack_bytes += static_cast<std::int64_t>(hi - sp);
  scan_conservative(ms, reinterpret_cast<void*>(sp), reinterpret_cast<void*>(hi));
  if (collector().settings.checkmark) record_scanned_stack(gp);  // (gc/deadstack.h)
}

// gccheckmark: after the scan of a goroutine held still, its memory below
// the scanned part is dead; clear it (gc/deadstack.h).
void clear_below_scan(G* gp) {
  if (collector().settings.checkmark) gp->gcscan_cleared = clear_dead_stack(gp, gp->gcscan_sp);
}

// Not running: scan under the gcscan lock. True when done.
bool scan_stopped(MarkState& ms, G* gp, std::uint32_t gen) {
  // No stop of the world may fall while we hold gcscan: an M switching gp to
  // running spins on it (on g0, where the stop cannot reach it).
  base::NoSuspend ns;
  std::uint32_t zero = 0;
  if (!gp->gcscan.compare_exchange_strong(zero, 1, std::memory_order_seq_cst)) return false;
  GStatus st = gp->status.load(std::memory_order_seq_cst);
  bool done = true;
  // Not for a dead or idle G: newproc may be readying it for a new life
  // right now (it does not wait for gcscan) and resets the record with plain
  // stores; a generation written after its reset would mark the new
  // goroutine scanned.
  bool record = true;
  switch (st) {
    case GStatus::dead:  // on a free list: nothing to scan
    case GStatus::idle:  // never started: its closure is shaded when it is (newproc_start)
      record = false;
      break;
    case GStatus::running:
      done = false;
      break;
    case GStatus::syscall:
      ms.root_kind = "goroutine stack (blocking call)";
      scan_closure(ms, gp);
      scan_range_from(ms, gp, gp->syscall_sp);
      break;
    default:
      ms.root_kind = "goroutine stack";
      scan_closure(ms, gp);
      scan_range_from(ms, gp, reinterpret_cast<std::uintptr_t>(gp->ctx));  // (no stack yet: nothing)
      clear_below_scan(gp);
      break;
  }
  if (done && record) gp->gcscan_gen = gen;  // before the goroutine can run again
  gp->gcscan.store(0, std::memory_order_seq_cst);
  return done;
}

// Running: stop its thread in the signal handler. True when done.
bool scan_running(MarkState& ms, G* gp, M* self, std::uint32_t gen) {
  M* m = gort::detail::peek_g_m(gp);  // a hint, validated below (sched/g.h)
  if (m == nullptr || m == self) return false;
  base::NoSuspend ns;  // we must not be stopped while we hold another thread stopped
  std::uint32_t idle = 0;
  if (!m->scan_state.compare_exchange_strong(idle, 1, std::memory_order_acq_rel)) return false;
  pthread_kill(m->thread, SIGURG);
  // Give up after 2 ms, or at once when a stop of the world is pending: the
  // thread may be held by that stop (its handler answers the stop first,
  // with signals blocked), and the stop in turn waits for us, who are in a
  // no-suspend stretch.
  // Past the first 20 µs, spin with the CPU given away: with more Ps than
  // CPUs the signalled thread may be waiting for this one.
  std::int64_t start = base::nanotime();
  std::int64_t deadline = start + 2'000'000;
  std::uint32_t st;
  for (std::uint32_t spins = 0;; spins++) {
    st = m->scan_state.load(std::memory_order_acquire);
    if (st != 1) break;
    std::int64_t now = spins % 64 == 63 ? base::nanotime() : 0;
    if (gort::detail::sched().gcwaiting.load(std::memory_order_acquire) || now > deadline) {
      std::uint32_t asked = 1;
      if (m->scan_state.compare_exchange_strong(asked, 0, std::memory_order_acq_rel)) return false;
      st = m->scan_state.load(std::memory_order_acquire);
      break;
    }
    if (now > start + 20'000) sched_yield();
    else base::cpu_relax();
  }
  if (st == 3) {
    m->scan_state.store(0, std::memory_order_release);
    return false;
  }
  // st == 2: the thread waits in its handler.
  bool done = false;
  if (m->scan_g == gp && gp->status.load(std::memory_order_acquire) == GStatus::running) {
    ms.root_kind = "registers of a running goroutine";
    scan_conservative(ms, m->suspended_regs, m->suspended_regs + NGREG);
    scan_conservative(ms, m->suspended_xmm, m->suspended_xmm + M::kVectorWords);
    ms.root_kind = "goroutine stack (running)";
    scan_closure(ms, gp);
    scan_range_from(ms, gp, m->suspended_sp - 128);  // the red zone too
    clear_below_scan(gp);
    gp->gcscan_gen = gen;  // while its thread is held
    done = true;
  }
  m->scan_state.store(0, std::memory_order_release);
  base::futex_wake(&m->scan_state, 1);
  return done;
}

}  // namespace

bool scan_goroutine_stack(MarkState& ms, G* gp, M* self, std::uint32_t gen) {
  return gp->status.load(std::memory_order_acquire) == GStatus::running ? scan_running(ms, gp, self, gen)
                                                                       : scan_stopped(ms, gp, gen);
}

}  // namespace gort::gc
