// runtime/boot.cc — gort::run: boots the runtime on the calling thread.
//
// The calling thread becomes M0 and its own stack M0's g0. Boot reads the
// environment (GOMAXPROCS; GORT_STACK_SIZE and GORT_STACK_GUARDS for the stack
// pool), creates the Ps, installs the stop-the-world signal handler, starts
// sysmon, queues `main` as goroutine 1 and enters the scheduler loop. When
// goroutine 1 returns, the world is stopped for good and M0's loop returns.
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>

#include "base/print.h"
#include "gort/sched.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "runtime/env.h"
#include "base/fail.h"
#include "runtime/fatal.h"
#include "sched/sched.h"
#include "sched/stack.h"
#include "sched/stw.h"
#include "trace/trace.h"

namespace gort::detail {

void procs_init(std::int32_t n, M* m0);

namespace {

std::atomic<bool> g_run_called{false};

struct MainArgs {
  void (*invoke)(void*, int*);
  void* ctx;
};

std::size_t stack_size_from_env() {
  const char* v = getenv("GORT_STACK_SIZE");
  if (v == nullptr) return 256 * 1024;
  auto n = runtime::parse_size(v);
  if (!n || *n < 16 * 1024 || *n > (std::size_t{1} << 30)) {
    base::Printer().str("gort: invalid GORT_STACK_SIZE=").str(v)
        .str(" (want a byte count from 16K to 1G, like 256K); using 256K\n");
    return 256 * 1024;
  }
  return *n;
}

std::int64_t stack_guards_from_env() {
  const char* v = getenv("GORT_STACK_GUARDS");
  if (v == nullptr) return -1;
  auto n = runtime::atoi32(v);
  if (!n || *n < 0) {
    base::Printer().str("gort: invalid GORT_STACK_GUARDS=").str(v)
        .str(" (want a count >= 0); using the default\n");
    return -1;
  }
  return *n;
}

}  // namespace

int run_main(void (*invoke)(void*, int*), void* ctx) {
  if (g_run_called.exchange(true)) fatal_("gort::run called more than once (it may run once per process)");
  Sched& s = sched();
  stack_pool_init(stack_size_from_env(), stack_guards_from_env());
  trace::start_from_env();

  M* m0 = newm_struct();
  m0->thread = pthread_self();
  m0->tid = static_cast<pid_t>(gettid());
  tls_m = m0;
  record_g0_stack(m0);
  s.m0 = m0;
  signal_setup_thread(m0);
  stw_install_signal_handler();
  traceback_init();
  signals_install();
  panic_install_terminate_handler();

  s.ncpu = runtime::online_cpus();
  std::int32_t procs = runtime::gomaxprocs_from_env(getenv("GOMAXPROCS"), s.ncpu);
  procs_init(procs, m0);
  gc::collector_init_from_env();
  gc::heap_init();

  // Goroutine 1.
  static MainArgs args;
  args = MainArgs{invoke, ctx};
  s.booted = true;
  G* gp = gfget(m0->p);
  gp->invoke = [](void* a) {
    auto* ma = static_cast<MainArgs*>(a);
    ma->invoke(ma->ctx, &sched().exit_status);
    // Go's main: do not end the program under a goroutine whose panic is
    // running its deferred calls or being reported (TestPanicRace). Go gives
    // the deferred calls 1000 Gosched calls; gort gives them up to a second.
    for (int i = 0; i < 1000 && running_panic_defers() > 0; i++) sleep_ns(1'000'000);
    while (panicking_now()) sleep_ns(1'000'000);
  };
  gp->destroy = nullptr;
  gp->fn = &args;
  gp->fn_on_heap = false;
  gp->id = s.goidgen.fetch_add(1) + 1;
  gp->is_main = true;
  gp->gopc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  gp->status.store(GStatus::runnable);
  s.ngoroutines.fetch_add(1);
  runqput(m0->p, gp, false);

  sysmon_start();
  schedule_loop(m0);
  trace::stop_at_exit();
  return s.exit_status;
}

}  // namespace gort::detail
