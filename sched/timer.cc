// sched/timer.cc — per-P timer heaps, gort::sleep, and the public timers.
// See timer.h for the design.
#include "sched/timer.h"

#include "base/alloc.h"

#include <chrono>
#include <functional>

#include "base/clock.h"
#include "gort/sched.h"
#include "gort/time.h"
#include "base/fail.h"
#include "sched/sched.h"

namespace gort::detail {

namespace {

void heap_swap(TimerHeap& h, std::int32_t a, std::int32_t b) {
  Timer* t = h.items[a];
  h.items[a] = h.items[b];
  h.items[b] = t;
  h.items[a]->index = a;
  h.items[b]->index = b;
}

void sift_up(TimerHeap& h, std::int32_t i) {
  while (i > 0) {
    std::int32_t parent = (i - 1) / 2;
    if (h.items[parent]->when <= h.items[i]->when) break;
    heap_swap(h, parent, i);
    i = parent;
  }
}

void sift_down(TimerHeap& h, std::int32_t i) {
  for (;;) {
    std::int32_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < h.len && h.items[l]->when < h.items[m]->when) m = l;
    if (r < h.len && h.items[r]->when < h.items[m]->when) m = r;
    if (m == i) return;
    heap_swap(h, i, m);
    i = m;
  }
}

void update_next(TimerHeap& h) {
  h.next_when.store(h.len > 0 ? h.items[0]->when : INT64_MAX, std::memory_order_release);
}

void heap_push(TimerHeap& h, Timer* t) {
  if (h.len == h.cap) {
    std::int32_t ncap = h.cap == 0 ? 16 : h.cap * 2;
    auto* n = static_cast<Timer**>(base::rt_realloc(h.items, sizeof(Timer*) * static_cast<std::size_t>(ncap)));
    if (n == nullptr) throw_("runtime: out of memory");
    h.items = n;
    h.cap = ncap;
  }
  t->index = h.len;
  h.items[h.len++] = t;
  sift_up(h, t->index);
  update_next(h);
}

void heap_remove(TimerHeap& h, std::int32_t i) {
  Timer* t = h.items[i];
  h.len--;
  if (i != h.len) {
    h.items[i] = h.items[h.len];
    h.items[i]->index = i;
    sift_down(h, i);
    sift_up(h, i);
  }
  t->index = -1;
  update_next(h);
}

void timer_unref(Timer* t) {
  if (t->heap_allocated && t->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    if (t->free_arg != nullptr) t->free_arg(t->arg);
    delete t;
  }
}

P* current_p_or_first() {
  M* m = tls_m;
  if (m != nullptr && m->p != nullptr) return m->p;
  return sched().allp[0];
}

}  // namespace

void timer_add(P* p, Timer* t) {
  base::Guard<base::Lock> g(p->timers.lock);
  t->p = p;
  t->state.store(TimerState::pending, std::memory_order_release);
  heap_push(p->timers, t);
}

bool timer_delete(Timer* t) {
  for (;;) {
    P* p = __atomic_load_n(&t->p, __ATOMIC_ACQUIRE);
    if (p == nullptr) return false;
    base::Guard<base::Lock> g(p->timers.lock);
    if (t->p != p) continue;  // moved to another P meanwhile
    if (t->state.load() != TimerState::pending) return false;
    heap_remove(p->timers, t->index);
    t->p = nullptr;
    t->state.store(TimerState::stopped, std::memory_order_release);
    return true;
  }
}

int run_timers(P* p, std::int64_t now) {
  TimerHeap& h = p->timers;
  int ran = 0;
  h.lock.lock();
  while (h.len > 0 && h.items[0]->when <= now) {
    Timer* t = h.items[0];
    heap_remove(h, 0);
    t->p = nullptr;
    t->state.store(TimerState::firing, std::memory_order_release);
    h.lock.unlock();
    // A stack-allocated timer (sleep) may be gone once its function readied
    // the sleeper: read everything we need first.
    bool heap_allocated = t->heap_allocated;
    t->fn(t->arg, now);
    if (heap_allocated) {
      t->state.store(TimerState::fired, std::memory_order_release);
      timer_unref(t);
    }
    ran++;
    h.lock.lock();
  }
  h.lock.unlock();
  return ran;
}

