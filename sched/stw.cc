#include "sched/stw.h"

#include <sched.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <climits>
#include <cstring>

#include "base/clock.h"
#include "base/print.h"
#include "base/restart.h"
#include <cpuid.h>
#include "gort/sched.h"
#include "gort/sync.h"
#include "base/fail.h"
#include "sched/sched.h"
#include "trace/trace.h"

namespace gort::detail {

namespace {

// Fatal reports run on it (symbolizing needs room), so it is generous; it is
// mapped lazily, so an M that never reports touches one page or two.
constexpr std::size_t kSigStackSize = 256 * 1024;

// Set while this thread runs stop_here (below), where the stop signal's
// handler must not stop it.
thread_local bool tls_in_stop_here = false;

// The Ms of the Ps still running (not the stopper's): f(m) for each.
template <class F>
void for_each_running_m(M* self, F f) {
  Sched& s = sched();
  for (std::int32_t i = 0, n = gomaxprocs_now(); i < n; i++) {
    P* p = s.allp[i];
    if (p->status.load(std::memory_order_acquire) != PStatus::running) continue;
    M* m = __atomic_load_n(&p->m, __ATOMIC_ACQUIRE);
    if (m == nullptr || m == self || m->suspended.load(std::memory_order_relaxed)) continue;
    f(m);
  }
}

// Takes back, for the stop under way, every idle P that startm has handed to
// an M which has not claimed it yet (P::handoff): that M may be woken but not
// yet running, and in a VM a woken thread can wait milliseconds for a CPU
// (bench/README.md, "Session 24"). The M finds its hand-off gone and parks;
// the P is counted stopped as an idle one (start the world gives it out
// again). Lock-free: it races only with the M's claim, by CAS.
void revoke_handoffs(Sched& s) {
  for (std::int32_t i = 0, n = gomaxprocs_now(); i < n; i++) {
    P* p = s.allp[i];
    M* to = p->handoff.load(std::memory_order_acquire);
    if (to == nullptr || !p->handoff.compare_exchange_strong(to, nullptr, std::memory_order_acq_rel)) continue;
    p->stop_from = StopFrom::idle;
    p->status.store(PStatus::gcstop, std::memory_order_release);
    if (s.stopwait.fetch_sub(1, std::memory_order_acq_rel) == 1) s.stopnote.wakeup();
  }
}

// The cooperative request (base/lock.h, tls_stop_deferred): the thread's
// next end of a no-suspend stretch or runtime lock joins the stop
// (stop_here).
void request_stops(M* self) {
  for_each_running_m(self, [](M* m) {
    if (std::atomic<bool>* flag = m->stop_request; flag != nullptr) flag->store(true, std::memory_order_relaxed);
  });
}

void send_stop_signals(M* self) {
  for_each_running_m(self, [](M* m) { pthread_kill(m->thread, SIGURG); });
}

// Where the XSAVE (standard format, as in signal frames) components that hold
// vector register bits live: YMM_Hi128 (bit 2), ZMM_Hi256 (6), Hi16_ZMM (7).
// Offsets and sizes from CPUID leaf 0xD, read once at boot (not in the
// handler); a component the CPU lacks keeps size 0.
struct XsaveComponent {
  int bit;
  std::size_t offset, size;
};
XsaveComponent g_xsave_parts[3] = {{2, 0, 0}, {6, 0, 0}, {7, 0, 0}};

void read_xsave_layout() {
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid_max(0, nullptr) < 0xD) return;
  for (XsaveComponent& c : g_xsave_parts) {
    if (__get_cpuid_count(0xD, static_cast<unsigned>(c.bit), &eax, &ebx, &ecx, &edx) && eax != 0) {
      c.size = eax;
      c.offset = ebx;
    }
  }
}

// The vector registers from the signal frame's FXSAVE/XSAVE area: xmm0-15
// from the legacy part; if the kernel wrote an extended frame (the software
// bytes at offset 464 carry FP_XSTATE_MAGIC1), the parts of the AVX and
// AVX-512 registers the frame holds.
void record_vector_registers(M* m, const _libc_fpstate* fp) {
  auto* out = reinterpret_cast<unsigned char*>(m->suspended_xmm);
  const auto* area = reinterpret_cast<const unsigned char*>(fp);
  static_assert(sizeof(fp->_xmm) == 32 * sizeof(std::uintptr_t));
  __builtin_memcpy(out, fp->_xmm, sizeof(fp->_xmm));
  std::size_t at = sizeof(fp->_xmm);
  std::uint32_t magic1, xstate_size;
  std::uint64_t xfeatures;
  __builtin_memcpy(&magic1, area + 464, 4);
  __builtin_memcpy(&xfeatures, area + 464 + 8, 8);
  __builtin_memcpy(&xstate_size, area + 464 + 16, 4);
  if (magic1 != 0x46505853u) return;  // FP_XSTATE_MAGIC1: no extended state
  for (const XsaveComponent& c : g_xsave_parts) {
    if (c.size != 0 && (xfeatures >> c.bit & 1) != 0 && c.offset + c.size <= xstate_size &&
        at + c.size <= sizeof(m->suspended_xmm))
      __builtin_memcpy(out + at, area + c.offset, c.size);
    at += c.size;
  }
}

// Keeps the interrupted goroutine's registers for the collector, moving its
// pc back to the start of a restartable sequence it is half-way through.
void record_registers(M* m, ucontext_t* uc) {
  static_assert(NGREG <= 32);
  auto pc = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  std::uintptr_t restart = base::restart_pc(pc);
  if (restart != pc) uc->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(restart);
  for (int i = 0; i < NGREG; i++)
    m->suspended_regs[i] = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[i]);
  m->suspended_sp = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
  if (uc->uc_mcontext.fpregs != nullptr) record_vector_registers(m, uc->uc_mcontext.fpregs);
}

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer defers an asynchronous signal: its own handler only notes
// it, and calls ours later, when the thread next passes through one of its
// interceptors (or at once if the thread is in a blocking libc call, and then
// on the alternate signal stack as usual). A deferred call gets the ucontext
// of the moment the signal *arrived*: the thread has run on since, so those
// registers and that stack pointer are stale. Scanning from the stale sp
// would miss the frames pushed since (the collector would free what they
// point to) and clear_below_scan would zero them. A deferred call runs on
// the interrupted stack, as an ordinary call from the interceptor; the thread
// is then at a function call, where no vector register and no caller-saved
// register holds anything live. So its stack pointer and callee-saved
// registers *here* describe it exactly, and it is never inside a restartable
// sequence (those are inline asm without calls).
bool tsan_deferred_call(M* m) {
  auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  auto lo = reinterpret_cast<std::uintptr_t>(m->sigaltstack_mem);
  return !(lo != 0 && here >= lo && here < lo + kSigStackSize);
}
#endif

