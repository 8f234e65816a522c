// sched/stack.h — goroutine stacks: mmap'd, pooled, recycled at once.
//
// Every goroutine stack has the same size (GORT_STACK_SIZE, default 256 KiB of
// address space; only touched pages use memory). Linux allows a process
// vm.max_map_count mappings (65530 by default) and a guard page costs a
// mapping of its own, so protection comes in two tiers:
//
//  * guarded: the first `guard_budget` stacks alive at once (about 3/8 of
//    max_map_count, ~24k by default; GORT_STACK_GUARDS overrides) are
//    separate mappings with a PROT_NONE page below them. Running off the end
//    faults at once.
//  * unguarded: beyond that budget, stacks are carved from 64-stack slabs (one
//    mapping each). Each has a canary in its lowest 64 bytes, checked every
//    time the goroutine switches out; a clobbered canary is the fatal error
//    "stack overflow" — detected after the fact, and the overflow may already
//    have corrupted the top of the neighbouring stack in the slab.
//
// Free stacks go to a per-P cache of 64 (no lock), then to a global pool.
// Beyond a watermark of 1024 cached stacks, sysmon's scavenge pass returns
// their memory to the OS with madvise(MADV_DONTNEED) (up to 1,024 stacks
// every 100 ms, in the background, like Go's scavenger) and keeps the mappings
// and guards for reuse, so that churn never costs an mmap/munmap pair and a
// burst of exits costs no system call at all.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gort::detail {

struct Stack {
  char* lo = nullptr;  // lowest usable address
  char* hi = nullptr;  // one past the highest (the initial stack pointer)
  bool guarded = false;
  bool released = false;  // pages were given back; canary must be rewritten
  std::size_t size() const { return static_cast<std::size_t>(hi - lo); }
};

struct P;

void stack_pool_init(std::size_t stack_size, std::int64_t guard_budget);
std::size_t stack_size();
Stack stack_alloc(P* p);  // p may be null
void stack_free(P* p, Stack s);
void stack_cache_flush(P* p);  // a P's cache back to the global pool
bool stack_canary_ok(const Stack& s);
// Returns the memory of up to `max` cached stacks beyond the watermark to the
// OS; returns how many it released.
std::int64_t stack_scavenge(std::int64_t max);

}  // namespace gort::detail
