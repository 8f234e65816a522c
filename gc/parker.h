// gc/parker.h — the idle wait of the collector's own goroutines (the mark
// worker, the sweeper, the force-gc helper, the finalizer goroutine):
// park(reason) until kick(); a kick that comes first is remembered. kick()
// readies the goroutine on the global queue and wakes an idle P for it, so it
// runs beside the kicker rather than after it.
#pragma once

#include "base/lock.h"
#include "sched/sched.h"

namespace gort::gc {

struct Parker {
  base::Lock lock;
  gort::detail::G* parked = nullptr;
  bool kicked = false;

  void park(gort::detail::WaitReason reason) {
    using namespace gort::detail;
    lock.lock();
    if (kicked) {
      kicked = false;
      lock.unlock();
      return;
    }
    parked = getg();
    gopark(park_unlock_commit, &lock, reason);
  }
  bool is_idle() {
    base::Guard<base::Lock> g(lock);
    return parked != nullptr;
  }
  void kick() {
    using namespace gort::detail;
    lock.lock();
    G* gp = parked;
    parked = nullptr;
    if (gp == nullptr) kicked = true;
    lock.unlock();
    if (gp != nullptr) goready_elsewhere(gp);
  }
};

}  // namespace gort::gc