// Records the state of a thread stopped at a function call (a TSan-deferred
// handler, see above, or stop_here): inlined into the stopping function,
// so its sp is below every frame that stays live while it waits. At a call
// no caller-saved or vector register holds anything live; the callee-saved
// ones are taken as they are (the caller's values, if moved, are in frames
// above sp).
[[gnu::always_inline]] inline void record_registers_here(M* m) {
  std::memset(m->suspended_regs, 0, sizeof m->suspended_regs);
  std::memset(m->suspended_xmm, 0, sizeof m->suspended_xmm);
  std::uintptr_t sp, bx, bp, r12, r13, r14, r15;
  asm volatile("mov %%rsp, %0\n\tmov %%rbx, %1\n\tmov %%rbp, %2\n\tmov %%r12, %3\n\t"
               "mov %%r13, %4\n\tmov %%r14, %5\n\tmov %%r15, %6"
               : "=m"(sp), "=m"(bx), "=m"(bp), "=m"(r12), "=m"(r13), "=m"(r14), "=m"(r15));
  m->suspended_regs[REG_RSP] = sp;
  m->suspended_regs[REG_RBX] = bx;
  m->suspended_regs[REG_RBP] = bp;
  m->suspended_regs[REG_R12] = r12;
  m->suspended_regs[REG_R13] = r13;
  m->suspended_regs[REG_R14] = r14;
  m->suspended_regs[REG_R15] = r15;
  m->suspended_sp = sp;
}

