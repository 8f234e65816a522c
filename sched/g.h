// sched/g.h — G: a goroutine.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "sched/context.h"
#include "sched/stack.h"

namespace gort::detail {

struct M;
struct P;
struct DeferEntry;  // gort/panic.h
struct Panic;       // runtime/panic.h

// Status numbers are Go's (traceback prints them by name).
enum class GStatus : std::uint32_t {
  idle = 0,      // just allocated, never run
  runnable = 1,  // on a run queue
  running = 2,   // owns an M and a P, executing user code
  syscall = 3,   // inside gort::blocking: owns an M, not a P
  waiting = 4,   // parked; wait_reason says why
  dead = 6,      // finished; on a free list
};

// Why a waiting goroutine is parked: printed in tracebacks as Go prints it.
enum class WaitReason : std::uint8_t {
  zero,
  chan_receive,
  chan_send,
  chan_receive_nil_chan,
  chan_send_nil_chan,
  select,
  select_no_cases,
  sleep,
  semacquire,
  sync_cond_wait,
  stop_the_world,
  preempted,
  gc_worker_idle,
  gc_assist_wait,
  gc_sweep_wait,
  finalizer_wait,
  force_gc_idle,
};
const char* wait_reason_string(WaitReason r);
const char* status_string(GStatus s);

struct G {
  Context ctx = nullptr;  // saved registers while not running
  Stack stack;            // allocated when first run, freed when it exits
  std::int64_t id = 0;
  std::atomic<GStatus> status{GStatus::idle};
  WaitReason wait_reason = WaitReason::zero;
  G* schedlink = nullptr;  // global run queue and free lists
  M* m = nullptr;          // the M running it, if any
  std::uintptr_t gopc = 0;  // PC of the gort::go call that created it
  std::int64_t parent_id = 0;
  // When it parked (nanotime), from sysmon's coarse clock; 0 when unknown.
  // Tracebacks print ", N minutes" from it.
  std::int64_t waitsince = 0;

  // The entry function: constructed in fn_buf when it fits, else on the heap.
  void (*invoke)(void*) = nullptr;
  void (*destroy)(void*) = nullptr;
  void* fn = nullptr;
  bool fn_on_heap = false;
  std::uint32_t fn_size = 0;  // bytes of the entry function object (scanned by the collector)
  alignas(16) unsigned char fn_buf[64];

  // select: set to 1 by the case that wins; param is the winning sudog.
  std::atomic<std::uint32_t> select_done{0};
  void* param = nullptr;

  bool is_main = false;
  bool is_system = false;  // a runtime goroutine: tracebacks show it at level 2 only
  void* asan_fake_stack = nullptr;  // see asan_start_switch
  void* tsan_fiber = nullptr;       // its TSan fiber while it has a context (tsan_create_fiber)

  // panic / defer / recover (runtime/panic.cc).
  DeferEntry* defers = nullptr;         // the defer chain, newest first
  Panic* panic = nullptr;               // active panics, newest first
  DeferEntry* recover_target = nullptr;  // where a recovery unwinds to
  bool goexiting = false;               // gort::goexit is unwinding this goroutine
  bool goexited = false;                // ended by gort::goexit (main: not a return)
  std::uintptr_t entry_sp = 0;          // run_goroutine_body's frame: where goexit's unwind stops
  // A fault that became a panic (Go's g.sig, sigcode0, sigcode1, sigpc).
  int sig = 0;
  std::uint64_t sigcode0 = 0, sigcode1 = 0, sigpc = 0;
  // Its C++ exception-handling state while it is switched out (eh_state.h).
  void* eh_caught = nullptr;
  unsigned int eh_uncaught = 0;
  // The collector's stack scan (gc/stackscan.cc): gcscan is 1 while a marker
  // scans this goroutine's stack, which must not run meanwhile (execute and
  // every other switch to running wait for it: see gc_scan_wait).
  // gcscan_gen is the collection whose scan is done.
  std::atomic<std::uint32_t> gcscan{0};
  std::uint32_t gcscan_gen = 0;
  std::uintptr_t gcscan_sp = 0;      // where that scan began
  bool gcscan_cleared = false;       // and the stack below was cleared (gc/deadstack.h)
  // gccheckmark's record of that scan (gc/deadstack.h): the words of
  // [gcscan_sp, stack.hi) that held heap addresses, as (address, value)
  // pairs in address order.
  bool gcscan_recorded = false;
  std::uintptr_t* gcscan_pairs = nullptr;
  std::size_t gcscan_npairs = 0, gcscan_pairs_cap = 0;
  // Mark assist debt, in bytes of scan work owed (gc/pacer.cc), for cycle
  // gc_assist_gen.
  std::int64_t gc_assist_debt = 0;
  std::uint32_t gc_assist_gen = 0;
  // Where it entered a blocking call: tracebacks of [syscall] goroutines start here.
  std::uintptr_t syscall_pc = 0, syscall_sp = 0, syscall_bp = 0;
};

// G::ctx is written by the M that switches the goroutine out (or in, first
// time; null when it exits) and read, as a hint ("has it run before?"), by
// a goroutine peeking at its P's runnext or run queue before claiming that G
// with a CAS (gopark, yield's runqget_started). The G may be running on
// another M meanwhile (a thief took it), which stores its ctx: both sides are
// relaxed atomics, the same plain moves on x86-64. Reads by whoever owns the
// G (after the claim, or with the status acquired) stay plain.
inline void set_ctx(G* gp, Context c) { __atomic_store_n(&gp->ctx, c, __ATOMIC_RELAXED); }
inline bool peek_has_run(const G* gp) { return __atomic_load_n(&gp->ctx, __ATOMIC_RELAXED) != nullptr; }

// G::m likewise: written by the M that starts or stops running the goroutine
// (execute, switch_direct, detach, exitsyscall0), and read by a marker that
// saw the status `running` and wants the thread to stop for the stack scan
// (gc/stackscan.cc, scan_running). That read is not ordered with the store:
// set_running publishes the status before gp->m is set, and detach clears
// gp->m after publishing the new status, so the marker may see null, the
// previous M or the new one; it validates what it finds (m->scan_g == gp,
// status still running, with the thread held) and retries otherwise. The
// value is a hint, but the accesses must not be a data race (found by TSan):
// relaxed atomics on the racing sides, the same plain moves on x86-64.
inline void set_g_m(G* gp, M* m) { __atomic_store_n(&gp->m, m, __ATOMIC_RELAXED); }
inline M* peek_g_m(const G* gp) { return __atomic_load_n(&gp->m, __ATOMIC_RELAXED); }

}  // namespace gort::detail
