// base/lock.h — the runtime's internal mutex (Go's lock_futex): a CAS fast path,
// a short spin, then a futex sleep. States: 0 unlocked, 1 locked, 2 locked with
// sleepers. Used for run-queue, channel, timer and scheduler state, always held
// briefly and never across a goroutine switch except to be released on g0 by
// the same thread right after a park.
//
// lock_depth() counts the runtime locks this thread holds. The stop-the-world
// signal handler never suspends a thread with lock_depth() > 0, so a stopped
// world never waits on a lock held by a suspended thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace gort::base {

inline thread_local int tls_lock_depth = 0;

// Under ThreadSanitizer the counters below are touched only through these
// out-of-line, uninstrumented accessors. GCC's TSan instrumentation computes
// a thread-local's address from the thread pointer (mov %fs:0) once per
// function and passes it to __tsan_read/__tsan_write; the load/store itself
// still goes through %fs. In a function that switches goroutines in between
// (a yield, a park) and so resumes on another OS thread, the address given to
// TSan is the *old* thread's TLS, and TSan reports a race on "TLS of <other
// thread>" that does not exist (docs/SANITIZERS.md). A function of its own
// computes the address afresh on every call, and not instrumenting it is no
// loss: only the thread itself and its signal handler touch these counters.
// Without TSan they are plain inline accesses, exactly as before.
#if defined(__SANITIZE_THREAD__)
#define GORT_TLS_ACCESSOR [[gnu::noinline]] __attribute__((no_sanitize("thread")))
#else
#define GORT_TLS_ACCESSOR
#endif
GORT_TLS_ACCESSOR inline int lock_depth() { return tls_lock_depth; }
GORT_TLS_ACCESSOR inline void lock_depth_inc() { tls_lock_depth++; }
GORT_TLS_ACCESSOR inline int lock_depth_dec() { return --tls_lock_depth; }

// Marks a stretch of runtime code that must not be suspended by a signal
// (counts as holding a lock).
//
// A stop signal that finds the thread inside such a stretch leaves
// tls_stop_deferred set; the stretch's end then joins the stop at once
// (stop_deferred_now), so a stop of the world waits for the end of the
// stretch rather than for the stopper's next round of signals.
//
// The stopper sets the flag too, from its own thread, 10 us before it
// sends the signal (sched/stw.cc, through M::stop_request): a signal takes
// tens of microseconds to arrive in a VM (an inter-processor interrupt),
// while a goroutine that allocates or takes a runtime lock reaches the end
// of a stretch within a few microseconds, sees the flag and joins the stop
// there (stop_deferred_now). Go's stop does the same with its cooperative
// preemption request (stackguard0), noticed at the next function call. A
// flag left set when the world has restarted costs one call that finds no
// stop to join. Atomic: written by another thread (relaxed: a plain move
// on x86-64).
inline thread_local std::atomic<bool> tls_stop_deferred{false};
GORT_TLS_ACCESSOR inline bool stop_deferred() { return tls_stop_deferred.load(std::memory_order_relaxed); }
GORT_TLS_ACCESSOR inline std::atomic<bool>* stop_deferred_flag() { return &tls_stop_deferred; }
// Joins the stop the flag asked for: at the end of a stretch the thread is
// at a function call, so it stops there by calling the scheduler's
// g_stop_here (sched/stw.cc sets it before it installs the stop signal's
// handler, the only other writer of the flag) rather than by signalling
// itself. A self-signal took 10-50 us to arrive in this project's VM,
// though the flag was seen within 3 us (debug timestamps).
[[gnu::noinline]] void stop_deferred_now();
inline void (*g_stop_here)() = nullptr;

struct NoSuspend {
  NoSuspend() {
    lock_depth_inc();
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
  ~NoSuspend() {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (lock_depth_dec() == 0 && stop_deferred()) [[unlikely]]
      stop_deferred_now();
  }
};

// The lock algorithm over a bare word, so that locks can live inside public
// types (detail::Sema, Cond) whose headers must not include this file.
void lock_word_slow(std::atomic<std::uint32_t>& key);
void unlock_word_slow(std::atomic<std::uint32_t>& key);

inline void lock_word(std::atomic<std::uint32_t>& key) {
  lock_depth_inc();
  std::atomic_signal_fence(std::memory_order_seq_cst);
  std::uint32_t expected = 0;
  if (!key.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                   std::memory_order_relaxed))
    lock_word_slow(key);
}

inline void unlock_word(std::atomic<std::uint32_t>& key) {
  if (key.exchange(0, std::memory_order_release) == 2) unlock_word_slow(key);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  if (lock_depth_dec() == 0 && stop_deferred()) [[unlikely]]
    stop_deferred_now();
}

class Lock {
 public:
  void lock() { lock_word(key_); }
  void unlock() { unlock_word(key_); }

 private:
  std::atomic<std::uint32_t> key_{0};
};

template <class L>
class Guard {
 public:
  explicit Guard(L& l) : l_(l) { l_.lock(); }
  ~Guard() { l_.unlock(); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  L& l_;
};

inline void cpu_relax() { __builtin_ia32_pause(); }

}  // namespace gort::base
