// sched/sched.h — the global scheduler state and the core operations every
// other part of sched/ uses: park/ready, safepoints, M and P hand-offs.
// The algorithm is described in sched/README.md.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/gc_hooks.h"
#include "base/lock.h"
#include "base/note.h"
#include "sched/g.h"
#include "sched/m.h"
#include "sched/p.h"

namespace gort::detail {

inline constexpr int kMaxProcs = 1024;

struct Sched {
  base::Lock lock;  // guards everything below not marked atomic

  // Idle Ms and Ps.
  M* midle = nullptr;
  std::int32_t nmidle = 0;
  std::int32_t mcount = 0;  // Ms created (sysmon is not an M)
  std::int32_t maxmcount = 10000;  // Go's sched.maxmcount (debug::set_max_threads)
  std::int64_t mnext = 0;
  P* pidle = nullptr;
  std::atomic<std::int32_t> npidle{0};
  std::atomic<std::int32_t> nmspinning{0};
  std::atomic<std::int32_t> nmsyscall{0};  // Ms inside gort::blocking

  // Global run queue (linked through G::schedlink).
  G* runq_head = nullptr;
  G* runq_tail = nullptr;
  std::atomic<std::int32_t> runq_size{0};

  // Free Gs beyond the per-P caches. Changed with `lock` held; gfget peeks
  // at it without the lock (is there anything to take?), so that read and
  // the stores are relaxed atomics (peek_gfree/set_gfree; plain moves on
  // x86-64), not a data race (found by TSan).
  G* gfree = nullptr;
  G* peek_gfree() const { return __atomic_load_n(&gfree, __ATOMIC_RELAXED); }
  void set_gfree(G* gp) { __atomic_store_n(&gfree, gp, __ATOMIC_RELAXED); }
  std::int32_t gfree_count = 0;

  std::atomic<std::int32_t> gomaxprocs{0};
  std::int32_t ncpu = 1;  // CPUs this process may run on (Go's ncpu), set at boot
  P* allp[kMaxProcs] = {};
  std::int32_t nallp = 0;  // Ps ever created

  // Stop-the-world.
  std::atomic<bool> gcwaiting{false};
  std::atomic<std::int32_t> stopwait{0};
  base::Note stopnote;
  std::atomic<std::uint32_t> world_epoch{0};  // bumped (and futex-woken) on restart
  std::atomic<bool> frozen{false};            // the world stays stopped for good
  std::atomic<bool> dying{false};             // frozen for a fatal report (not by main's return)

  // The deadline an idle M sleeps until to run the next timer (at most one M
  // keeps this watch; INT64_MAX: nobody does).
  std::atomic<std::int64_t> timer_watch_until{INT64_MAX};

  // sysmon moves goroutines between queues (rescue, timers) without being an
  // M: while it does, checkdead must not conclude that nothing can run.
  std::atomic<std::int32_t> sysmon_transit{0};
  std::atomic<bool> checkdead_deferred{false};

  // sysmon
  bool sysmon_wait = false;
  // nanotime as of sysmon's last tick; 0 while sysmon sleeps deeply. Parking
  // goroutines stamp waitsince from it (a load, not a clock read).
  std::atomic<std::int64_t> coarse_now{0};
  base::Note sysmon_note;

  std::atomic<std::int64_t> goidgen{0};
  std::atomic<std::int64_t> ngoroutines{0};  // not dead
  std::atomic<std::int64_t> nsystem{0};      // of which the runtime's own (is_system)