// The interrupted state of this thread, for the collector. Inlined (under
// TSan, record_registers_here must run in the handler's own frame).
[[gnu::always_inline]] inline void record_interrupted(M* m, ucontext_t* uc) {
#if defined(__SANITIZE_THREAD__)
  if (tsan_deferred_call(m)) {
    record_registers_here(m);
    return;
  }
#endif
  record_registers(m, uc);
}

// Whether this thread may be stopped where it is: in user code on a
// goroutine. On g0 or holding a runtime lock it reaches the scheduler within
// a bounded number of steps and stops there; in a blocking call it has
// given its P up.
bool may_stop_here(M* m) {
  return m != nullptr && !m->on_g0 && base::tls_lock_depth == 0 && m->p != nullptr && !m->in_syscall &&
         m->curg != nullptr;
}

// The rest of a stop, once p has been taken (running -> gcstop) and the
// registers recorded: count this P as stopped and wait for the restart.
// Shared by the signal handler and stop_here. Inlined: code called after
// the registers are recorded runs below the recorded sp.
[[gnu::always_inline]] inline void wait_stopped(Sched& s, M* m, P* p) {
  p->stop_from = StopFrom::signal;
  m->suspended.store(true, std::memory_order_release);
  std::uint32_t epoch = s.world_epoch.load(std::memory_order_acquire);
  if (s.stopwait.fetch_sub(1, std::memory_order_acq_rel) == 1) s.stopnote.wakeup();
  while (s.world_epoch.load(std::memory_order_acquire) == epoch) base::futex_wait(&s.world_epoch, epoch);
  if (s.frozen.load(std::memory_order_acquire)) park_forever_m();
  m->suspended.store(false, std::memory_order_release);
}

void on_sigurg(int, siginfo_t*, void* ucv) {
  int saved_errno = errno;
  Sched& s = sched();
  M* m = tls_m;
  auto* uc = static_cast<ucontext_t*>(ucv);
  // Not inside stop_here, which joins the stop itself (see there).
  bool may_stop = may_stop_here(m) && !tls_in_stop_here;
  bool stopped = false;
  // Inside a no-suspend stretch of a goroutine: stop as soon as it ends.
  if (!may_stop && m != nullptr && base::tls_lock_depth != 0 && !m->on_g0 && m->curg != nullptr &&
      s.gcwaiting.load(std::memory_order_acquire))
    base::tls_stop_deferred.store(true, std::memory_order_relaxed);
  if (may_stop && s.gcwaiting.load(std::memory_order_acquire)) {
    P* p = m->p;
    PStatus expected = PStatus::running;
    if (p->status.compare_exchange_strong(expected, PStatus::gcstop, std::memory_order_acq_rel)) {
      base::tls_stop_deferred.store(false, std::memory_order_relaxed);  // this stop is joined
      record_interrupted(m, uc);
      wait_stopped(s, m, p);
      stopped = true;
    }
  }
  // A marker wants to scan the running goroutine's stack (gc/stackscan.cc).
  // Unlike a stop of the world, this may catch a thread holding a runtime
  // lock or in a no-suspend stretch: while it holds this thread, the marker
  // only reads memory and takes no lock (and allocation runs inside
  // no-suspend stretches almost all the time, so declining there would
  // starve the scan of an allocating goroutine).
  bool may_scan = m != nullptr && !m->on_g0 && m->p != nullptr && !m->in_syscall &&
                  m->curg != nullptr;
  if (m != nullptr && m->scan_state.load(std::memory_order_acquire) == 1) {
    if (may_scan && !stopped) {
      record_interrupted(m, uc);
      m->scan_g = m->curg;
      // The marker may have given up meanwhile (scan_state back to 0): then
      // there is nobody to wait for.
      std::uint32_t asked = 1;
      if (m->scan_state.compare_exchange_strong(asked, 2, std::memory_order_acq_rel))
        while (m->scan_state.load(std::memory_order_acquire) == 2) base::futex_wait(&m->scan_state, 2);
    } else {
      std::uint32_t asked = 1;
      m->scan_state.compare_exchange_strong(asked, 3, std::memory_order_acq_rel);
    }
  }
  errno = saved_errno;
}

