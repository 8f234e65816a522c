// gc/pacer.cc — the pacer: GOGC's heap goal, the trigger below it, and mark
// assists.
//
// Goal (Go 1.18+): marked + (marked + stacks) * GOGC/100, at least
// 4 MiB * GOGC/100. A cycle should finish as the heap reaches the goal, so it
// starts earlier, at the trigger: goal - runway, where the runway is what
// the program allocated during the last mark (with 10% slack), scaled up by
// the share of the mark it spent assisting rather than running (a mutator
// that assisted 85% of a mark allocated little in it; sized on that alone,
// the next runway starts the mark late and the mutator assists as much
// again: `gort-bench alloc`, whose kept objects form one serial chain, spent
// 47% of its time in assists), kept between 5% and 60% of the distance from
// the marked heap to the goal. (Go keeps
// its trigger at 70-95% of that distance, a runway of at most 30%, and has
// its mutators assist for the rest. Here one goroutine allocating at full
// speed beside one idle-P mark worker, binary-trees, needs 40-55%: with the
// cap at 40% the heap reached the goal before the mark ended and the
// mutator assisted 3-9 ms per cycle. At 60%: binary-trees 20 at 0.958x the
// time, peak RSS 0.979x, alloc and maps unchanged, `pair.py` 2026-12-01.
// Scaling by the assists' share, session 18, `pair.py` in both orders
// against the build before: alloc 0.94 and 1/1.041 (per allocation, about
// 5% faster; its assists fell from 2.3 to 0.7 ms of a 2 ms mark),
// binary-trees 20 time 0.979 and 1/1.048, peak RSS 0.983 and 1/0.969 (no
// change), gc-latency mean push 0.933 and 1/1.134.)
//
// While a cycle marks, every allocating goroutine owes scan work in
// proportion to what it allocates: the assist ratio is the scan work left
// (what the last cycle scanned, minus what this one has) over the heap left
// before the goal. How the debt is paid is gc/assist.cc's.
#include "gc/pacer.h"

#include <algorithm>

#include "gc/collector.h"

