// base/restart.h — restartable sequences: short instruction runs that must
// not be suspended half-way by the stop-the-world signal.
//
// The collector's write barrier is "load the barrier flag; if set take the
// slow path; else store" (include/gort/gc.h). Were a goroutine suspended
// between the load and the store while the world stops to turn the barrier
// on, it would later make its store without the barrier in the middle of a
// mark phase. Each such run of instructions records its address range in the
// `gort_restart_ranges` section (32-bit offsets relative to the entry, so the
// table needs no relocations), and the signal handler, before it suspends a
// thread, moves its program counter back to the start of any range it is in.
// The run has no side effect before its last instruction, so starting it
// again is the same as never having begun it.
//
// Only ranges linked into the main executable (or the same shared object as
// base/restart.cc) are known.
#pragma once

#include <cstdint>

namespace gort::base {

// Sorts the linked table; call once before the first stop-the-world.
void restart_ranges_init();
// The pc to resume at: the start of the range holding pc, or pc itself.
// Async-signal-safe.
std::uintptr_t restart_pc(std::uintptr_t pc);
// How many ranges are known (tests).
std::size_t restart_range_count();

}  // namespace gort::base
