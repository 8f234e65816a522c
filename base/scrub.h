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
// The collector scans stacks conservatively, so such a word keeps the object
// it points at alive for as long as the goroutine leaves it there: a parked
// goroutine can hold a dead object (and its finalizer) for ever. And
// gccheckmark's strict stack pass, which holds every word a goroutine wrote
// after its stack was scanned to be a pointer it got legitimately (and so
// marked), reports them as misses. Both were seen: addresses of dead objects
// in the xsave area of _dl_runtime_resolve_xsavec (gort-stress finalizers
// --verify), and two finalizers that never ran in a stress run without
// gccheckmark (docs/RELIABILITY.md). So every resume clears the caller-saved
// registers (sched/proc.cc, on_resume). The cost, measured on an AMD EPYC
// VM: about 3 ns per resume through a channel (ping-pong round trip +5-9%),
// none measurable in a yield (bench/README.md, "Session 23: the register
// scrub at every resume").
#pragma once

namespace gort::base {

// Zeroes the caller-saved general registers and the vector registers.
// Declared clobbered, so nothing the caller needs lives in them.
void scrub_caller_saved_registers();

}  // namespace gort::base
