// trace/buffer.cc — per-thread event buffers, their hand-off to the writer,
// and the global ring (see buffer.h).
#include "trace/buffer.h"

#include <new>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/futex.h"
#include "base/lock.h"

namespace gort::trace {

std::atomic<std::uint32_t> g_writer_wake{0};
std::atomic<std::uint32_t> g_session{0};

namespace {

// Lists, under one lock (held for a few pointer moves). The lock is a
// runtime lock: a thread holding it is never suspended by a stop of the world.
base::Lock g_lists_lock;
Buffer* g_full_head = nullptr;
Buffer* g_full_tail = nullptr;
int g_full_count = 0;
Buffer* g_free = nullptr;
ThreadState* g_states = nullptr;
std::atomic<std::int64_t> g_dropped{0};

base::Lock g_global_lock;
Event g_global[kGlobalEvents];
std::uint32_t g_global_n = 0;

thread_local ThreadState* tls_state = nullptr;

ThreadState* register_thread() {
  auto* ts = new (base::rt_alloc(sizeof(ThreadState))) ThreadState();
  base::Guard<base::Lock> g(g_lists_lock);
  ts->next_state = g_states;
  g_states = ts;
  return ts;
}

// Hands `full` (may be null) to the writer and returns a fresh buffer for
// this session, or null if the writer is too far behind.
Buffer* swap_buffer(Buffer* full, std::uint32_t session) {
  Buffer* fresh = nullptr;
  bool wake = false;
  {
    base::Guard<base::Lock> g(g_lists_lock);
    if (full != nullptr) {
      if (g_full_count >= kMaxQueuedBuffers) return nullptr;
      full->next = nullptr;
      if (g_full_tail != nullptr) g_full_tail->next = full;
      else g_full_head = full;
      g_full_tail = full;
      g_full_count++;
      wake = g_full_count >= 4;
    }
    fresh = g_free;
    if (fresh != nullptr) {
      g_free = fresh->next;
      fresh->session = session;
    }
  }
  if (fresh == nullptr) {
    fresh = new (base::rt_alloc(sizeof(Buffer), alignof(Buffer))) Buffer();
    fresh->session = session;
  }
  if (wake) {
    g_writer_wake.fetch_add(1, std::memory_order_release);
    base::futex_wake(&g_writer_wake, 1);
  }
  return fresh;
}

}  // namespace

ThreadState* thread_state() {
  ThreadState* ts = tls_state;
  if (ts == nullptr) ts = tls_state = register_thread();
  std::uint32_t session = g_session.load(std::memory_order_acquire);
  if (ts->session != session) {
    // A new session: what this thread had open belongs to the old one. Its
    // old buffer goes to the writer, which recycles it unwritten.
    Buffer* old = ts->buf.load(std::memory_order_relaxed);
    ts->buf.store(nullptr, std::memory_order_release);
    if (old != nullptr) {
      base::Guard<base::Lock> g(g_lists_lock);
      old->next = nullptr;
      if (g_full_tail != nullptr) g_full_tail->next = old;
      else g_full_head = old;
      g_full_tail = old;
      g_full_count++;
    }
    ts->session = session;
    ts->p = -1;
    ts->nested = nullptr;
    ts->stw_reason = nullptr;
    ts->stw_start = 0;
  }
  return ts;
}

void append_local(ThreadState* ts, const Event& e) {
  Buffer* b = ts->buf.load(std::memory_order_relaxed);
  std::uint32_t n = b != nullptr ? b->n.load(std::memory_order_relaxed) : kBufferEvents;
  if (n == kBufferEvents) [[unlikely]] {
    Buffer* fresh = swap_buffer(b, ts->session);
    if (fresh == nullptr) {
      g_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    ts->buf.store(fresh, std::memory_order_release);
    b = fresh;
    n = 0;
  }
  b->ev[n] = e;
  b->n.store(n + 1, std::memory_order_release);
}

void append_global(Event e) {
  base::Guard<base::Lock> g(g_global_lock);
  if (e.ts == 0) e.ts = base::nanotime();
  if (g_global_n == kGlobalEvents) {
    g_dropped.fetch_add(1, std::memory_order_relaxed);
    g_writer_wake.fetch_add(1, std::memory_order_release);
    base::futex_wake(&g_writer_wake, 1);
    return;
  }
  g_global[g_global_n++] = e;
  if (g_global_n == kGlobalEvents / 2) {
    g_writer_wake.fetch_add(1, std::memory_order_release);
    base::futex_wake(&g_writer_wake, 1);
  }
}

Buffer* take_full_buffers() {
  base::Guard<base::Lock> g(g_lists_lock);
  Buffer* b = g_full_head;
  g_full_head = g_full_tail = nullptr;
  g_full_count = 0;
  return b;
}

void recycle(Buffer* b) {
  b->n.store(0, std::memory_order_relaxed);
  b->consumed = 0;
  base::Guard<base::Lock> g(g_lists_lock);
  b->next = g_free;
  g_free = b;
}

ThreadState* first_thread_state() {
  base::Guard<base::Lock> g(g_lists_lock);
  return g_states;
}

std::uint32_t take_global(Event* out) {
  base::Guard<base::Lock> g(g_global_lock);
  std::uint32_t n = g_global_n;
  for (std::uint32_t i = 0; i < n; i++) out[i] = g_global[i];
  g_global_n = 0;
  return n;
}

std::int64_t dropped_events() { return g_dropped.load(std::memory_order_relaxed); }

void reset_queues() {
  base::Guard<base::Lock> g(g_global_lock);
  g_global_n = 0;
  g_dropped.store(0, std::memory_order_relaxed);
}

}  // namespace gort::trace
