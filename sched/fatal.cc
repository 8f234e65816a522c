// sched/fatal.cc — the dying path: fatal errors and (for now) runtime panics.
//
// Whatever thread fails switches to its M's g0 stack first (a goroutine may
// have failed because its stack is broken), takes the dying lock so reports
// never interleave (a second failing thread waits forever; a failure while
// reporting prints `panic during panic` and exits 4, as Go does), prints the
// report and calls _exit(2): no destructor, deferred call or catch block runs.
#include "sched/fatal.h"

#include <stdio.h>
#include <unistd.h>

#include <atomic>

#include "base/print.h"
#include "sched/sched.h"

namespace gort::detail {

namespace {

enum class Kind { throw_, fatal, panic };

struct Failure {
  const char* msg;
  Kind kind;
};

std::atomic<int> g_dying{0};
thread_local bool tls_dying = false;

void print_g(base::Printer& out, G* gp, bool running_here) {
  out.str("\ngoroutine ").i64(gp->id).str(" [");
  GStatus st = gp->status.load(std::memory_order_relaxed);
  if (running_here) {
    out.str("running");
  } else if (st == GStatus::waiting) {
    out.str(wait_reason_string(gp->wait_reason));
  } else {
    out.str(status_string(st));
  }
  out.str("]:\n");
  if (!running_here && st == GStatus::running) out.str("\tgoroutine running on other thread; stack unavailable\n");
}

void flush_stdout_if_free() {
  if (ftrylockfile(stdout) == 0) {
    fflush_unlocked(stdout);
    funlockfile(stdout);
  }
}

[[noreturn]] void die_on_g0(void* arg) {
  auto* f = static_cast<Failure*>(arg);
  if (tls_dying) {
    base::Printer().str("panic during panic\nstack trace unavailable\n");
    _exit(4);
  }
  tls_dying = true;
  if (g_dying.exchange(1) != 0) {
    // Another thread is reporting; let it finish.
    for (;;) pause();
  }
  flush_stdout_if_free();
  {
    base::Printer out;
    out.str(f->kind == Kind::panic ? "panic: " : "fatal error: ").str(f->msg).nl();
  }
  // A panic shows only the failing goroutine (GOTRACEBACK=single); a fatal
  // error shows them all.
  print_goroutines(f->kind != Kind::panic);
  _exit(2);
}

[[noreturn]] void die(const char* msg, Kind kind) {
  Failure f{msg, kind};
  M* m = tls_m;
  if (m != nullptr && !m->on_g0 && m->curg != nullptr) {
    Request req{RequestKind::systemstack};
    req.fn = [](void* a) { die_on_g0(a); };
    req.arg = &f;
    mcall(req);
  }
  die_on_g0(&f);
}

}  // namespace

void print_goroutines(bool all) {
  M* m = tls_m;
  G* cur = m != nullptr ? m->curg : nullptr;
  base::Printer out;
  if (cur != nullptr) print_g(out, cur, true);
  if (!all) return;
  static G* snapshot[1 << 14];
  std::int64_t total = allgs_snapshot(snapshot, 1 << 14);
  std::int64_t shown = total < (1 << 14) ? total : (1 << 14);
  for (std::int64_t i = 0; i < shown; i++) {
    G* gp = snapshot[i];
    if (gp == cur) continue;
    GStatus st = gp->status.load(std::memory_order_relaxed);
    if (st == GStatus::dead || gp->id == 0) continue;
    print_g(out, gp, false);
  }
  if (total > shown) out.str("\n...").i64(total - shown).str(" goroutines not shown...\n");
}

void throw_(const char* msg) { die(msg, Kind::throw_); }
void fatal_(const char* msg) { die(msg, Kind::fatal); }
void runtime_panic(const char* msg) { die(msg, Kind::panic); }

}  // namespace gort::detail
