// gc/markroots.cc — root jobs (gc/markroots.h). Claims go through one lock:
// a job is a whole stack (microseconds), so with a handful of markers the
// lock is cold, and the lock makes the retry list and "done" exact.
#include "gc/markroots.h"

#include <atomic>

#include "base/fail.h"
#include "base/lock.h"
#include "base/osmem.h"
#include "gc/sizeclass.h"
#include "gc/stackscan.h"
#include "sched/sched.h"

namespace gort::gc {

using gort::detail::G;

namespace {

struct Roots {
  base::Lock lock;
  std::uint32_t gen = 0;
  bool active = false;      // a cycle's jobs exist
  bool listed = false;      // the goroutine list is taken
  bool globals_claimed = false;
  G** gs = nullptr;         // goroutines to scan: [next, n) unclaimed
  void* buf = nullptr;      // gs and retry live here, kept from cycle to cycle
  std::size_t buf_bytes = 0;
  std::int64_t n = 0, next = 0;
  G** retry = nullptr;      // deferred stacks (at most n at a time)
  std::int64_t nretry = 0;
  std::int64_t running = 0;
  std::atomic<bool> pending{false};
  std::atomic<std::int64_t> stack_bytes{0};
};

Roots g_roots;

void update_pending(Roots& r) {
  bool done = r.listed && r.globals_claimed && r.next == r.n && r.nretry == 0 && r.running == 0;
  r.pending.store(r.active && !done, std::memory_order_release);
}

// The list's memory is kept from one cycle to the next, and replaced here,
// during the concurrent mark, only when it is too small or more than four
// times too large. Freeing it at mark termination, as this did until session
// 23, put a munmap inside the pause: its TLB shootdown interrupts every CPU
// the process runs on, and in a VM that took 20-215 µs of gc-latency's mark
// terminations (debug timestamps), time the pause figures did not count.
void reserve_list(Roots& r, std::size_t need) {
  constexpr std::size_t kKeepSmall = 64 << 10;
  if (r.buf != nullptr && need <= r.buf_bytes && (r.buf_bytes <= kKeepSmall || need * 4 >= r.buf_bytes))
    return;
  base::os_free(r.buf, r.buf_bytes);
  r.buf_bytes = (need + kPageSize - 1) / kPageSize * kPageSize;
  r.buf = base::os_alloc(r.buf_bytes);
  if (r.buf == nullptr) gort::detail::throw_("runtime: out of memory (stack roots)");
}

// Under the lock: the goroutines whose stacks this cycle scans (not the
// collector's own: their stacks hold no heap pointers).
void list_goroutines(Roots& r) {
  GoroutineSnapshot snap;
  std::size_t slots = static_cast<std::size_t>(snap.n > 0 ? snap.n : 1);
  std::size_t need = slots * sizeof(G*) * 2;  // gs, then retry
  reserve_list(r, need);
  if (need > r.buf_bytes) gort::detail::throw_("gc: stack-root list smaller than its goroutines");
  r.gs = static_cast<G**>(r.buf);
  r.retry = r.gs + slots;
  r.n = 0;
  for (std::int64_t i = 0; i < snap.n; i++)
    if (!snap.gs[i]->is_system) r.gs[r.n++] = snap.gs[i];
  r.next = 0;
  r.nretry = 0;
  r.listed = true;
}

}  // namespace

void roots_reset(std::uint32_t gen) {
  Roots& r = g_roots;
  base::Guard<base::Lock> g(r.lock);
  if (r.running != 0) gort::detail::throw_("gc: root jobs still running at a cycle's start");
  r.gen = gen;
  r.active = true;
  r.listed = false;
  r.globals_claimed = false;
  r.stack_bytes.store(0, std::memory_order_relaxed);
  update_pending(r);
}

void roots_release() {
  Roots& r = g_roots;
  base::Guard<base::Lock> g(r.lock);
  r.gs = r.retry = nullptr;  // the memory stays for the next cycle (reserve_list)
  r.n = r.next = r.nretry = 0;
  r.active = false;
  update_pending(r);
}

RootJob roots_scan_one(MarkState& ms) {
  Roots& r = g_roots;
  r.lock.lock();
  if (!r.active) {
    r.lock.unlock();
    return RootJob::none;
  }
  if (!r.globals_claimed) {
    r.globals_claimed = true;
    r.running++;
    update_pending(r);
    r.lock.unlock();
    mark_global_roots(ms);
    base::Guard<base::Lock> g(r.lock);
    r.running--;
    update_pending(r);
    return RootJob::scanned;
  }
  if (!r.listed) list_goroutines(r);
  G* gp = nullptr;
  if (r.next < r.n) gp = r.gs[r.next++];
  else if (r.nretry > 0) gp = r.retry[--r.nretry];
  if (gp == nullptr) {
    update_pending(r);
    r.lock.unlock();
    return RootJob::none;
  }
  r.running++;
  std::uint32_t gen = r.gen;
  r.lock.unlock();

  std::int64_t before = ms.stack_bytes;
  bool ok = scan_goroutine_stack(ms, gp, gort::detail::getm(), gen);
  r.stack_bytes.fetch_add(ms.stack_bytes - before, std::memory_order_relaxed);

  base::Guard<base::Lock> g(r.lock);
  r.running--;
  if (!ok) r.retry[r.nretry++] = gp;
  update_pending(r);
  return ok ? RootJob::scanned : RootJob::deferred;
}

bool roots_pending() { return g_roots.pending.load(std::memory_order_acquire); }

std::int64_t roots_stack_bytes() { return g_roots.stack_bytes.load(std::memory_order_relaxed); }

}  // namespace gort::gc
