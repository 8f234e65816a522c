// sched/chan.h — the channel core shared by chan.cc and select.cc (Go's hchan).
//
// A channel is a lock, a ring buffer of `dataqsiz` elements, and two queues
// of waiting goroutines (sudogs). A sender that finds a waiting receiver
// moves its element straight into the receiver's storage and readies it; a
// receiver that finds a waiting sender does the converse (for a buffered
// channel: takes the head of the ring and moves the sender's element into the
// freed slot, keeping FIFO order). Only when neither a partner nor buffer room
// is available does a goroutine enqueue a sudog on its own stack and park; the
// channel lock is released on g0 after the switch.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/gc_hooks.h"
#include "base/lock.h"
#include "base/rootrange.h"
#include "gort/chan.h"
#include "sched/g.h"

namespace gort::detail {

// A goroutine waiting on a channel. Lives on the waiting goroutine's stack.
struct Sudog {
  G* g = nullptr;
  void* elem = nullptr;  // send: value to move from; recv: storage to move into (may be null)
  Sudog* next = nullptr;
  Sudog* prev = nullptr;
  hchan* c = nullptr;
  bool is_select = false;
  bool success = false;  // true: the operation happened; false: woken by close
  int case_index = 0;
};

// Changed only with the channel's lock held. `first` is also read without
// the lock, as a hint, by the non-blocking fast paths (hchan::full, and
// chan_recv's emptiness check): those reads are relaxed atomic loads, so the
// stores to `first` are relaxed atomic stores (set_first; a plain move on
// x86-64), or the pair would be a data race (found by TSan). Reads under the
// lock stay plain.
struct WaitQ {
  Sudog* first = nullptr;
  Sudog* last = nullptr;
  void set_first(Sudog* s) { __atomic_store_n(&first, s, __ATOMIC_RELAXED); }
  void enqueue(Sudog* s);
  Sudog* dequeue();        // skips select sudogs whose select already finished
  void remove(Sudog* s);   // a select cleaning up its losing cases
};

struct hchan {
  std::atomic<std::int32_t> refs{1};
  const ElemOps* ops = nullptr;
  std::uint32_t dataqsiz = 0;
  std::atomic<std::uint32_t> qcount{0};
  std::uint32_t sendx = 0;
  std::uint32_t recvx = 0;
  unsigned char* buf = nullptr;
  base::RootRange buf_root;  // buf, scanned by the collector
  std::atomic<bool> closed{false};
  WaitQ recvq;
  WaitQ sendq;
  base::Lock lock;

  void* slot(std::uint32_t i) const { return buf + static_cast<std::size_t>(i) * ops->size; }
  bool full() const {
    // Read without the lock (Go's full()): a racy hint for the non-blocking fast path.
    return dataqsiz == 0 ? __atomic_load_n(&recvq.first, __ATOMIC_RELAXED) == nullptr
                         : qcount.load(std::memory_order_relaxed) == dataqsiz;
  }
};

// Element moves (memcpy for trivially copyable types).
inline void elem_move(const ElemOps* ops, void* dst, void* src) {
  base::gc_shade_range(src, ops->size);  // a value changing hands while the collector marks
  if (ops->trivial) {
    __builtin_memcpy(dst, src, ops->size);
  } else {
    ops->move_construct(dst, src);
  }
}
inline void elem_destroy(const ElemOps* ops, void* p) {
  if (!ops->trivial) ops->destroy(p);
}
// Empties a buffer slot whose value was received, as Go's chanrecv clears it
// (typedmemclr): a value left behind would keep its object alive until the
// slot is reused, and would be a stale word to gccheckmark's strict scan of
// the buffer.
inline void elem_clear_slot(const ElemOps* ops, void* p) {
  elem_destroy(ops, p);
  __builtin_memset(p, 0, ops->size);
}

// Completes a send to a parked receiver / a receive from a parked sender.
// Both are called with c->lock held and release it.
void chan_send_direct(hchan* c, Sudog* sg, void* ep);
void chan_recv_direct(hchan* c, Sudog* sg, void* ep);

}  // namespace gort::detail