void timers_move(P* from, P* to) {
  if (from == to) return;
  P* first = from < to ? from : to;
  P* second = from < to ? to : from;
  base::Guard<base::Lock> g1(first->timers.lock);
  base::Guard<base::Lock> g2(second->timers.lock);
  while (from->timers.len > 0) {
    Timer* t = from->timers.items[from->timers.len - 1];
    heap_remove(from->timers, from->timers.len - 1);
    t->p = to;
    heap_push(to->timers, t);
  }
}

// ---- sleep ---------------------------------------------------------------------

namespace {

void sleep_fire(void* arg, std::int64_t) { goready(static_cast<G*>(arg)); }

bool sleep_commit(G* gp, void* arg) {
  auto* t = static_cast<Timer*>(arg);
  timer_add(tls_m->p, t);
  (void)gp;
  return true;
}

}  // namespace

void sleep_ns(std::int64_t ns) {
  if (ns <= 0) return;
  M* m = getm();
  if (m == nullptr || m->on_g0 || m->curg == nullptr)
    fatal_("gort::sleep called outside a goroutine");
  Timer t;
  t.when = base::nanotime() + ns;
  if (t.when < 0) t.when = INT64_MAX - 1;  // overflow: sleep "forever"
  t.fn = sleep_fire;
  t.arg = m->curg;
  gopark(sleep_commit, &t, WaitReason::sleep);
}

// ---- public timers -----------------------------------------------------------------

Timer* timer_start(std::int64_t delay_ns, void (*fn)(void*, std::int64_t), void* arg,
                   void (*free_arg)(void*)) {
  if (!sched().booted) fatal_("gort timers used before gort::run");
  auto* t = new Timer();
  t->heap_allocated = true;
  t->refs.store(2);  // the handle and the heap
  t->fn = fn;
  t->arg = arg;
  t->free_arg = free_arg;
  std::int64_t now = base::nanotime();
  t->when = delay_ns <= 0 ? now : now + delay_ns;
  if (t->when < 0) t->when = INT64_MAX - 1;
  timer_add(current_p_or_first(), t);
  // A sleeping runtime must notice the new deadline.
  sysmon_wake_if_waiting();
  return t;
}

bool timer_stop(Timer* t) {
  if (timer_delete(t)) {
    timer_unref(t);  // the heap's reference
    return true;
  }
  return false;
}

void timer_release(Timer* t) { timer_unref(t); }

}  // namespace gort::detail

namespace gort {

namespace {

void send_time(void* arg, std::int64_t now) {
  Clock::time_point tp{std::chrono::nanoseconds(now)};
  detail::chan_send(static_cast<detail::hchan*>(arg), &tp, false);
}

void release_chan(void* arg) { detail::chan_release(static_cast<detail::hchan*>(arg)); }

void start_func(void* arg, std::int64_t) {
  auto* fn = static_cast<std::function<void()>*>(arg);
  gort::go(*fn);
}

void free_func(void* arg) { delete static_cast<std::function<void()>*>(arg); }

}  // namespace

Timer new_timer(std::chrono::nanoseconds d) {
  Chan<Clock::time_point> c = make_chan<Clock::time_point>(1);
  detail::chan_retain(c.raw());
  detail::Timer* t = detail::timer_start(d.count(), send_time, c.raw(), release_chan);
  return Timer(t, std::move(c));
}

Timer after_func(std::chrono::nanoseconds d, std::function<void()> fn) {
  if (!fn) detail::go_nil_func();
  auto* arg = new std::function<void()>(std::move(fn));
  return Timer(detail::timer_start(d.count(), start_func, arg, free_func));
}

}  // namespace gort