// base::g_stop_here: a goroutine that saw the stop flag at the end of a
// no-suspend stretch or runtime lock joins the stop here, at a function
// call, as the signal handler would have (the same conditions and the same
// wait), without a signal.
//
// The stop signal may still arrive while this runs (signals are not
// blocked here). Its handler must then leave the stop to this function: had
// it stopped the thread between our look at gcwaiting and our CAS, and the
// world restarted, our CAS would take the P again for a stop that is over,
// leaving it stopped and uncounted, and the next stop would wait for it
// forever (TSan's slow build hung so in StopTheWorld.WhileGoroutinesCommunicate;
// debug counters showed the decrement landing on a finished stop).
[[gnu::noinline]] void stop_here() {
  Sched& s = sched();
  M* m = tls_m;
  if (!may_stop_here(m) || !s.gcwaiting.load(std::memory_order_acquire)) return;
  tls_in_stop_here = true;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  P* p = m->p;
  PStatus expected = PStatus::running;
  if (!s.gcwaiting.load(std::memory_order_acquire) ||
      !p->status.compare_exchange_strong(expected, PStatus::gcstop, std::memory_order_acq_rel)) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    tls_in_stop_here = false;
    return;
  }
  record_registers_here(m);
  wait_stopped(s, m, p);  // restarted as a signal's stop is
  std::atomic_signal_fence(std::memory_order_seq_cst);
  tls_in_stop_here = false;
}

// Serialises stop-the-world requests from goroutines.
gort::Mutex& world_mutex() {
  static gort::Mutex* mu = new gort::Mutex();
  return *mu;
}

}  // namespace

void stw_mutex_lock() { world_mutex().lock(); }
void stw_mutex_unlock() { world_mutex().unlock(); }

void stw_install_signal_handler() {
  base::restart_ranges_init();
  base::g_stop_here = stop_here;
  read_xsave_layout();
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigurg;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigfillset(&sa.sa_mask);
  sigaction(SIGURG, &sa, nullptr);
}

