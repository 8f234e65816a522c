// runtime/fatal.h — the dying path shared by throw/fatal, unrecovered
// panics and fatal signals (Go's startpanic_m / dopanic_m / fatalthrow).
//
// Every report runs on a system stack (g0, or the signal stack for
// signals). startpanic marks the M as dying, takes the report lock — a
// second M that fails meanwhile waits there, so reports never interleave —
// and freezes the world so that the goroutines' stacks hold still while they
// are unwound. A failure while already dying prints `panic during panic`
// (then `stack trace unavailable` and exit 4, then exit 5), as Go does.
#pragma once

#include <cstdint>

#include "base/print.h"
#include "runtime/traceback.h"

namespace gort::detail {

struct G;

// Go's startpanic_m: false when this M was already dying.
bool startpanic(ThrowType throwing);

struct DyingReport {
  G* gp = nullptr;             // the failing goroutine, or null when the failure is on a system stack
  std::uintptr_t origin = 0;   // entry of the function whose frame starts the failing trace
  const void* sigctx = nullptr;  // the ucontext of a fatal signal: gp (or the system stack) stopped there
  bool system_stack_here = false;  // also print `runtime stack:` from here (a signal handler)
  ThrowType throwing = ThrowType::none;
};

// Go's dopanic_m: the tracebacks. Then releases the report lock; returns
// whether GOTRACEBACK=crash asks for a core dump.
bool dopanic(const DyingReport& r);

// The end of a report: releases the report lock, and waits forever if
// another M is reporting too (it will exit the process).
void finish_report();

// Installs the fatal-signal handlers (runtime/signal.cc).
void signals_install();
// Explains std::terminate during a recovery (runtime/panic.cc).
void panic_install_terminate_handler();

// Ends the process after a report: SIGABRT (default action) when crash,
// else exit status 2.
[[noreturn]] void die_after_report(bool crash);

// For tests of the "panic during panic" path: the next report faults once,
// right before printing tracebacks.
void testing_fault_during_next_report();

// Go's signal names: "SIGSEGV: segmentation violation", ...
const char* signal_name(int sig);

// For the end of gort::run: main must not exit while another goroutine is
// printing a panic or running the defers of one.
bool panicking_now();

// Counts goroutines whose panics are running deferred calls (Go's runningPanicDefers).
void running_panic_defers_add(int delta);
std::int64_t running_panic_defers();

}  // namespace gort::detail
