// sched/p.h — P: a processor token, GOMAXPROCS of them. An M must hold a P to
// run goroutines. The P carries everything that should be per-CPU and
// lock-free: the local run queue, runnext, the timer heap, free G and stack
// caches.
#pragma once

#include <atomic>
#include <cstdint>

#include "sched/g.h"
#include "sched/timer.h"

namespace gort::gc {
struct MCache;
}

namespace gort::detail {

enum class PStatus : std::uint32_t {
  idle = 0,     // on the idle list, no M
  running = 1,  // owned by an M running user code or the scheduler
  syscall = 2,  // its M is inside gort::blocking; sysmon may retake it
  gcstop = 3,   // stopped for stop-the-world
  dead = 4,     // beyond GOMAXPROCS
};

// How a P came to be stopped by stop-the-world, so that start_the_world can
// put it back the way it was.
enum class StopFrom : std::uint8_t { none, idle, syscall, safepoint, signal, stopper };

inline constexpr std::uint32_t kRunqSize = 256;

struct P {
  std::int32_t id = 0;
  std::atomic<PStatus> status{PStatus::idle};
  StopFrom stop_from = StopFrom::none;
  M* m = nullptr;   // owning M (running or syscall)
  P* link = nullptr;  // idle list
  // The M this idle P is being handed to (startm), until that M claims it
  // (claim_handed_p) or a stop of the world takes it back (revoke_handoffs).
  // Either side clears it with a CAS; the winner has the P (the M runs it, the
  // stop counts it stopped). A stop so never waits for a woken M that the OS
  // has not run yet (sched/README.md, "Hand-offs and stops").
  std::atomic<M*> handoff{nullptr};
  // Written only by the P's owner, read by sysmon without synchronisation:
  // relaxed atomics (Go's plain fields are a C++ data race). The owner
  // increments with a load and a store, not a locked add (tick()).
  std::atomic<std::uint32_t> schedtick{0};    // incremented on every schedule
  std::atomic<std::uint32_t> syscalltick{0};  // incremented on every blocking call

  // Safepoint flag: set by sysmon (ran > 10 ms) or by stop-the-world. Checked
  // at every safepoint of the goroutine running on this P.
  std::atomic<bool> preempt{false};

  // The local run queue: a 256-entry ring used as a deque. Its state is one
  // 64-bit word {head:16, tail:16, version:32} changed only by CAS, so the
  // owner can push and pop at both ends while thieves take half from the
  // front, and the version makes every stale CAS fail (no ABA). Slots are
  // written only by the owner. runnext holds the goroutine to run next (just
  // readied or just spawned) and may be stolen.
  alignas(64) std::atomic<std::uint64_t> runq_state{0};
  std::atomic<G*> runq[kRunqSize];
  std::atomic<G*> runnext{nullptr};

  TimerHeap timers;

  // Free lists (owner only).
  G* gfree = nullptr;
  std::int32_t gfree_count = 0;
  Stack stack_cache[64];
  std::int32_t stack_cache_count = 0;

  // sysmon bookkeeping
  std::uint32_t sysmon_tick = 0;
  std::int64_t sysmon_when = 0;
  bool retire = false;  // beyond GOMAXPROCS: give it up at the next schedule

  gc::MCache* mcache = nullptr;  // the collector's allocation cache (gc/mcache.h)
  // The write barrier's buffer of pointers to shade (gc/wbbuf.cc): filled
  // by this P's goroutines while the collector marks, emptied into the mark
  // queue when full or by a marker, which claims it (wb_claimed) and waits
  // while its owner is inside an append (wb_busy).
  std::atomic<std::uint32_t> wb_busy{0};
  std::atomic<std::uint32_t> wb_claimed{0};
  std::uint32_t wb_n = 0;
  std::uintptr_t wb_buf[256];
  // Time this P's fractional mark worker ran in the current cycle (gc/workers.cc).
  std::int64_t gc_fractional_ns = 0;
  // When an idle-priority mark worker here last found nothing to do
  // (nanotime; gc/workers.cc, find_worker). Relaxed atomic accesses.
  std::int64_t gc_idle_empty_at = 0;
  // A mark assist's grey objects during one of its no-suspend bursts
  // (gc/assist.cc). Off the goroutine's stack on purpose: dead object
  // addresses left in a stack buffer would be read by later conservative
  // scans (and held against the mark by gccheckmark).
  std::uintptr_t gc_assist_buf[256];
};

// Run queue operations (sched/runq.cc).
// runqput: next=true puts gp in runnext and the displaced runnext at the back
// (Go's order for readied goroutines); runqput_spawn puts a new goroutine in
// runnext and the displaced one at the *front*, so that spawn trees run depth
// first.
void runqput(P* p, G* gp, bool next);
void runqput_spawn(P* p, G* newg);
G* runqget(P* p);
// The goroutine runqget would return, if it has run before (has a saved
// context, so it can be switched to directly); otherwise null and no change.
G* runqget_started(P* p);
bool runq_empty(const P* p);
std::uint32_t runq_len(const P* p);
G* runqsteal(P* p, P* victim, bool steal_runnext);
// Moves every queued goroutine of p (and runnext) to the global queue.
void runq_drain_to_global(P* p);
// The same from another thread while p's owner keeps running (sysmon rescuing
// the queue of a P stuck in a goroutine that never reaches a safepoint).
// Returns how many moved.
int runq_rescue(P* victim);

// Adds one to a counter only its owner writes (P::schedtick, syscalltick).
inline void tick(std::atomic<std::uint32_t>& c) {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace gort::detail
