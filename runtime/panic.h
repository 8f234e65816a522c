// runtime/panic.h — the panic machinery's internals (Go's _panic and the
// defer chain walk). The public side is include/gort/panic.h.
//
// A goroutine's defer chain (G::defers) links its live gort::Defer guards
// and recovery boundaries, newest first. gopanic walks it from the head on
// top of the panicking stack: boundaries and entries already running are
// unlinked as the panic passes them (passing a running deferred call that an
// earlier panic started aborts that panic), and each pending deferred call
// runs through run_deferred, marked running meanwhile. If the call recovered
// the panic, the recovery target is the first boundary or running deferred
// call older than it; gopanic drops the panic (and the aborted ones under it)
// and throws RecoveryUnwind, which the target catches. Otherwise, once the
// chain is empty, the panic messages are formatted (Go's preprintpanics: a
// panic while formatting is a throw), and fatalpanic reports on g0.
//
// recover() accepts a call only from the deferred callable itself: the
// frames above it must be the callable's (inlined into Defer<F>::run, or its
// out-of-line operator() called from it), then run_deferred with the stack
// pointer the panic recorded. When DWARF is available it also refuses a
// recover() inlined from a helper into the callable (Go never inlines a
// function that calls recover).
#pragma once

#include <string>

#include "gort/panic.h"

namespace gort::detail {

struct Panic {
  Panic* link = nullptr;  // the panic this one interrupted, if any
  PanicValue value;
  std::string message;            // formatted before the report
  DeferEntry* current = nullptr;  // the deferred call it runs now
  std::uintptr_t runner_sp = 0;   // run_deferred's stack pointer while it runs current
  bool recovered = false;
  bool aborted = false;
  bool goexit = false;
};

struct G;

// Runs a goroutine's function inside the recovery boundary every goroutine
// has; returns when it returns, recovers, or after a C++ exception escaped
// it (reported as a panic).
void run_goroutine_body(G* gp);

}  // namespace gort::detail
