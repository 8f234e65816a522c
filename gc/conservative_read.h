// gc/conservative_read.h — GORT_CONSERVATIVE_READ, the attribute of a
// function that reads memory word by word as the conservative scan does:
// scan_conservative (gc/mark.cc) and gccheckmark's record of what a stack
// scan read (gc/deadstack.cc).
//
// Such a function reads whatever words a stack holds, including the
// redzones AddressSanitizer puts between locals. And it reads memory other
// threads own: a running goroutine's stack while its thread is held in the
// stop signal's handler (an ordering made by a signal and atomics that TSan
// cannot see through); a parked goroutine's stack, which its channel partner
// writes (unlinking the sudog on it, moving a value into it); the words of
// root ranges (channel buffers, closures) the mutator writes under protocols
// of their own. Each word is only a candidate pointer, so such a read is
// racy by design: both sanitizers are kept out of these loops
// (docs/SANITIZERS.md). Without sanitizers the attribute is empty.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define GORT_SCAN_NO_ASAN_ __attribute__((no_sanitize("address")))
#else
#define GORT_SCAN_NO_ASAN_
#endif
#if defined(__SANITIZE_THREAD__)
#define GORT_SCAN_NO_TSAN_ __attribute__((no_sanitize("thread")))
#else
#define GORT_SCAN_NO_TSAN_
#endif
#define GORT_CONSERVATIVE_READ GORT_SCAN_NO_ASAN_ GORT_SCAN_NO_TSAN_
