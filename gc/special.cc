// gc/special.cc — see special.h.
#include "gc/special.h"

#include <cstring>
#include <utility>
#include <vector>

#include "base/alloc.h"
#include "base/fail.h"
#include "base/lock.h"
#include "gc/barrier.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mark.h"
#include "gc/parker.h"
#include "gc/specials_table.h"
#include "gc/sweep.h"
#include "gc/work.h"
#include "gort/gc.h"
#include "gort/sched.h"
#include "sched/sched.h"
#include "trace/trace.h"

namespace gort::gc {

namespace {

using detail::FinalizerFn;

struct Ready {
  std::uintptr_t obj;
  FinalizerFn fn;
};

// The queue of finalizers whose objects died, filled by the sweep
// (gc/specials_table.h has the records of those still alive).
struct Finalizers {
  base::Lock lock;
  // Queued finalizers, run in order from ready[head]: taking one is O(1)
  // (erasing the vector's front was O(n) per finalizer, quadratic for a
  // backlog: gort-stress measured 70,000 of 160,000 still waiting after
  // 10 s). The entries before head are done; the vector is emptied when
  // head reaches its end.
  std::vector<Ready, base::RtAllocator<Ready>> ready;
  std::size_t head = 0;
  bool pending() const { return head < ready.size(); }
  bool running = false;  // the goroutine is running a finalizer
};

Finalizers& fins() {
  static Finalizers* f = new (base::rt_alloc(sizeof(Finalizers), alignof(Finalizers))) Finalizers();
  return *f;
}

[[noreturn]] void fin_throw(const char* what) {
  gort::detail::throw_(what);
}

// ---- the finalizer goroutine --------------------------------------------------------------

Parker g_fg_parker;
std::atomic<bool> g_fg_started{false};

void finalizer_main() {
  using namespace gort::detail;
  become_system_goroutine();
  trace::name_goroutine(gort::goid(), "finalizer");
  Finalizers& f = fins();
  for (;;) {
    g_fg_parker.park(WaitReason::finalizer_wait);
    for (;;) {
      Ready r;
      {
        base::Guard<base::Lock> g(f.lock);
        if (!f.pending()) {
          f.ready.clear();
          f.head = 0;
          break;
        }
        // It stays in the queue while it runs, so that the collector keeps
        // scanning its function object (whose captures may be the only
        // references to GC objects) until it is done.
        r = f.ready[f.head];
        f.running = true;
      }
      r.fn.run(r.fn.fn, reinterpret_cast<void*>(r.obj));
      {
        base::Guard<base::Lock> g(f.lock);
        f.head++;
        f.running = false;
      }
      r.fn.destroy(r.fn.fn);
      base::rt_free(r.fn.fn);
    }
  }
}

}  // namespace

// ---- the collector's side ---------------------------------------------------------------

void mark_finalizer_queue(MarkState& ms) {
  Finalizers& f = fins();
  base::Guard<base::Lock> g(f.lock);
  ms.root_kind = "finalizer queue";
  for (std::size_t i = f.head; i < f.ready.size(); i++) {
    Ready& r = f.ready[i];
    mark_conservative(ms, r.obj);
    scan_finalizer_fn(ms, r.fn);
  }
  ms.root_kind = nullptr;
}

void queue_finalizer(std::uintptr_t obj, const FinalizerFn& fn) {
  Finalizers& f = fins();
  base::Guard<base::Lock> g(f.lock);
  f.ready.push_back(Ready{obj, fn});
}

void finalizers_wake() {
  Finalizers& f = fins();
  {
    base::Guard<base::Lock> g(f.lock);
    if (!f.pending()) return;
  }
  g_fg_parker.kick();
}

void finalizers_wake_if_queued() {
  if (g_finalizers_queued.load(std::memory_order_relaxed) && g_finalizers_queued.exchange(false))
    finalizers_wake();
}

void start_finalizer_goroutine() {
  if (!g_fg_started.exchange(true)) gort::go(finalizer_main);
}

bool finalizer_goroutine_idle() { return g_fg_parker.is_idle(); }

// ---- the API's side --------------------------------------------------------------------------

namespace detail {

void* finalizer_fn_alloc(std::size_t size, std::size_t align) {
  void* p = base::rt_alloc(size == 0 ? 1 : size, align < alignof(std::max_align_t) ? alignof(std::max_align_t) : align);
  if (p == nullptr) gort::detail::throw_("runtime: out of memory");
  return p;
}

void set_finalizer_erased(void* obj, FinalizerFn fn) {
  auto release = [&fn] {
    if (fn.fn != nullptr) {
      fn.destroy(fn.fn);
      base::rt_free(fn.fn);
    }
  };
  if (obj == nullptr) {
    release();
    fin_throw("gort::gc::set_finalizer: first argument is nil");
  }
  auto addr = reinterpret_cast<std::uintptr_t>(obj);
  std::uintptr_t base = object_base(addr);
  if (base == 0) {
    release();
    fin_throw("gort::gc::set_finalizer: pointer not in allocated block");
  }
  if (base != addr) {
    release();
    fin_throw("gort::gc::set_finalizer: pointer not at beginning of allocated block");
  }
  if (fn.fn == nullptr) {  // clear
    FinalizerFn old{};
    if (!specials_remove_finalizer(addr, &old)) return;
    old.destroy(old.fn);
    base::rt_free(old.fn);
    return;
  }
  if (gort::detail::getg() != nullptr) start_finalizer_goroutine();
  if (!specials_add_finalizer(addr, fn)) {
    release();
    fin_throw("gort::gc::set_finalizer: finalizer already set");
  }
  // No pause in between: if the mark is on now, it may have passed the
  // table already, so do its part; if it starts later, its root job finds
  // the record (added above).
  base::NoSuspend ns;
  if (collector().phase.load(std::memory_order_acquire) == Phase::mark) {
    std::uintptr_t grey[256];
    MarkState ms;
    ms.work.data = grey;
    ms.work.cap = 256;
    ms.work.fixed = true;
    scan_finalizer_fn(ms, fn);
    mark_referents(ms, addr);
    while (ms.work.len != 0) drain_n(ms, 64);
    flush_mark_counts(ms);
    ms.work.data = nullptr;
    ms.work.cap = 0;
    ms.work.fixed = false;
  }
}

void** weak_slot_alloc(void* target) { return &weak_cell_new(target)->target; }

// The slot is a cell's first member.
void weak_slot_free(void** slot) { weak_cell_free(reinterpret_cast<WeakCell*>(slot)); }

void* weak_slot_get(void** slot) { return weak_cell_get(reinterpret_cast<WeakCell*>(slot)); }

}  // namespace detail

}  // namespace gort::gc
