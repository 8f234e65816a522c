// runtime/fatal.cc — throw, fatal and the dying path (see fatal.h).
#include "runtime/fatal.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>

#include "base/fail.h"
#include "base/futex.h"
#include "base/print.h"
#include "gort/sched.h"
#include "sched/sched.h"
#include "sched/stw.h"

namespace gort::detail {

namespace {

std::atomic<int> g_panicking{0};             // Ms inside a report (Go's panicking)
std::atomic<std::uint32_t> g_paniclk{0};     // the report lock (Go's paniclk)
std::atomic<std::int64_t> g_running_panic_defers{0};
bool g_didothers = false;
std::atomic<bool> g_fault_in_report{false};

// Threads the runtime does not own have no M: their dying state lives here.
thread_local int tls_dying = 0;
thread_local ThrowType tls_throwing = ThrowType::none;

int& dying_ref() {
  M* m = tls_m;
  return m != nullptr ? m->dying : tls_dying;
}

void set_throwing(ThrowType t) {
  if (M* m = tls_m) m->throwing = static_cast<std::uint8_t>(t);
  tls_throwing = t;
}

void paniclk_lock() {
  while (g_paniclk.exchange(1, std::memory_order_acquire) != 0) base::futex_wait(&g_paniclk, 1);
}
void paniclk_unlock() {
  g_paniclk.store(0, std::memory_order_release);
  base::futex_wake(&g_paniclk, 1);
}

// The test hook's fault: a real one, which the sanitizers must not catch first.
[[gnu::noinline]] __attribute__((no_sanitize("address", "undefined"))) void fault_for_test() {
  volatile int* volatile bad = nullptr;
  *bad = 0;
}

[[noreturn]] void block_forever() {
  std::atomic<std::uint32_t> never{0};
  for (;;) base::futex_wait(&never, 0);
}

void flush_stdout_if_free() {
  if (ftrylockfile(stdout) == 0) {
    fflush_unlocked(stdout);
    funlockfile(stdout);
  }
}

struct ThrowArgs {
  const char* msg;
  ThrowType type;
  std::uintptr_t origin;
  G* gp;
};

[[noreturn]] void throw_on_system_stack(ThrowArgs* a) {
  set_throwing(a->type);
  if (dying_ref() == 0) {
    // Take the report lock before the first line, so that a second failing
    // M cannot print between our lines.
    startpanic(a->type);
    base::Printer().str("fatal error: ").str(a->msg).nl();
  } else {
    base::Printer().str("fatal error: ").str(a->msg).nl();
    startpanic(a->type);
  }
  DyingReport r;
  r.gp = a->gp;
  r.origin = a->origin;
  r.throwing = a->type;
  die_after_report(dopanic(r));
}

[[noreturn]] void fatalthrow(const char* msg, ThrowType type, std::uintptr_t origin) {
  ThrowArgs a{msg, type, origin, nullptr};
  if (!on_system_stack()) {
    a.gp = getg();
    systemstack([](void* p) { throw_on_system_stack(static_cast<ThrowArgs*>(p)); }, &a);
  }
  throw_on_system_stack(&a);
}

}  // namespace

bool startpanic(ThrowType throwing) {
  int& dying = dying_ref();
  switch (dying) {
    case 0:
      dying = 1;
      g_panicking.fetch_add(1);
      paniclk_lock();
      flush_stdout_if_free();
      freeze_the_world();
      return true;
    case 1:
      // Something failed while this M was reporting.
      dying = 2;
      base::Printer().str("panic during panic\n");
      return false;
    case 2:
      dying = 3;
      base::Printer().str("stack trace unavailable\n");
      _exit(4);
    default:
      _exit(5);
  }
  (void)throwing;
}

bool dopanic(const DyingReport& r) {
  TracebackSetting t = gotraceback(r.throwing);
  base::Printer out;
  G* gp = r.gp;
  if (gp != nullptr && gp->sig != 0) {
    out.str("[signal ").str(signal_name(gp->sig)).str(" code=").hex(gp->sigcode0)
        .str(" addr=").hex(gp->sigcode1).str(" pc=").hex(gp->sigpc).str("]\n");
  }
  if (g_fault_in_report.exchange(false)) {
    out.flush();
    fault_for_test();
  }
  if (t.level > 0) {
    bool all = t.all || gp == nullptr;
    if ((gp == nullptr || r.system_stack_here) && (t.level >= 2 || r.throwing >= ThrowType::runtime)) {
      out.str("\nruntime stack:\n");
      if (gp == nullptr && r.sigctx != nullptr) {
        traceback_interrupted(out, r.sigctx, t.level);
      } else {
        traceback_here(out, r.origin, t.level);
      }
    }
    if (gp != nullptr) {
      out.nl();
      print_goroutine_header(out, gp);
      traceback_failing(out, gp, r.sigctx, r.sigctx != nullptr ? 0 : r.origin, t.level);
      print_created_by(out, gp, t.level);
    }
    if (!g_didothers && all) {
      g_didothers = true;
      traceback_others(out, gp, t.level);
    }
  }
  out.flush();
  finish_report();
  return t.crash;
}

void finish_report() {
  paniclk_unlock();
  if (g_panicking.fetch_sub(1) - 1 != 0) {
    // Another M is dying too; let it finish its report and exit.
    block_forever();
  }
}

void die_after_report(bool crash) {
  if (crash) {
    struct sigaction sa{};
    sa.sa_handler = SIG_DFL;
    sigaction(SIGABRT, &sa, nullptr);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGABRT);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    raise(SIGABRT);
  }
  _exit(2);
}

void testing_fault_during_next_report() { g_fault_in_report.store(true); }

bool panicking_now() { return g_panicking.load() != 0; }
void running_panic_defers_add(int delta) { g_running_panic_defers.fetch_add(delta); }
std::int64_t running_panic_defers() { return g_running_panic_defers.load(); }

[[gnu::noinline]] void throw_(const char* msg) {
  fatalthrow(msg, ThrowType::runtime, reinterpret_cast<std::uintptr_t>(&throw_));
}

[[gnu::noinline]] void fatal_(const char* msg) {
  fatalthrow(msg, ThrowType::user, reinterpret_cast<std::uintptr_t>(&fatal_));
}

}  // namespace gort::detail