void signal_setup_thread(M* m) {
  void* mem = mmap(nullptr, kSigStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
  if (mem == MAP_FAILED) throw_("runtime: cannot allocate signal stack");
  stack_t ss;
  ss.ss_sp = mem;
  ss.ss_size = kSigStackSize;
  ss.ss_flags = 0;
  sigaltstack(&ss, nullptr);
  m->sigaltstack_mem = mem;
  m->stop_request = base::stop_deferred_flag();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGURG);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

[[noreturn]] void flush_and_exit(int code);

std::int64_t stw_stop(M* m) {
  Sched& s = sched();
  std::int64_t t0 = base::nanotime();
  P* mine = m->p;
  {
    base::Guard<base::Lock> g(s.lock);
    // Another stopper got there first (stoppers on g0 — the collector, the
    // end of main — do not share the goroutines' world mutex): stop with
    // the others until that world restarts, then try again.
    while (s.gcwaiting.load(std::memory_order_acquire)) {
      s.lock.unlock();
      gcstopm(m);
      if (s.frozen.load(std::memory_order_acquire)) {
        // That stop was the end of main, for good. This M cannot get back
        // to its scheduler loop from here: if it is the thread that called
        // gort::run, end the process with main's status, as main_exited
        // does when it cannot reach that thread.
        if (m == s.m0 && !s.dying.load()) flush_and_exit(s.exit_status);
        park_forever_m();
      }
      s.lock.lock();
    }
    std::int32_t n = gomaxprocs_now();
    s.stopwait.store(n, std::memory_order_relaxed);
    s.gcwaiting.store(true, std::memory_order_seq_cst);
    mine->status.store(PStatus::gcstop, std::memory_order_release);
    mine->stop_from = StopFrom::stopper;
    s.stopwait.fetch_sub(1);
    for (std::int32_t i = 0; i < n; i++) {
      P* p = s.allp[i];
      if (p == mine) continue;
      PStatus st = p->status.load(std::memory_order_acquire);
      if (st == PStatus::running) {
        p->preempt.store(true, std::memory_order_relaxed);
      } else if (st == PStatus::syscall) {
        if (p->status.compare_exchange_strong(st, PStatus::gcstop)) {
          p->stop_from = StopFrom::syscall;
          s.stopwait.fetch_sub(1);
        }
      }
    }
    while (P* p = pidleget()) {
      p->status.store(PStatus::gcstop, std::memory_order_release);
      p->stop_from = StopFrom::idle;
      s.stopwait.fetch_sub(1);
    }
  }
  trace::stw_begin();
  // Wait for the rest. Ask first (request_stops), signal after kAskNs: a
  // goroutine in runtime code (allocating, in a write barrier, taking a
  // runtime lock) sees the request within a few microseconds and joins the
  // stop by a call (stop_here), while a signal is slow in a VM: sending one
  // to a thread on another CPU is an inter-processor interrupt, and even a
  // thread's signal to itself took 10-50 µs to arrive here (debug
  // timestamps). gc-latency's mark termination (stopped from a mark
  // worker's thread) waited ~40 µs for its mutator in most cycles, all of it
  // in the signal; with the request and the call, 3-11 µs in all (gctrace).
  // A goroutine in plain C++ code waits kAskNs longer for its signal.
  //
  // kAskNs was 10 µs until session 23. Debug timestamps then showed what
  // gc-latency's slow stops (30-110 µs) waited for: its mutator inside a
  // page fault, the first write to a fresh heap page (tens of µs in this
  // VM), which no request and no signal interrupts. The fault over, it
  // joined by a call; but a signal sent meanwhile had the stopper in
  // pthread_kill for 30-40 µs (the inter-processor interrupt), so the stop
  // ended 30-40 µs after the join. With 40 µs, gc_pause_max over ten runs
  // went from a median of 0.13 ms to 0.065 ms (bench/README.md, "Session
  // 23"); a goroutine that never enters the runtime is stopped 30 µs later.
  //
  // Spin at first: sleeping would add a futex wake-up (a cross-CPU
  // interrupt again) to every stop. After kSpinNs, give the CPU away
  // between looks (sched_yield): with more Ps than CPUs the thread we wait
  // for may be waiting for this very CPU (GOMAXPROCS=4 on two CPUs spent a
  // fifth of its time here, by perf). Past kYieldNs (the first signal sent
  // and 20 µs for it to land) the wait is a slow one: sleep on the note the
  // last P to stop wakes, at most kLookNs or until the next signal is due,
  // as Go's stopper sleeps 100 µs at a time, so that this thread holds no
  // CPU the one it waits for could use. Each sleep ends within kLookNs so
  // that revoke_handoffs still runs that often. Sleeping from 20 µs on made
  // gc-latency's gc_pause_max worse (0.092 against 0.074 ms, median of 7);
  // from 60 µs it is unchanged (0.076 against 0.083 ms, median of 9). It
  // does not shorten the multi-millisecond stops seen at 2 GB live: those
  // wait for a thread its virtual CPU is not running (sched/README.md,
  // "Hand-offs and stops"; bench/README.md, "Session 26").
  //
  // Re-signal after kResignalNs, then at twice the interval each time, up to
  // kMaxResignalNs. A thread that took a signal where it could not stop (in
  // a no-suspend stretch, on g0) joins by itself at the end of that
  // stretch, so a re-signal only covers a signal that went astray; at a
  // fixed 50 µs the signals kept a sleeping stopper busy for 30% of a 200 ms
  // wait (`StopTheWorld.ALongWaitDoesNotHoldTheStoppersCpu`).
  constexpr std::int64_t kAskNs = 40000, kSpinNs = 5000, kYieldNs = 60000, kResignalNs = 50000,
                         kMaxResignalNs = 1000000, kLookNs = 100000;
  request_stops(m);
  std::int64_t waited_from = base::nanotime(), next_signal = waited_from + kAskNs, resignal = kResignalNs;
  while (s.stopwait.load(std::memory_order_acquire) > 0) {
    // On every look, not once: a P can be handed to an M after the scan
    // above (stw_start sets it idle under the lock, then calls startm
    // without it).
    revoke_handoffs(s);
    std::int64_t now = base::nanotime();
    if (now >= next_signal) {
      send_stop_signals(m);
      next_signal = now + resignal;
      resignal = std::min(2 * resignal, kMaxResignalNs);
    }
    if (now - waited_from < kSpinNs) {
      for (int i = 0; i < 64; i++) base::cpu_relax();
    } else if (now - waited_from < kYieldNs) {
      sched_yield();
    } else {
      // The note is re-armed before each sleep and stopwait then read by a
      // read-modify-write: a last P whose decrement comes after that read
      // in stopwait's order sees the clear and wakes us; one whose
      // decrement came before it is seen here, and we do not sleep. So a
      // wakeup() the previous stop's last P makes late is harmless.
      s.stopnote.clear();
      if (s.stopwait.fetch_add(0, std::memory_order_acq_rel) > 0)
        s.stopnote.sleep_for(std::min(next_signal - now, kLookNs));
    }
  }
  return base::nanotime() - t0;
}

void stw_start(M* m) {
  Sched& s = sched();
  P* need_m[kMaxProcs];
  int nneed = 0;
  {
    base::Guard<base::Lock> g(s.lock);
    std::int32_t n = gomaxprocs_now();
    for (std::int32_t i = 0; i < s.nallp; i++) {
      P* p = s.allp[i];
      if (p->status.load() != PStatus::gcstop) continue;
      p->preempt.store(false, std::memory_order_relaxed);
      StopFrom from = p->stop_from;
      p->stop_from = StopFrom::none;
      bool beyond = i >= n;
      switch (from) {
        case StopFrom::stopper:
        case StopFrom::safepoint:
        case StopFrom::signal:
          p->retire = beyond;
          p->status.store(PStatus::running, std::memory_order_release);
          break;
        case StopFrom::idle:
        case StopFrom::syscall:
        case StopFrom::none:
          p->m = nullptr;
          if (beyond) {
            p->status.store(PStatus::dead);
          } else if (!runq_empty(p) || p->timers.next_when.load() != INT64_MAX) {
            p->status.store(PStatus::idle);
            need_m[nneed++] = p;
          } else {
            pidleput(p);
          }
          break;
      }
    }
    trace::stw_end();
    s.gcwaiting.store(false, std::memory_order_seq_cst);
    s.world_epoch.fetch_add(1, std::memory_order_acq_rel);
    base::futex_wake(&s.world_epoch, INT_MAX);
  }
  for (int i = 0; i < nneed; i++) startm(need_m[i], false);
  if (s.runq_size.load() > 0) wakep();
  sysmon_wake_if_waiting();
  (void)m;
}

void gcstopm(M* m) {
  Sched& s = sched();
  std::uint32_t epoch;
  {
    base::Guard<base::Lock> g(s.lock);
    if (!s.gcwaiting.load()) return;
    P* p = m->p;
    if (p->status.load() == PStatus::gcstop && p->stop_from == StopFrom::stopper)
      fatal_("gort: a goroutine blocked between stop_the_world and start_the_world");
    epoch = s.world_epoch.load(std::memory_order_acquire);
    p->status.store(PStatus::gcstop, std::memory_order_release);
    p->stop_from = StopFrom::safepoint;
    m->world_parked = true;
    if (s.stopwait.fetch_sub(1) == 1) s.stopnote.wakeup();
  }
  while (s.world_epoch.load(std::memory_order_acquire) == epoch)
    base::futex_wait(&s.world_epoch, epoch);
  base::Guard<base::Lock> g(s.lock);
  m->world_parked = false;
}

void freeze_the_world() {
  Sched& s = sched();
  M* self = tls_m;
  s.dying.store(true, std::memory_order_seq_cst);
  s.frozen.store(true, std::memory_order_seq_cst);
  s.gcwaiting.store(true, std::memory_order_seq_cst);
  for (int round = 0; round < 20; round++) {
    bool all_stopped = true;
    for (std::int32_t i = 0, n = gomaxprocs_now(); i < n; i++) {
      P* p = s.allp[i];
      if (p->status.load(std::memory_order_acquire) != PStatus::running) continue;
      M* m = __atomic_load_n(&p->m, __ATOMIC_ACQUIRE);
      if (m == nullptr || m == self || m->suspended.load(std::memory_order_acquire)) continue;
      all_stopped = false;
      p->preempt.store(true, std::memory_order_relaxed);
      pthread_kill(m->thread, SIGURG);
    }
    if (all_stopped) return;
    struct timespec ts{0, 250'000};
    nanosleep(&ts, nullptr);
  }
}

// ---- the end of gort::run ----------------------------------------------------------

namespace {

void flush_stdio_if_free() {
  if (ftrylockfile(stdout) == 0) {
    fflush_unlocked(stdout);
    funlockfile(stdout);
  }
  if (ftrylockfile(stderr) == 0) {
    fflush_unlocked(stderr);
    funlockfile(stderr);
  }
}

}  // namespace

// Goroutines still alive when main returns are abandoned, as in Go; what
// only their stacks reference is not a leak. LeakSanitizer scans thread
// stacks, not these mappings, so hand it the live part of each.
void register_live_goroutine_stacks_for_leak_check() {
#if defined(__SANITIZE_ADDRESS__)
  allgs_each(
      [](G* gp, void*) {
        GStatus st = gp->status.load(std::memory_order_relaxed);
        if (st == GStatus::dead || gp->stack.lo == nullptr) return;
        auto lo = reinterpret_cast<std::uintptr_t>(gp->stack.lo);
        auto hi = reinterpret_cast<std::uintptr_t>(gp->stack.hi);
        std::uintptr_t sp = lo;  // unknown (in a blocking call): the whole stack
        if (st == GStatus::running && gp->m != nullptr && gp->m->suspended.load()) {
          sp = gp->m->suspended_sp - 128;  // the red zone too
        } else if (st != GStatus::running && st != GStatus::syscall && gp->ctx != nullptr) {
          sp = reinterpret_cast<std::uintptr_t>(gp->ctx);
        }
        if (sp < lo || sp > hi) sp = lo;
        __lsan_register_root_region(reinterpret_cast<void*>(sp), hi - sp);
      },
      nullptr);
#endif
}

void main_exited(M* m) {
  Sched& s = sched();
  s.run_done.store(true);
  // If another stop-the-world is under way, take part in it first.
  while (s.gcwaiting.load()) gcstopm(m);
  stw_stop(m);
  register_live_goroutine_stacks_for_leak_check();
  bool m0_reachable;
  {
    base::Guard<base::Lock> g(s.lock);
    s.frozen.store(true, std::memory_order_release);
    M* m0 = s.m0;
    m0_reachable = m0 == m || m0->idle_parked || m0->world_parked;
    s.world_epoch.fetch_add(1, std::memory_order_acq_rel);
    base::futex_wake(&s.world_epoch, INT_MAX);
    if (m0->idle_parked) {
      m0->nextp = nullptr;
      m0->park.wakeup();
    }
  }
  if (!m0_reachable) {
    // The thread that called gort::run is inside a goroutine that cannot be
    // stopped at a safepoint (spinning, or in a blocking call): end the
    // process with main's status, as Go does when main returns.
    trace::stop_at_exit();
    flush_stdio_if_free();
    _exit(s.exit_status);
  }
}

[[noreturn]] void flush_and_exit(int code) {
  trace::stop_at_exit();
  flush_stdio_if_free();
  _exit(code);
}

}  // namespace gort::detail

namespace gort {

std::int64_t stop_the_world() {
  using namespace detail;
  M* m = tls_m;
  if (m == nullptr || m->on_g0 || m->curg == nullptr)
    fatal_("gort::stop_the_world must be called from a goroutine");
  world_mutex().lock();
  m = getm();  // the lock may have parked us
  return stw_stop(m);
}

void start_the_world() {
  using namespace detail;
  M* m = getm();
  stw_start(m);
  world_mutex().unlock();
}

void exit(int code) { detail::flush_and_exit(code); }

}  // namespace gort
