// sched/sysmon.cc — the system monitor: a thread without a P.
//
// It sleeps 20 µs, doubling up to 10 ms while nothing needs doing, and each
// time it wakes:
//  * retakes Ps whose M has been inside gort::blocking for a tick or more, so
//    their goroutines run elsewhere (handoffp);
//  * sets the preempt flag of a P that has run the same goroutine for 10 ms,
//    which yields at its next safepoint; goroutines queued behind such a P
//    move to the global queue, and the due timers of a P that has not
//    scheduled since the last look run on sysmon, so that a goroutine that
//    never reaches a safepoint (plain C++ cannot be preempted) does not
//    starve the others;
//  * wakes an idle P for runnable work stuck behind a busy one, and starts an
//    M when a timer is due while Ps sit idle;
//  * every 100 ms, returns the memory of up to 1,024 cached goroutine stacks
//    beyond the pool's watermark to the OS (stack_scavenge).
// When every P is idle it sleeps on a note until the next timer (or until a P
// becomes busy again: acquirep wakes it), so an idle runtime uses no CPU.
#include <pthread.h>
#include <time.h>

#include <climits>

#include "base/clock.h"
#include "base/gc_hooks.h"
#include "base/fail.h"
#include "sched/sched.h"
#include "sched/stack.h"

