// runtime/traceback.h — Go's traceback format, goroutine by goroutine.
//
//   goroutine 18 [chan receive, 2 minutes]:
//   worker(gort::Chan<int>)
//   	/src/app/main.cc:42 +0x1d
//   created by main::{lambda()#1}::operator()() const in goroutine 1
//   	/src/app/main.cc:57 +0x85
//
// The level (GOTRACEBACK, go-reference §2.3) decides what is shown: at
// level 0 nothing; at 1 user frames only (gort::detail, the context-switch
// trampoline and libc start-up are runtime frames, hidden as Go hides
// runtime.*; the panic machinery's frame prints as `panic(...)` when it is
// not the first frame); at 2 every frame with ` fp=… sp=… pc=…` and the
// runtime's own goroutines. A goroutine is unwound from wherever its
// registers are: the context it switched out with (parked, runnable, or the
// failing goroutine, which switched to g0 to report), the registers a
// stop-the-world signal recorded, or the place it entered a blocking call.
#pragma once

#include <cstdint>

#include "base/print.h"

namespace gort::detail {

struct G;
struct M;
struct RawFrame;

enum class ThrowType : std::uint8_t { none = 0, user = 1, runtime = 2 };

// GOTRACEBACK as parsed at boot (setTraceback), possibly raised by
// gort::debug::set_traceback.
struct TracebackSetting {
  int level = 1;
  bool all = false;
  bool crash = false;
};
TracebackSetting parse_traceback(const char* value);  // null or "" = single
void traceback_init();                               // reads GOTRACEBACK
TracebackSetting traceback_setting();
void traceback_raise(const char* value);  // can raise the level, never lower it

// Go's gotraceback(): the effective level for a report by the current M.
TracebackSetting gotraceback(ThrowType throwing);

// Frames of one stack: skips frames above `origin` (a function entry; 0 =
// none), expands inlined frames, applies the level's filter, and prints at
// most 100 logical frames. Returns the number of frames printed.
int print_frames(base::Printer& out, const RawFrame* frames, int n, bool more,
                 std::uintptr_t origin, int level);

// `goroutine N [status]:` (with the leading blank line the reports use).
void print_goroutine_header(base::Printer& out, G* gp);
void print_created_by(base::Printer& out, G* gp, int level);

// The goroutine that failed: from the context it saved when it switched to
// g0 to report, or from the registers a fatal signal interrupted (sigctx, a
// ucontext_t*). Frames above origin are skipped.
void traceback_failing(base::Printer& out, G* gp, const void* sigctx, std::uintptr_t origin,
                       int level);

// The stack a signal interrupted (sigctx, a ucontext_t*), from the
// interrupted instruction.
void traceback_interrupted(base::Printer& out, const void* sigctx, int level);

// One goroutine that is not running on the calling thread.
void traceback_goroutine(base::Printer& out, G* gp, int level);
// Every goroutine but `me` (and the current M's curg, printed first when it
// is not me), as Go's tracebackothers.
void traceback_others(base::Printer& out, G* me, int level);

// The calling goroutine or thread from the function at origin, down to the
// end of the stack or (in a signal handler) to the signal frame.
void traceback_here(base::Printer& out, std::uintptr_t origin, int level);

// The entry of gopanic, printed as `panic(...)`.
std::uintptr_t gopanic_entry();

}  // namespace gort::detail