  // gort::run
  M* m0 = nullptr;
  std::atomic<bool> run_done{false};
  int exit_status = 0;
  bool booted = false;
};

extern Sched g_sched;
inline Sched& sched() { return g_sched; }

// ---- current state ----------------------------------------------------------
G* getg();  // the user goroutine this thread runs, or null on g0 / foreign threads
inline int gomaxprocs_now() { return sched().gomaxprocs.load(std::memory_order_relaxed); }

// ---- park / ready --------------------------------------------------------------
// Parks the calling goroutine. `commit` runs on g0 after the switch (so a waker
// can never see the goroutine before its registers are saved); returning false
// cancels the park and resumes the goroutine at once.
void gopark(bool (*commit)(G*, void*), void* arg, WaitReason reason);
// Makes a parked goroutine runnable: to runnext of the current P, or to the
// global queue when the caller holds no P.
void goready(G* gp);
// The same for work that should run beside the caller rather than after it
// (the collector's background goroutines): the global queue, and an idle P
// is woken for it.
void goready_elsewhere(G* gp);
// Helpers for commit functions.
bool park_unlock_commit(G* gp, void* lock);  // arg: a base::Lock*

// Safepoint: yields if sysmon or stop-the-world asked this P to.
void safepoint_slow();
inline void safepoint() {
  M* m = tls_m;
  if (m != nullptr && m->p != nullptr && m->p->preempt.load(std::memory_order_relaxed))
    safepoint_slow();
}

// Every switch of a goroutine to running goes through here: if a marker is
// scanning its stack right now (G::gcscan), wait until it is done.
//
// Stacks are scanned only while the collector marks, and the marking flag
// changes only with the world stopped, which every thread passes through. So
// the status is stored first and the flag read after it: a thread that reads
// "not marking" has not passed the pause that started the mark, and its store
// is visible (the pause drained it) before any scan begins; a thread that
// reads "marking" fences and then reads gcscan, against the marker's CAS of
// gcscan and read of the status (one of the two sees the other). When the
// collector is idle a switch costs one load and a branch more, not a fence.
inline void set_running(G* gp) {
  gp->status.store(GStatus::running, std::memory_order_release);
  if (base::gc_marking()) [[unlikely]] {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    while (gp->gcscan.load(std::memory_order_acquire) != 0) base::cpu_relax();
  }
}

// The collector's mark workers are chosen by the scheduler (Go's
// findRunnableGCWorker; gc/workers.cc sets this at boot). Called on g0 with
// p held, only while the collector marks: idle=false before the run queues
// (a dedicated or fractional worker this P owes), idle=true when the P has
// nothing else to run. Returns a runnable worker or null.
extern G* (*gc_find_worker)(P* p, bool idle);
// Whether grey work waits that no marker holds or will take: find_runnable
// asks it after giving its P back, before the M sleeps (Go's findrunnable
// checks for idle-priority GC work there too), so that work handed back by
// an assist that then parks is never left with every M asleep. Any thread,
// while the collector marks; gc/workers.cc sets it with gc_find_worker.
extern bool (*gc_idle_work_pending)();

// Switches to g0 and carries out `req`; returns when the goroutine next runs.
void mcall(Request& req);

// ---- scheduler internals ---------------------------------------------------------
void schedule_loop(M* m);       // the g0 loop of every M; returns only on M0 at exit
M* newm_struct();               // allocates and registers an M (no thread); Go's thread limit
// Go's checkmcount failing: prints `runtime: program exceeds N-thread limit`
// and throws `thread exhaustion` (sched/threads.cc). Call without s.lock held.
[[noreturn]] void thread_exhaustion(std::int32_t limit);
void record_g0_stack(M* m);     // the calling thread's stack bounds (ASan) and TSan context
void wakep();                   // starts a spinning M if there is an idle P
void startm(P* p, bool spinning);
void handoffp(P* p);            // P without an M: give it to an M or make it idle
void acquirep(M* m, P* p);
void hand_p(M* m, P* p);        // gives idle P p (or none) to M m, to claim when it runs
void claim_handed_p(M* m);      // takes m->nextp unless a stop took the hand-off back
// Tests only: called by an M woken with a P, before it claims it (a test
// holds the M there to play an OS slow to run it). Null otherwise.
extern std::atomic<void (*)(M*)> g_test_before_claim;
P* releasep(M* m);
P* pidleget();                  // sched.lock held
void pidleput(P* p);            // sched.lock held
void globrunqput(G* gp);        // sched.lock held
void globrunqput_batch(G* head, G* tail, std::int32_t n);  // sched.lock held
G* globrunqget(P* p, std::int32_t max);  // sched.lock held
void checkdead();               // sched.lock held
void gcstopm(M* m);             // stops this M's P for stop-the-world
void signal_setup_thread(M* m);  // alternate signal stack for a new M
// Parks an M without a P until startm hands it one, or until `deadline`
// (nanotime; INT64_MAX: no limit) when it then tries to take an idle P itself.
void stopm(M* m, std::int64_t deadline = INT64_MAX);
void retirep(M* m);             // gives up a P beyond GOMAXPROCS
void main_exited(M* m);         // goroutine 1 returned: freeze the world, end gort::run
G* exitsyscall0(M* m, G* gp);   // g0 half of a blocking call's return
[[noreturn]] void park_forever_m();  // an M with nothing left to do (world frozen)

// Marks the calling goroutine as the runtime's own (tracebacks show it at
// level 2 only; gort::num_goroutine does not count it).
void become_system_goroutine();

// Allocation of G structures (sched/newproc.cc).
G* gfget(P* p);
void gfput(P* p, G* gp);
void allgs_add(G* gp);
std::int64_t allgs_snapshot(G** out, std::int64_t max);
// Runs gp's function inside its recovery boundary (runtime/panic.cc).
void run_goroutine_body(G* gp);
// Ends the running goroutine: destroys its function, switches to g0 for good.
[[noreturn]] void goroutine_finish();
// Calls fn for every goroutine ever created, in creation order (allgs lock held).
void allgs_each(void (*fn)(G*, void*), void* ctx);

// sysmon (sched/sysmon.cc)
void sysmon_start();
void sysmon_wake_if_waiting();

}  // namespace gort::detail