namespace gort::detail {

namespace {

constexpr std::int64_t kForcePreemptNs = 10'000'000;
constexpr std::int64_t kMaxIdleSleepNs = 60'000'000'000;
constexpr std::int64_t kScavengePeriodNs = 100'000'000;  // stack memory scavenging
constexpr std::int64_t kScavengeBatch = 1024;

std::int64_t earliest_timer() {
  Sched& s = sched();
  std::int64_t next = INT64_MAX;
  for (std::int32_t i = 0, n = gomaxprocs_now(); i < n; i++) {
    std::int64_t w = s.allp[i]->timers.next_when.load(std::memory_order_relaxed);
    if (w < next) next = w;
  }
  return next;
}

// Ends a stretch in which sysmon held goroutines outside every queue, and
// runs the deadlock check that an M deferred meanwhile.
void end_transit() {
  Sched& s = sched();
  s.sysmon_transit.fetch_sub(1);
  if (s.checkdead_deferred.exchange(false)) {
    base::Guard<base::Lock> g(s.lock);
    checkdead();
  }
}

int retake(std::int64_t now) {
  Sched& s = sched();
  int n = 0;
  for (std::int32_t i = 0, np = gomaxprocs_now(); i < np; i++) {
    P* p = s.allp[i];
    PStatus st = p->status.load(std::memory_order_acquire);
    if (st == PStatus::running) {
      std::uint32_t ticks = p->schedtick.load(std::memory_order_relaxed);
      if (p->sysmon_tick != ticks) {
        // It scheduled since our last look.
        p->sysmon_tick = ticks;
        p->sysmon_when = now;
      } else {
        // Same goroutine since our last look; it may never reach a safepoint
        // (plain C++ cannot be preempted). Run its P's due timers here, and
        // after 10 ms ask it to yield and move the goroutines queued behind it
        // to the global queue, where every P looks. What they ready goes to
        // the global queue too.
        s.sysmon_transit.fetch_add(1);
        if (p->timers.next_when.load(std::memory_order_relaxed) <= now && run_timers(p, now) > 0) {
          wakep();
          n++;
        }
        if (now - p->sysmon_when >= kForcePreemptNs) {
          p->preempt.store(true, std::memory_order_relaxed);
          if (!runq_empty(p) && runq_rescue(p) > 0) {
            wakep();
            n++;
          }
        }
        end_transit();
      }
      // Work queued behind a P that has not scheduled for a whole tick while
      // another P idles. (Not for a P that keeps scheduling: a goroutine
      // waiting in runnext there is about to run, and waking a thief would
      // split a ping-pong pair across CPUs.)
      if (p->sysmon_tick == p->schedtick.load(std::memory_order_relaxed) && p->sysmon_when != now &&
          s.npidle.load() > 0 &&
          s.nmspinning.load() == 0 && !runq_empty(p)) {
        wakep();
        n++;
      }
    } else if (st == PStatus::syscall) {
      std::uint32_t ticks = p->syscalltick.load(std::memory_order_relaxed);
      if (p->sysmon_tick != ticks) {
        p->sysmon_tick = ticks;
        p->sysmon_when = now;
        continue;
      }
      // Leave it if it has nothing to run and other Ms could take new work,
      // unless the call has lasted 10 ms.
      if (runq_empty(p) && s.nmspinning.load() + s.npidle.load() > 0 &&
          now - p->sysmon_when < kForcePreemptNs)
        continue;
      PStatus expected = PStatus::syscall;
      if (p->status.compare_exchange_strong(expected, PStatus::idle)) {
        p->m = nullptr;
        n++;
        handoffp(p);
      }
    }
  }
  return n;
}

void* sysmon_main(void*) {
  Sched& s = sched();
  std::int64_t delay_us = 20;
  int idle = 0;
  std::int64_t last_scavenge = 0;
  for (;;) {
    if (idle == 0) {
      delay_us = 20;
    } else if (idle > 50) {
      delay_us *= 2;
    }
    if (delay_us > 10'000) delay_us = 10'000;
    struct timespec ts{0, delay_us * 1000};
    nanosleep(&ts, nullptr);
    if (s.frozen.load()) park_forever_m();
    std::int64_t now = base::nanotime();
    s.coarse_now.store(now, std::memory_order_relaxed);
    if (now - last_scavenge >= kScavengePeriodNs) {
      // Bounded, so that a big release does not hold up sysmon's other work:
      // at most 1,024 stacks per 100 ms.
      last_scavenge = now;
      stack_scavenge(kScavengeBatch);
    }
    // The collector's periodic cycle (a forced one every two minutes).
    std::int64_t gc_due = INT64_MAX;
    if (base::gc_sysmon_hook != nullptr && !s.gcwaiting.load()) gc_due = base::gc_sysmon_hook(now);
    if (s.gcwaiting.load() || s.npidle.load() == gomaxprocs_now()) {
      base::Guard<base::Lock> g(s.lock);
      if (s.gcwaiting.load() || s.npidle.load() == gomaxprocs_now()) {
        __atomic_store_n(&s.sysmon_wait, true, __ATOMIC_RELAXED);  // read unlocked: sysmon_wake_if_waiting
        s.sysmon_note.clear();
        s.coarse_now.store(0, std::memory_order_relaxed);
        s.lock.unlock();
        std::int64_t next = earliest_timer();
        std::int64_t sleep_ns = kMaxIdleSleepNs;
        if (next != INT64_MAX && next - now < sleep_ns) sleep_ns = next - now;
        if (gc_due != INT64_MAX && gc_due - now < sleep_ns) sleep_ns = gc_due - now;
        if (sleep_ns > 0) s.sysmon_note.sleep_for(sleep_ns);
        s.lock.lock();
        __atomic_store_n(&s.sysmon_wait, false, __ATOMIC_RELAXED);
        idle = 0;
        now = base::nanotime();
        s.coarse_now.store(now, std::memory_order_relaxed);
      }
    }
    int work = 0;
    std::int64_t next = earliest_timer();
    if (next <= now && s.npidle.load() > 0 && s.nmspinning.load() == 0 && !s.gcwaiting.load()) {
      startm(nullptr, false);
      work++;
    }
    if (!s.gcwaiting.load()) work += retake(now);
    idle = work > 0 ? 0 : idle + 1;
  }
  return nullptr;
}

}  // namespace

void sysmon_start() {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t th;
  if (pthread_create(&th, &attr, sysmon_main, nullptr) != 0) throw_("runtime: cannot start sysmon");
  pthread_attr_destroy(&attr);
}

void sysmon_wake_if_waiting() {
  Sched& s = sched();
  if (!__atomic_load_n(&s.sysmon_wait, __ATOMIC_ACQUIRE)) return;
  base::Guard<base::Lock> g(s.lock);
  if (s.sysmon_wait) {
    __atomic_store_n(&s.sysmon_wait, false, __ATOMIC_RELAXED);
    s.sysmon_note.wakeup();
  }
}

}  // namespace gort::detail
