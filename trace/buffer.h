// trace/buffer.h — where events wait for the writer.
//
// Hot events (goroutine slices, assists, worker turns) go to the recording
// thread's own buffer: only that thread appends, with no lock and no locked
// instruction (a plain store of the event, then a release store of the
// count). A full buffer is handed to the writer's queue under a short lock
// and replaced by a free one. The writer (trace/writer.cc) also reads the
// committed part of every thread's current buffer on each pass, so nothing
// waits in a quiet thread's buffer for long.
//
// Rare events (GC phases, stop-the-world pauses, counters, instants) go to
// one global ring under a lock, in the order they happen, so each of their
// tracks is in time order in the file.
#pragma once

#include <atomic>
#include <cstdint>

#include "trace/event.h"

namespace gort::trace {

inline constexpr std::uint32_t kBufferEvents = 2048;  // 80 KiB
inline constexpr int kMaxQueuedBuffers = 512;         // 40 MiB waiting for the writer: beyond, events are dropped (and counted)

struct Buffer {
  std::atomic<std::uint32_t> n{0};  // events committed (owner: release store)
  std::uint32_t consumed = 0;       // events written out (the writer's)
  std::uint32_t session = 0;        // the tracing session it records for
  Buffer* next = nullptr;           // in the full or free list
  Event ev[kBufferEvents];
};

// One per thread that ever recorded an event; never freed (threads of the
// runtime live as long as the process).
struct ThreadState {
  std::atomic<Buffer*> buf{nullptr};
  std::uint32_t session = 0;
  // The goroutine slice open on this thread (p < 0: none).
  std::int32_t p = -1;
  std::int64_t goid = 0;
  std::int64_t start = 0;
  const char* label = nullptr;
  // The nested slice open inside it (name null: none).
  const char* nested = nullptr;
  std::int64_t nested_start = 0;
  // A stop-the-world begun by this thread.
  const char* stw_reason = nullptr;
  std::int64_t stw_start = 0;
  ThreadState* next_state = nullptr;  // the registry (append-only)
};

// The calling thread's state, reset if it belongs to an earlier session.
ThreadState* thread_state();

// Appends to the calling thread's buffer (the caller is the owner).
void append_local(ThreadState* ts, const Event& e);

// Appends to the global ring; for counters and instants ts == 0 means "now",
// read under the ring's lock so that the ring stays in time order.
void append_global(Event e);

// ---- the writer's side ------------------------------------------------------------------
// Takes every full buffer off the queue (the caller writes [consumed, n) and
// then recycles it).
Buffer* take_full_buffers();
void recycle(Buffer* b);
// The first registered thread state (walk next_state).
ThreadState* first_thread_state();
// Moves the global ring's events to out (capacity kGlobalEvents); returns how many.
inline constexpr std::uint32_t kGlobalEvents = 8192;
std::uint32_t take_global(Event* out);
// Events lost because the writer fell behind (counted, reported at the end).
std::int64_t dropped_events();
// Wakes the writer when buffers queue up.
extern std::atomic<std::uint32_t> g_writer_wake;

// The session every new buffer records for (bumped by start).
extern std::atomic<std::uint32_t> g_session;

// Forgets queued buffers and drop counts (start, with no writer running).
void reset_queues();

}  // namespace gort::trace
