// sched/m.h — M: an OS thread. Each M runs the scheduler on its own system
// stack, g0 (the thread's native stack), and switches from there into
// goroutines. Goroutines return to g0 with a Request that g0 carries out after
// the switch (Go's mcall): parking, yielding, exiting.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include "base/note.h"
#include "sched/context.h"
#include "sched/g.h"

namespace gort::detail {

struct P;
struct EhGlobals;

enum class RequestKind : std::uint8_t {
  park,             // gp waits; commit(gp, arg) runs on g0 and may cancel the park
  yield,            // gp runnable at the tail of the local queue
  preempt,          // gp runnable on the global queue (ran too long)
  stop,             // gp runnable at runnext; the P stops for stop-the-world
  exit,             // gp finished
  exitsyscall,      // gp left a blocking call and found no P
  systemstack,      // run fn(arg) on g0, then resume gp
};

struct Request {
  RequestKind kind;
  bool (*commit)(G* gp, void* arg) = nullptr;
  void* arg = nullptr;
  void (*fn)(void*) = nullptr;
};

struct M {
  std::int64_t id = 0;
  G* curg = nullptr;       // the goroutine this M runs (also while on g0 for systemstack)
  P* p = nullptr;          // the P it holds, if any
  P* nextp = nullptr;      // P handed over by startm
  P* oldp = nullptr;       // P held before entering a blocking call
  M* schedlink = nullptr;  // idle list
  bool spinning = false;   // looking for work without having found any
  bool on_g0 = true;       // executing on the system stack
  bool in_syscall = false;
  base::Note park;         // sleeps here when idle
  Context g0ctx = nullptr;  // g0's saved context while a goroutine runs
  void* g0_lo = nullptr;     // g0's stack (the thread's own) for ASan
  std::size_t g0_size = 0;
  void* g0_asan_fake_stack = nullptr;
  void* g0_tsan_fiber = nullptr;  // the thread's own TSan context (tsan_current_fiber)
  // A park handed straight to the next goroutine (see gopark): the parked
  // goroutine and its commit, finished by the goroutine that resumes.
  G* direct_prev = nullptr;
  bool direct_yield = false;  // prev yielded (runnable) rather than parked
  bool (*direct_commit)(G*, void*) = nullptr;
  void* direct_arg = nullptr;
  EhGlobals* eh_globals = nullptr;  // this thread's C++ exception state (eh_state.h)
  pthread_t thread{};
  pid_t tid = 0;
  void* sigaltstack_mem = nullptr;

  // Set while a stop-the-world signal holds this thread inside its handler;
  // the registers of the interrupted goroutine are kept for the collector.
  std::atomic<bool> suspended{false};
  // This thread's base::tls_stop_deferred (set in signal_setup_thread): a
  // stopper sets it before signalling, so that the thread stops itself at
  // the end of its current no-suspend stretch if the signal is slow to come.
  std::atomic<bool>* stop_request = nullptr;
  std::uintptr_t suspended_sp = 0;
  std::uintptr_t suspended_regs[32] = {};
  // The vector registers too: compilers (and libc's memcpy, with AVX and
  // AVX-512) move pointers through them. xmm0-15, then the upper halves of
  // ymm0-15, the upper 256 bits of zmm0-15 and zmm16-31, as far as the CPU
  // has them (sched/stw.cc, record_registers); unused words stay zero.
  static constexpr int kVectorWords = 32 + 32 + 64 + 128;
  std::uintptr_t suspended_xmm[kVectorWords] = {};

  // A marker asking this thread to stop so that it can scan the stack of
  // the goroutine it runs (gc/stackscan.cc). scan_state: 0 idle, 1 asked,
  // 2 suspended (registers in suspended_regs, goroutine in scan_g),
  // 3 declined (the signal landed where the thread may not stop).
  std::atomic<std::uint32_t> scan_state{0};
  G* scan_g = nullptr;

  // Dying (runtime/fatal.cc): Go's m.dying and m.throwing.
  int dying = 0;
  std::uint8_t throwing = 0;  // 0 none, 1 user fatal, 2 runtime throw

  bool idle_parked = false;   // in stopm (sched.lock)
  bool world_parked = false;  // in gcstopm (sched.lock)
};

// The M running on this thread (null on threads the runtime does not own).
// A goroutine may resume on another thread after any switch, so code that
// switched reads it again through getm() — never a cached TLS address.
inline thread_local M* tls_m = nullptr;
[[gnu::noinline]] M* getm();

}  // namespace gort::detail
