// gc/testing.h — driving a collection step by step, for tests that need a
// deterministic interleaving of marking and mutation (the write barrier
// tests). White-box: tests include it from the source tree.
//
//   manual_cycles(true);        // no mark workers, no heap triggers
//   cycle_begin();              // the start pause: barrier on, marking
//   scan_stack_of(id);          // that goroutine's stack is now black
//   scan_roots(); drain();      // root handles, ranges; grey objects
//   cycle_end();                // the termination pause: the stacks not yet
//                               // scanned, what is left, checkmark, sweep
//                               // (= cycle_end_before_sweep(); sweep_rest();)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gort::gc {
// Makes the write barrier (and the shading of channel values and new
// goroutines' closures) do nothing: proves that a barrier test can fail.
extern bool g_testing_barrier_broken;
// How many times an owner flushing its full barrier buffer handed records
// back to it because a stop of the world was waiting (gc/wbbuf.cc).
extern std::atomic<std::uint64_t> g_testing_barrier_give_backs;
// In how many cycles an allocating goroutine carried its assist debt because
// an idle worker was marking (gc/assist.cc; a cycle may be counted twice).
extern std::atomic<std::uint64_t> g_testing_assist_carries;
// Makes idle_workers_marking() (gc/workers.h) true, as if an idle worker
// were marking: the assists then carry their debt below the goal.
extern std::atomic<bool> g_testing_assume_idle_marking;
}  // namespace gort::gc

namespace gort::gc::testing {

void manual_cycles(bool on);
void cycle_begin();
bool scan_stack_of(std::int64_t goid);
void scan_roots();
void drain();
void cycle_end();
void cycle_end_before_sweep();  // the pause only: the sweep is still to do
void sweep_rest();               // sweeps what is left, wakes the finalizers
// Objects with a finalizer or weak pointers (gc/specials_table.h).
std::size_t special_records();
// gccheckmark holds a stack word against the concurrent mark only while it
// holds what the goroutine's scan read there (gc/deadstack.h). A test that
// keeps a pointer on a stack after its scan, and knows the goroutine
// obtained it legitimately, names the word here so that the check holds it
// too. At most 8 words at once.
void check_stack_word(const void* word);
void uncheck_stack_word(const void* word);

}  // namespace gort::gc::testing
