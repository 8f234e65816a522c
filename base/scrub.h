// base/scrub.h — clearing the registers a goroutine did not set.
//
// A context switch (Boost.Context's jump_fcontext) saves and restores only
// the callee-saved registers. The caller-saved ones (rax, rcx, rdx, rsi,
// rdi, r8-r11, and every vector register) arrive in the resumed goroutine
// holding whatever the previous context — another goroutine, or g0 running
// the collector — left in them. Compiled code never reads them before
// writing them, but some code stores them wholesale to the stack: the
// register save area of a variadic function (snprintf's prologue), the
// dynamic linker's lazy-binding trampoline (_dl_runtime_resolve_xsavec saves
// every vector register), signal frames. Those words then sit in the
// goroutine's stack holding another context's values: heap addresses the
// goroutine never had.
//
// For the collector that is only conservative retention, except under
// gccheckmark, whose strict stack pass holds every word a goroutine wrote
// after its stack was scanned to be a pointer it got legitimately (and so
// marked). It found such words (addresses of dead objects in the xsave area
// of _dl_runtime_resolve_xsavec, gort-stress finalizers --verify). So while
// gccheckmark is on, every resume clears the caller-saved registers.
#pragma once

namespace gort::base {

// Set by the collector at the start of each cycle (gccheckmark on or off).
inline bool g_scrub_registers_on_resume = false;

// Zeroes the caller-saved general registers and the vector registers.
// Declared clobbered, so nothing the caller needs lives in them.
void scrub_caller_saved_registers();

inline void scrub_registers_if_checking() {
  if (__atomic_load_n(&g_scrub_registers_on_resume, __ATOMIC_RELAXED)) [[unlikely]]
    scrub_caller_saved_registers();
}

}  // namespace gort::base
