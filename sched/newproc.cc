// sched/newproc.cc — creating goroutines (Go's newproc) and recycling G structs.
//
// gort::go queues the new goroutine in runnext, as Go does, and the parent
// carries on. The goroutine it displaces from runnext goes to the *front* of
// the local queue (Go puts it at the back), so the most recently spawned
// goroutines run first: a spawn tree is explored depth first, each goroutine
// usually finishes (its stack recycled, still hot in cache) before its older
// siblings start, and a million-leaf tree needs a few dozen live stacks. A
// queued goroutine that never ran has no stack yet.
//
// G structs are never freed: dead ones wait on per-P and global free lists,
// and every G ever made is listed in allgs for tracebacks.
#include "base/alloc.h"

#include <vector>

#include "base/lock.h"
#include "gort/sched.h"
#include "base/fail.h"
#include "base/gc_hooks.h"
#include "sched/sched.h"

namespace gort::detail {

namespace {

struct AllGs {
  base::Lock lock;
  std::vector<G*> gs;
};
AllGs& allgs() {
  static AllGs* a = new AllGs();
  return *a;
}

constexpr std::int32_t kGfreeMax = 64;

}  // namespace

void allgs_add(G* gp) {
  AllGs& a = allgs();
  base::Guard<base::Lock> g(a.lock);
  a.gs.push_back(gp);
}

std::int64_t allgs_snapshot(G** out, std::int64_t max) {
  AllGs& a = allgs();
  base::Guard<base::Lock> g(a.lock);
  std::int64_t n = 0;
  for (G* gp : a.gs) {
    if (n == max) break;
    out[n++] = gp;
  }
  return static_cast<std::int64_t>(a.gs.size());
}

void allgs_each(void (*fn)(G*, void*), void* ctx) {
  AllGs& a = allgs();
  base::Guard<base::Lock> g(a.lock);
  for (G* gp : a.gs) fn(gp, ctx);
}

G* gfget(P* p) {
  Sched& s = sched();
  if (p != nullptr && p->gfree == nullptr && s.peek_gfree() != nullptr) {
    base::Guard<base::Lock> g(s.lock);
    while (p->gfree_count < kGfreeMax / 2 && s.gfree != nullptr) {
      G* gp = s.gfree;
      s.set_gfree(gp->schedlink);
      s.gfree_count--;
      gp->schedlink = p->gfree;
      p->gfree = gp;
      p->gfree_count++;
    }
  }
  G* gp = nullptr;
  if (p != nullptr && p->gfree != nullptr) {
    gp = p->gfree;
    p->gfree = gp->schedlink;
    p->gfree_count--;
  } else if (p == nullptr && s.peek_gfree() != nullptr) {
    base::Guard<base::Lock> g(s.lock);
    if (s.gfree != nullptr) {
      gp = s.gfree;
      s.set_gfree(gp->schedlink);
      s.gfree_count--;
    }
  }
  if (gp == nullptr) {
    gp = new G();
    allgs_add(gp);
  }
  gp->schedlink = nullptr;
  return gp;
}

void gfput(P* p, G* gp) {
  gp->schedlink = p->gfree;
  p->gfree = gp;
  if (++p->gfree_count < kGfreeMax) return;
  Sched& s = sched();
  base::Guard<base::Lock> g(s.lock);
  while (p->gfree_count > kGfreeMax / 2) {
    G* x = p->gfree;
    p->gfree = x->schedlink;
    p->gfree_count--;
    x->schedlink = s.gfree;
    s.set_gfree(x);
    s.gfree_count++;
  }
}

GoSlot newproc_alloc(std::size_t size, std::size_t align) {
  if (!sched().booted) fatal_("gort::go called before gort::run");
  M* m = tls_m;
  G* gp = gfget(m != nullptr ? m->p : nullptr);
  void* storage;
  gp->fn_on_heap = false;
  gp->fn_size = static_cast<std::uint32_t>(size);
  if (size <= sizeof gp->fn_buf && align <= 16) {
    storage = gp->fn_buf;
  } else {
    gp->fn_on_heap = true;
    storage = base::rt_alloc(size, align);
    if (storage == nullptr) throw_("runtime: out of memory");
  }
  gp->fn = storage;
  return GoSlot{gp, storage};
}

void newproc_start(GoSlot slot, void (*invoke)(void*), void (*destroy)(void*)) {
  Sched& s = sched();
  G* gp = slot.g;
  gp->invoke = invoke;
  gp->destroy = destroy;
  gp->gopc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  gp->id = s.goidgen.fetch_add(1, std::memory_order_relaxed) + 1;
  gp->is_main = false;
  gp->is_system = false;
  gp->wait_reason = WaitReason::zero;
  gp->waitsince = 0;
  // A reused G starts with no panic state.
  gp->defers = nullptr;
  gp->panic = nullptr;
  gp->recover_target = nullptr;
  gp->goexiting = gp->goexited = false;
  gp->sig = 0;
  gp->eh_caught = nullptr;
  gp->eh_uncaught = 0;
  gp->syscall_pc = gp->syscall_sp = gp->syscall_bp = 0;
  // While the collector marks, what the closure captured is shaded: a new
  // goroutine's stack is never scanned in the cycle it was born in.
  base::gc_shade_range(gp->fn, gp->fn_size);
  gp->gcscan_gen = 0;
  gp->gcscan_sp = UINTPTR_MAX;  // nothing of this life scanned (gc/stackscan.cc)
  gp->gcscan_cleared = false;
  gp->status.store(GStatus::runnable, std::memory_order_release);
  s.ngoroutines.fetch_add(1, std::memory_order_relaxed);
  M* m = tls_m;
  G* parent = (m != nullptr && !m->on_g0) ? m->curg : nullptr;
  gp->parent_id = parent != nullptr ? parent->id : 0;
  if (m != nullptr && m->p != nullptr) {
    // The new goroutine runs next on this P; the parent carries on.
    runqput_spawn(m->p, gp);
    wakep();
    if (parent != nullptr) safepoint();
    return;
  }
  {  // a thread the runtime does not own
    base::Guard<base::Lock> g(s.lock);
    globrunqput(gp);
  }
  wakep();
}

void go_nil_func() { fatal_("go of nil func value"); }

const char* wait_reason_string(WaitReason r) {
  switch (r) {
    case WaitReason::zero: return "";
    case WaitReason::chan_receive: return "chan receive";
    case WaitReason::chan_send: return "chan send";
    case WaitReason::chan_receive_nil_chan: return "chan receive (nil chan)";
    case WaitReason::chan_send_nil_chan: return "chan send (nil chan)";
    case WaitReason::select: return "select";
    case WaitReason::select_no_cases: return "select (no cases)";
    case WaitReason::sleep: return "sleep";
    case WaitReason::semacquire: return "semacquire";
    case WaitReason::sync_cond_wait: return "sync.Cond.Wait";
    case WaitReason::stop_the_world: return "stop the world";
    case WaitReason::preempted: return "preempted";
    case WaitReason::gc_worker_idle: return "GC worker (idle)";
    case WaitReason::gc_assist_wait: return "GC assist wait";
    case WaitReason::gc_sweep_wait: return "GC sweep wait";
    case WaitReason::finalizer_wait: return "finalizer wait";
    case WaitReason::force_gc_idle: return "force gc (idle)";
  }
  return "unknown";
}

const char* status_string(GStatus s) {
  switch (s) {
    case GStatus::idle: return "idle";
    case GStatus::runnable: return "runnable";
    case GStatus::running: return "running";
    case GStatus::syscall: return "syscall";
    case GStatus::waiting: return "waiting";
    case GStatus::dead: return "dead";
  }
  return "???";
}

}  // namespace gort::detail
