// sched/procresize.cc — creating Ps and changing GOMAXPROCS at run time.
//
// A change stops the world, creates any missing Ps, and hands the work of Ps
// beyond the new count (their run queues and timers) to the global queue and
// P 0. A P beyond the count that is still held by a running goroutine (the
// caller's own, or a thread suspended in plain C++ code) is marked `retire`
// and given up by its M at that goroutine's next trip through the scheduler.
#include "base/fail.h"
#include "sched/sched.h"
#include "sched/stw.h"
#include "gort/sched.h"

namespace gort::detail {

namespace {

P* new_p(std::int32_t id) {
  P* p = new P();
  p->id = id;
  return p;
}

}  // namespace

void procs_init(std::int32_t n, M* m0) {
  Sched& s = sched();
  base::Guard<base::Lock> g(s.lock);
  for (std::int32_t i = 0; i < n; i++) s.allp[i] = new_p(i);
  s.nallp = n;
  s.gomaxprocs.store(n);
  for (std::int32_t i = n - 1; i >= 1; i--) pidleput(s.allp[i]);
  m0->p = s.allp[0];
  s.allp[0]->m = m0;
  s.allp[0]->status.store(PStatus::running);
}

}  // namespace gort::detail

namespace gort {

int set_gomaxprocs(int n) {
  using namespace detail;
  Sched& s = sched();
  int old = gomaxprocs_now();
  if (n < 1) return old;
  if (n > kMaxProcs) n = kMaxProcs;
  stop_the_world();
  old = gomaxprocs_now();
  if (n != old) {
    std::int32_t lo = n < old ? n : old;
    std::int32_t hi = n < old ? old : n;
    for (std::int32_t i = lo; i < hi; i++) {
      P* p;
      {
        base::Guard<base::Lock> g(s.lock);
        if (s.allp[i] == nullptr) {
          s.allp[i] = new_p(i);
          if (s.nallp < i + 1) s.nallp = i + 1;
        }
        p = s.allp[i];
        if (i >= n) break;  // shrinking: handled below
        if (p->status.load() == PStatus::dead || p->status.load() == PStatus::idle) {
          p->status.store(PStatus::gcstop);
          p->stop_from = StopFrom::idle;
        }
      }
    }
    if (n < old) {
      for (std::int32_t i = n; i < old; i++) {
        P* p = s.allp[i];
        StopFrom from = p->stop_from;
        if (from == StopFrom::idle || from == StopFrom::syscall) {
          runq_drain_to_global(p);
          timers_move(p, s.allp[0]);
          stack_cache_flush(p);
        }
      }
    }
    s.gomaxprocs.store(n);
  }
  start_the_world();
  return old;
}

}  // namespace gort