namespace gort::gc {

namespace {

constexpr std::int64_t kHeapMinimum = 4 << 20;

std::int64_t goal_for(std::int64_t marked, std::int64_t stacks, int pct) {
  if (pct < 0) return INT64_MAX;
  std::int64_t goal = marked + (marked + stacks) * pct / 100;
  std::int64_t floor = kHeapMinimum * pct / 100;
  return goal < floor ? floor : goal;
}

// GOMEMLIMIT's goal: the limit less what is not heap (stacks) and a 5%
// margin. Without Go's CPU limiter it is kept above the marked heap by at
// least 1/16 (or 1 MiB), so a limit below the live heap makes the heap
// exceed the limit rather than collect back to back forever.
std::int64_t limit_goal(Collector& c, std::int64_t marked) {
  std::int64_t limit = c.memory_limit.load(std::memory_order_relaxed);
  if (limit == INT64_MAX) return INT64_MAX;
  std::int64_t goal = limit - limit / 20 - c.last_stack_bytes;
  std::int64_t floor = marked + std::max<std::int64_t>(marked / 16, 1 << 20);
  return std::max(goal, floor);
}

void set_goal_and_trigger(Collector& c, std::int64_t marked) {
  int pct = c.gc_percent.load(std::memory_order_relaxed);
  std::int64_t goal = std::min(goal_for(marked, c.last_stack_bytes, pct), limit_goal(c, marked));
  c.goal.store(goal, std::memory_order_relaxed);
  if (goal == INT64_MAX) {
    c.trigger.store(INT64_MAX, std::memory_order_relaxed);
    return;
  }
  std::int64_t span = goal - marked;
  std::int64_t trigger = goal - static_cast<std::int64_t>(static_cast<double>(span) * c.runway_fraction);
  c.trigger.store(std::max(trigger, marked), std::memory_order_relaxed);
}

// Go's revise: the assist ratio that has the mark finish as the heap
// reaches the goal, if the cycle's scan work is what the last cycle's was.
// Once this cycle has scanned more than that, the heap is growing: the scan
// work left is bounded by the whole heap as it is now (all of it could be
// live; stacks too), and the goal is extended in proportion, up to GOGC's
// hard goal, goal * (1 + GOGC/100), and not at all with GOGC off (a memory
// limit is the goal). Past even that goal the heap gets 10% more, with the
// same worst-case scan work: an allocation then owes so much that its
// goroutine waits (gc/assist.cc) until the workers have nearly finished.
void refresh_ratio(Collector& c, std::int64_t live_now) {
  std::int64_t goal = c.goal.load(std::memory_order_relaxed);
  if (goal == INT64_MAX) {  // GOGC off and no limit: only forced cycles, nothing owed
    c.assist_ratio.store(0, std::memory_order_relaxed);
    return;
  }
  std::int64_t scanned = c.scanned.load(std::memory_order_relaxed);
  std::int64_t expected = c.scan_expected.load(std::memory_order_relaxed);
  std::int64_t max_scan = live_now + c.last_stack_bytes;
  if (scanned > expected) {
    std::int64_t start = c.heap_at_start.load(std::memory_order_relaxed);
    int pct = c.gc_percent.load(std::memory_order_relaxed);
    double hard = pct < 0 ? static_cast<double>(goal) : static_cast<double>(goal) * (1.0 + pct / 100.0);
    double extended = static_cast<double>(goal - start) / static_cast<double>(std::max<std::int64_t>(expected, 1)) *
                          static_cast<double>(max_scan) +
                      static_cast<double>(start);
    goal = static_cast<std::int64_t>(std::clamp(extended, static_cast<double>(goal), hard));
    expected = max_scan;
  }
  if (live_now > goal) {
    goal += goal / 10;
    expected = max_scan;
  }
  std::int64_t left_scan = std::max<std::int64_t>(expected - scanned, 64 << 10);
  std::int64_t left_heap = std::max<std::int64_t>(goal - live_now, 64 << 10);
  c.assist_ratio.store(static_cast<double>(left_scan) / static_cast<double>(left_heap),
                       std::memory_order_relaxed);
}

}  // namespace

void pacer_cycle_start(std::int64_t live_now) {
  Collector& c = collector();
  c.scanned.store(0, std::memory_order_relaxed);
  c.heap_at_start.store(live_now, std::memory_order_relaxed);
  c.cycle_gen.fetch_add(1, std::memory_order_relaxed);
  refresh_ratio(c, live_now);
}

void pacer_refresh(std::int64_t live_now) { refresh_ratio(collector(), live_now); }

void pacer_add_scanned(std::int64_t bytes) {
  if (bytes != 0) collector().scanned.fetch_add(bytes, std::memory_order_relaxed);
}

void pacer_cycle_end(std::int64_t marked, std::int64_t stack_bytes, std::int64_t heap_at_start,
                     std::int64_t heap_at_end, double mutator_share) {
  Collector& c = collector();
  c.last_stack_bytes = stack_bytes;
  c.scan_expected.store(std::max<std::int64_t>(c.scanned.load(std::memory_order_relaxed), 64 << 10),
                        std::memory_order_relaxed);
  // The runway: what was allocated while this cycle marked, over the
  // distance the next cycle will have.
  std::int64_t goal = std::min(goal_for(marked, stack_bytes, c.gc_percent.load(std::memory_order_relaxed)),
                               limit_goal(c, marked));
  if (goal != INT64_MAX && goal > marked) {
    // What the program allocated during the mark, per unit of the time it
    // ran: a mutator that spent most of the mark assisting allocated little
    // in it, and a runway sized on that alone starts the next mark late
    // enough that it assists as much again (Go's pacer normalises the same
    // way, by mutator CPU time, in its cons/mark ratio).
    double used = static_cast<double>(std::max<std::int64_t>(heap_at_end - heap_at_start, 0)) * 1.1 /
                  std::clamp(mutator_share, 0.1, 1.0);
    double frac = used / static_cast<double>(goal - marked);
    c.runway_fraction = std::clamp(frac, 0.05, 0.6);
  }
  set_goal_and_trigger(c, marked);
}

void pacer_recompute() {
  Collector& c = collector();
  set_goal_and_trigger(c, c.last_marked);
}

}  // namespace gort::gc
