// gc/work.h — the shared mark queue and the write barrier's per-P buffers.
//
// Each marker (mark workers, assists, the world-stopped drains) keeps a
// private work stack (MarkState::work) and shares through one global queue:
// the write barrier's flushes put grey objects there, and a marker whose own
// stack runs dry takes a batch from it. The queue is a locked stack — with a
// handful of markers the lock is cold; Go's lock-free lists of work buffers
// are the refinement if profiles ever show it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gc/mark.h"

namespace gort::gc {

void work_put(const std::uintptr_t* objs, std::size_t n);
// Moves up to max grey objects into ms's stack; returns how many.
std::size_t work_get(MarkState& ms, std::size_t max);
bool work_empty();

// Shades every pointer in vals (heap or not, valid or stale) into the global
// queue. For the barrier's buffer flushes.
void shade_batch(const std::uintptr_t* vals, std::size_t n);

// shade_batch over the aligned words of [p, p+n): the scheduler's hook for
// values moving between goroutines (base/gc_hooks.h).
void shade_range(const void* p, std::size_t n);

// Empties every P's barrier buffer into the global queue while the Ps keep
// running (gc/wbbuf.cc), or with the world stopped (cheaper). Returns how
// many entries it took.
std::size_t flush_all_barrier_buffers(bool world_stopped = false);
// Empties the calling goroutine's P's buffer only: no fence, since no one
// else appends to it. For a mark worker that the scheduler chose because
// its P had records there (gc/workers.cc, work_available).
std::size_t flush_own_barrier_buffer();

}  // namespace gort::gc
