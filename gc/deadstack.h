// gc/deadstack.h — clearing the dead part of a goroutine stack, for
// gccheckmark.
//
// The stack scan is conservative: it reads every word from the stack pointer
// up. Below that pointer lies memory the goroutine used earlier and will
// reuse: old frames, with the addresses they held, possibly of objects that
// have died since. The scan never reads it, and must not: that memory is not
// live. But once the goroutine runs again, code may copy a word of it up into
// a live frame without it being a real value — padding copied with a struct,
// an unused field, a register that held an uninitialised local and is pushed
// by the next call's prologue. No correct program uses such a value; the
// collector may free what it points to. gccheckmark, which re-scans stacks
// conservatively and holds every word of the scanned part against the
// concurrent mark, would then report a missed object that is garbage.
//
// So with gccheckmark on, the concurrent stack scan clears the dead part of
// each stack it scans while it holds the goroutine still. After that, any
// word the goroutine holds was either seen by the scan or written after it —
// from its registers (scanned too) or loaded from the heap, which the hybrid
// barrier covers — so the check can hold the whole stack, not only the part
// above the scan, against the mark. Its cost (a memset and a madvise per
// stack per cycle) is paid only in that verification mode.
#pragma once

#include <cstdint>

namespace gort::detail {
struct G;
}

namespace gort::gc {

// Zeroes gp's stack from its low end (above the overflow canary) up to sp,
// which must be the lowest live address of a goroutine held still (its saved
// context, or a suspended stack pointer less the red zone). Pages wholly
// below sp go back to the OS (they read as zeros after). False if there was
// nothing to clear (no stack, or sp not inside it).
bool clear_dead_stack(gort::detail::G* gp, std::uintptr_t sp);

}  // namespace gort::gc
