// sched/chan.cc — channel send, receive and close. See chan.h for the design.
#include "sched/chan.h"

#include "base/alloc.h"
#include "base/rootrange.h"

#include "base/fail.h"
#include "sched/sched.h"

namespace gort::detail {

void WaitQ::enqueue(Sudog* s) {
  s->next = nullptr;
  s->prev = last;
  if (last != nullptr) {
    last->next = s;
  } else {
    set_first(s);
  }
  last = s;
}

void WaitQ::remove(Sudog* s) {
  if (s->prev != nullptr) {
    s->prev->next = s->next;
  } else if (first == s) {
    set_first(s->next);
  } else {
    return;  // not queued (already dequeued by a waker)
  }
  if (s->next != nullptr) {
    s->next->prev = s->prev;
  } else {
    last = s->prev;
  }
  s->next = s->prev = nullptr;
}

Sudog* WaitQ::dequeue() {
  for (;;) {
    Sudog* s = first;
    if (s == nullptr) return nullptr;
    set_first(s->next);
    if (first != nullptr) {
      first->prev = nullptr;
    } else {
      last = nullptr;
    }
    s->next = s->prev = nullptr;
    if (s->is_select) {
      // Only the first case to fire wins the select.
      std::uint32_t zero = 0;
      if (!s->g->select_done.compare_exchange_strong(zero, 1, std::memory_order_acq_rel)) continue;
    }
    return s;
  }
}

namespace {

bool unlock_chan_commit(G*, void* c) {
  static_cast<hchan*>(c)->lock.unlock();
  return true;
}

// Queues the calling goroutine on q (c->lock held) and parks it; the lock is
// released on g0. True if a partner completed the operation, false if the
// channel was closed meanwhile.
bool park_on(hchan* c, WaitQ& q, void* ep, WaitReason reason) {
  G* gp = getg();
  if (gp == nullptr) {
    c->lock.unlock();
    fatal_("gort: channel operation blocks outside a goroutine");
  }
  Sudog sg;
  sg.g = gp;
  sg.elem = ep;
  sg.c = c;
  gp->param = nullptr;
  q.enqueue(&sg);
  gopark(unlock_chan_commit, c, reason);
  return sg.success;
}

[[noreturn]] void block_forever(WaitReason reason) {
  gopark(nullptr, nullptr, reason);
  throw_("unreachable: goroutine blocked forever was woken");
}

}  // namespace

void chan_send_direct(hchan* c, Sudog* sg, void* ep) {
  if (sg->elem != nullptr) elem_move(c->ops, sg->elem, ep);
  sg->success = true;
  G* gp = sg->g;
  gp->param = sg;
  c->lock.unlock();
  goready(gp);
}

void chan_recv_direct(hchan* c, Sudog* sg, void* ep) {
  if (c->dataqsiz == 0) {
    if (ep != nullptr) elem_move(c->ops, ep, sg->elem);
  } else {
    // The buffer is full: take its head, and put the sender's value in the
    // freed slot, which becomes the new tail.
    void* head = c->slot(c->recvx);
    if (ep != nullptr) elem_move(c->ops, ep, head);
    elem_clear_slot(c->ops, head);
    elem_move(c->ops, head, sg->elem);
    if (++c->recvx == c->dataqsiz) c->recvx = 0;
    c->sendx = c->recvx;
  }
  sg->success = true;
  G* gp = sg->g;
  gp->param = sg;
  c->lock.unlock();
  goready(gp);
}

hchan* chan_make(const ElemOps* ops, std::int64_t cap) {
  constexpr std::int64_t kMaxAlloc = std::int64_t{1} << 40;
  if (cap < 0 || (ops->size != 0 && cap > kMaxAlloc / static_cast<std::int64_t>(ops->size)) ||
      cap > UINT32_MAX)
    panic_runtime_error("makechan: size out of range");
  auto* c = new hchan();
  c->ops = ops;
  c->dataqsiz = static_cast<std::uint32_t>(cap);
  if (cap > 0 && ops->size > 0) {
    c->buf = static_cast<unsigned char*>(
        base::rt_alloc(static_cast<std::size_t>(cap) * ops->size, ops->align));
    if (c->buf == nullptr) throw_("runtime: out of memory");
    // Zeroed: the memory may hold a freed buffer's old values, which the
    // collector would read as roots (and gccheckmark hold strictly).
    __builtin_memset(c->buf, 0, static_cast<std::size_t>(cap) * ops->size);
    // Buffered values may be the only references to GC objects.
    base::root_range_register(&c->buf_root, c->buf, static_cast<std::size_t>(cap) * ops->size);
  }
  return c;
}

void chan_retain(hchan* c) noexcept { c->refs.fetch_add(1, std::memory_order_relaxed); }

void chan_release(hchan* c) noexcept {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Destroy buffered elements.
  std::uint32_t n = c->qcount.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0, x = c->recvx; i < n; i++) {
    elem_destroy(c->ops, c->slot(x));
    if (++x == c->dataqsiz) x = 0;
  }
  if (c->buf != nullptr) base::root_range_unregister(&c->buf_root);
  base::rt_free(c->buf);
  delete c;
}

