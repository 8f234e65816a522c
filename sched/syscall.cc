// sched/syscall.cc — gort::blocking: releasing the P around a blocking call
// (Go's entersyscall / exitsyscall).
//
// Entering, the goroutine keeps its M but marks its P `syscall`: nothing is
// handed off yet, because most calls are short. sysmon retakes a P that stays
// in `syscall` across two of its ticks (20 µs or more) and hands it to
// another M, so the other goroutines of that P keep running. Leaving, the
// goroutine first tries to take its old P back with one CAS; then any idle P;
// failing both it switches to g0, queues itself on the global run queue, and
// its M goes to sleep.
#include "base/fail.h"
#include "sched/sched.h"
#include "trace/trace.h"

namespace gort::detail {

[[gnu::noinline]] void entersyscall() {
  M* m = getm();
  if (m == nullptr || m->on_g0 || m->curg == nullptr || m->p == nullptr) return;
  trace::stop_running();
  Sched& s = sched();
  G* gp = m->curg;
  P* p = m->p;
  // Where the caller stands, for tracebacks of [syscall] goroutines.
  auto* fp = static_cast<std::uintptr_t*>(__builtin_frame_address(0));
  gp->syscall_pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  gp->syscall_sp = reinterpret_cast<std::uintptr_t>(fp) + 16;
  gp->syscall_bp = fp[0];
  m->in_syscall = true;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  gp->status.store(GStatus::syscall, std::memory_order_relaxed);
  tick(p->syscalltick);
  m->oldp = p;
  m->p = nullptr;
  s.nmsyscall.fetch_add(1);
  p->status.store(PStatus::syscall, std::memory_order_release);
  if (s.gcwaiting.load(std::memory_order_acquire)) {
    // A stop-the-world is waiting: give the P up to it right away.
    PStatus expected = PStatus::syscall;
    if (p->status.compare_exchange_strong(expected, PStatus::gcstop)) {
      p->stop_from = StopFrom::syscall;
      if (s.stopwait.fetch_sub(1) == 1) s.stopnote.wakeup();
    }
  }
}

void exitsyscall() {
  M* m = getm();
  if (m == nullptr || !m->in_syscall) return;
  Sched& s = sched();
  G* gp = m->curg;
  P* p = m->oldp;
  m->oldp = nullptr;
  s.nmsyscall.fetch_sub(1);
  PStatus expected = PStatus::syscall;
  if (p != nullptr && p->status.compare_exchange_strong(expected, PStatus::running)) {
    m->p = p;
    p->m = m;
    set_running(gp);
    m->in_syscall = false;
    trace::run(p->id, gp->id);
    return;
  }
  if (!s.gcwaiting.load() && !s.frozen.load() && s.npidle.load() > 0) {
    P* np;
    {
      base::Guard<base::Lock> g(s.lock);
      np = pidleget();
    }
    if (np != nullptr) {
      acquirep(m, np);
      set_running(gp);
      m->in_syscall = false;
      trace::run(np->id, gp->id);
      return;
    }
  }
  Request req{RequestKind::exitsyscall};
  mcall(req);
}

// On g0: the goroutine found no P. Run it here if a P turned up, else queue it.
G* exitsyscall0(M* m, G* gp) {
  Sched& s = sched();
  m->in_syscall = false;
  m->curg = nullptr;
  set_g_m(gp, nullptr);
  gp->status.store(GStatus::runnable, std::memory_order_relaxed);
  P* p = nullptr;
  {
    base::Guard<base::Lock> g(s.lock);
    if (!s.gcwaiting.load() && !s.frozen.load()) p = pidleget();
    if (p == nullptr) globrunqput(gp);
  }
  if (p != nullptr) {
    acquirep(m, p);
    return gp;
  }
  stopm(m);
  return nullptr;
}

}  // namespace gort::detail
