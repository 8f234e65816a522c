// runtime/unwind.h — walking a stack: the current one, a parked goroutine's
// (from the registers its context switch saved), or an interrupted one (from
// a signal's registers). libunwind does the walking with the DWARF call
// frame information, so code built without frame pointers unwinds too.
#pragma once

#include <cstdint>

#include "sched/context.h"

namespace gort::detail {

struct Regs {
  std::uintptr_t rip = 0, rsp = 0, rbp = 0, rbx = 0, r12 = 0, r13 = 0, r14 = 0, r15 = 0;
};

struct RawFrame {
  std::uintptr_t pc = 0;    // for every frame but an interrupted top one, a return address
  std::uintptr_t sp = 0;    // the frame's stack pointer
  std::uintptr_t fp = 0;    // its caller's stack pointer (the canonical frame address)
  std::uintptr_t proc = 0;  // entry of the function, 0 when unknown
  bool call_site = true;    // pc is a return address (look up pc - 1)
};

// Registers saved by a context switch (Boost.Context's jump_fcontext).
Regs regs_from_context(Context ctx);
// Registers a signal interrupted (a ucontext_t*).
Regs regs_from_ucontext(const void* ucontext);
// Registers suspended_regs recorded (gregs order).
Regs regs_from_gregs(const std::uintptr_t* gregs);

// Unwinds from regs. interrupted: the top frame was stopped by a signal at
// regs.rip (not at a call). Returns the number of frames stored (at most max);
// *more is set when frames remained.
int unwind_from(const Regs& regs, bool interrupted, RawFrame* out, int max, bool* more);
// Unwinds the calling thread's stack from the caller of unwind_here; with
// stop_at_signal, not past a signal frame (a handler's own frames only).
[[gnu::noinline]] int unwind_here(RawFrame* out, int max, bool* more, bool stop_at_signal = false);

}  // namespace gort::detail