std::size_t chan_len(const hchan* c) noexcept { return c->qcount.load(std::memory_order_relaxed); }
std::size_t chan_cap(const hchan* c) noexcept { return c->dataqsiz; }

bool chan_send(hchan* c, void* ep, bool block) {
  if (c == nullptr) {
    if (!block) return false;
    block_forever(WaitReason::chan_send_nil_chan);
  }
  safepoint();
  // Fast path: a full open channel cannot take a non-blocking send.
  if (!block && !c->closed.load(std::memory_order_relaxed) && c->full()) return false;
  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    c->lock.unlock();
    panic_runtime_error("send on closed channel");
  }
  if (Sudog* sg = c->recvq.dequeue()) {
    chan_send_direct(c, sg, ep);
    return true;
  }
  if (c->qcount.load(std::memory_order_relaxed) < c->dataqsiz) {
    elem_move(c->ops, c->slot(c->sendx), ep);
    if (++c->sendx == c->dataqsiz) c->sendx = 0;
    c->qcount.fetch_add(1, std::memory_order_relaxed);
    c->lock.unlock();
    return true;
  }
  if (!block) {
    c->lock.unlock();
    return false;
  }
  if (!park_on(c, c->sendq, ep, WaitReason::chan_send)) panic_runtime_error("send on closed channel");
  return true;
}

RecvStatus chan_recv(hchan* c, void* ep, bool block) {
  if (c == nullptr) {
    if (!block) return RecvStatus::would_block;
    block_forever(WaitReason::chan_receive_nil_chan);
  }
  safepoint();
  // Fast path: nothing to take from an empty channel without blocking.
  if (!block) {
    bool empty = c->dataqsiz == 0 ? __atomic_load_n(&c->sendq.first, __ATOMIC_RELAXED) == nullptr
                                  : c->qcount.load(std::memory_order_acquire) == 0;
    if (empty) {
      if (!c->closed.load(std::memory_order_acquire)) return RecvStatus::would_block;
      // Closed: re-check emptiness now that closed was observed.
      bool still_empty = c->dataqsiz == 0 ? true : c->qcount.load(std::memory_order_acquire) == 0;
      if (still_empty) return RecvStatus::closed;
    }
  }
  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed) && c->qcount.load(std::memory_order_relaxed) == 0) {
    c->lock.unlock();
    return RecvStatus::closed;
  }
  if (Sudog* sg = c->sendq.dequeue()) {
    chan_recv_direct(c, sg, ep);
    return RecvStatus::received;
  }
  if (c->qcount.load(std::memory_order_relaxed) > 0) {
    void* head = c->slot(c->recvx);
    elem_move(c->ops, ep, head);
    elem_clear_slot(c->ops, head);
    if (++c->recvx == c->dataqsiz) c->recvx = 0;
    c->qcount.fetch_sub(1, std::memory_order_relaxed);
    c->lock.unlock();
    return RecvStatus::received;
  }
  if (!block) {
    c->lock.unlock();
    return RecvStatus::would_block;
  }
  return park_on(c, c->recvq, ep, WaitReason::chan_receive) ? RecvStatus::received
                                                             : RecvStatus::closed;
}

void chan_close(hchan* c) {
  if (c == nullptr) panic_runtime_error("close of nil channel");
  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    c->lock.unlock();
    panic_runtime_error("close of closed channel");
  }
  c->closed.store(true, std::memory_order_release);
  // Collect every waiter; ready them after unlocking.
  G* wake = nullptr;
  auto collect = [&](WaitQ& q) {
    while (Sudog* sg = q.dequeue()) {
      sg->success = false;
      sg->g->param = sg;
      sg->g->schedlink = wake;
      wake = sg->g;
    }
  };
  collect(c->recvq);
  collect(c->sendq);
  c->lock.unlock();
  while (wake != nullptr) {
    G* gp = wake;
    wake = gp->schedlink;
    gp->schedlink = nullptr;
    goready(gp);
  }
}

}  // namespace gort::detail
