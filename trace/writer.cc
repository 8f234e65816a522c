// trace/writer.cc — the trace file and the thread that writes it (writer.h).
#include "trace/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <bitset>
#include <cstdio>
#include <thread>

#include "base/clock.h"
#include "base/futex.h"
#include "base/print.h"
#include "trace/buffer.h"
#include "trace/json.h"
#include "trace/trace.h"

namespace gort::trace {

namespace {

constexpr std::int64_t kPassInterval = 100'000'000;  // ns
constexpr std::uint32_t kMaxNamedTracks = 4096;      // P tracks beyond this are written unnamed

struct File {
  int fd = -1;
  std::string path;
  std::int64_t limit = 0;
  std::int64_t offset = 0;  // end of the events written so far
  bool truncated = false;   // the cap was reached: nothing more is written
  bool failed = false;      // a write failed: nothing more is written
  json::Context ctx{};
  std::bitset<kMaxNamedTracks> named;
  std::string out;  // the pass's text
  Event global[kGlobalEvents];
};

File* g_file = nullptr;
std::thread* g_thread = nullptr;
std::atomic<bool> g_thread_stop{false};

const std::size_t kTrailerLen = sizeof(json::kTrailer) - 1;

bool write_all(int fd, const char* p, std::size_t n, std::int64_t off) {
  while (n > 0) {
    ssize_t w = pwrite(fd, p, n, off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
    off += w;
  }
  return true;
}

// Writes f.out (events, each preceded by ",\n") and the trailer at the end.
void commit(File& f) {
  if (f.failed) return;
  std::size_t events_len = f.out.size();
  f.out += json::kTrailer;
  if (!write_all(f.fd, f.out.data(), f.out.size(), f.offset)) {
    int err = errno;
    f.failed = true;
    __atomic_store_n(&gort_trace_on, false, __ATOMIC_RELAXED);
    base::Printer().str("gort: GORT_TRACE: writing ").str(f.path).str(": ").str(strerror(err))
        .str("; tracing stopped, the file is incomplete\n");
    return;
  }
  f.offset += static_cast<std::int64_t>(events_len);
  f.out.clear();
}

void truncate_now(File& f) {
  f.truncated = true;
  __atomic_store_n(&gort_trace_on, false, __ATOMIC_RELAXED);
  Event e{};
  e.kind = EventKind::instant;
  e.name = "trace truncated: size limit (GORT_TRACE_LIMIT) reached, recording stopped";
  e.ts = base::nanotime();
  e.arg = f.limit;
  f.out += ",\n";
  json::append_event(f.out, f.ctx, e);
}

// Appends one event, naming its track first if it is a P's not yet named.
void add(File& f, const Event& e) {
  if (f.truncated || f.failed) return;
  if (f.offset + static_cast<std::int64_t>(f.out.size() + kTrailerLen) > f.limit) {
    truncate_now(f);
    return;
  }
  if ((e.kind == EventKind::goroutine_slice || e.kind == EventKind::nested_slice) && e.track < kMaxNamedTracks &&
      !f.named.test(e.track)) {
    f.named.set(e.track);
    f.out += ",\n";
    json::append_track_name(f.out, f.ctx, e.track, "P" + std::to_string(e.track - 1), e.track);
  }
  f.out += ",\n";
  json::append_event(f.out, f.ctx, e);
}

constexpr std::size_t kCommitBytes = 4 << 20;  // a pass writes in pieces of about this much

void add_range(File& f, const Buffer* b, std::uint32_t from, std::uint32_t to) {
  for (std::uint32_t i = from; i < to; i++) add(f, b->ev[i]);
  if (f.out.size() >= kCommitBytes) commit(f);
}

void writer_main() {
  std::uint32_t seen = g_writer_wake.load(std::memory_order_acquire);
  while (!g_thread_stop.load(std::memory_order_acquire)) {
    base::futex_wait(&g_writer_wake, seen, kPassInterval);
    seen = g_writer_wake.load(std::memory_order_acquire);
    if (g_thread_stop.load(std::memory_order_acquire)) break;
    writer_pass();
  }
}

}  // namespace

bool writer_open(const std::string& path, std::int64_t limit, std::int64_t t0, std::string* error) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (error != nullptr) *error = "cannot create trace file " + path + ": " + strerror(errno);
    return false;
  }
  auto* f = new File();
  f->fd = fd;
  f->path = path;
  f->limit = limit;
  f->ctx = json::Context{t0, static_cast<std::int64_t>(getpid())};
  char comm[64] = "gort";
  if (FILE* cf = std::fopen("/proc/self/comm", "r")) {
    if (std::fgets(comm, sizeof comm, cf) != nullptr) comm[strcspn(comm, "\n")] = 0;
    std::fclose(cf);
  }
  std::string pname = std::string(comm) + " (gort, pid " + std::to_string(f->ctx.pid) + ")";
  std::string head = json::kHeader;
  json::append_process_name(head, f->ctx, pname.c_str());
  head += ",\n";
  json::append_track_name(head, f->ctx, kTrackGC, "GC", -2);
  head += ",\n";
  json::append_track_name(head, f->ctx, kTrackSTW, "STW (stop the world)", -1);
  std::size_t head_len = head.size();
  head += json::kTrailer;
  if (!write_all(fd, head.data(), head.size(), 0)) {
    if (error != nullptr) *error = "cannot write trace file " + path + ": " + strerror(errno);
    close(fd);
    delete f;
    return false;
  }
  f->offset = static_cast<std::int64_t>(head_len);
  g_file = f;
  return true;
}

void writer_start_thread() {
  g_thread_stop.store(false);
  g_thread = new std::thread(writer_main);
}

void writer_stop_thread() {
  if (g_thread == nullptr) return;
  g_thread_stop.store(true, std::memory_order_release);
  g_writer_wake.fetch_add(1, std::memory_order_release);
  base::futex_wake(&g_writer_wake, 1);
  g_thread->join();
  delete g_thread;
  g_thread = nullptr;
}

void writer_pass() {
  File& f = *g_file;
  std::uint32_t session = g_session.load(std::memory_order_acquire);
  // Full buffers first: their events are older than the rest of their thread's.
  for (Buffer* b = take_full_buffers(); b != nullptr;) {
    Buffer* next = b->next;
    if (b->session == session) add_range(f, b, b->consumed, b->n.load(std::memory_order_acquire));
    recycle(b);
    b = next;
  }
  for (ThreadState* ts = first_thread_state(); ts != nullptr; ts = ts->next_state) {
    Buffer* b = ts->buf.load(std::memory_order_acquire);
    if (b == nullptr || b->session != session) continue;
    std::uint32_t n = b->n.load(std::memory_order_acquire);
    add_range(f, b, b->consumed, n);
    b->consumed = n;
  }
  std::uint32_t ng = take_global(f.global);
  for (std::uint32_t i = 0; i < ng; i++) add(f, f.global[i]);
  if (!f.out.empty()) commit(f);
}

void writer_close() {
  File& f = *g_file;
  if (std::int64_t d = dropped_events(); d > 0 && !f.failed) {
    Event e{};
    e.kind = EventKind::instant;
    e.name = "events dropped: the writer fell behind";
    e.ts = base::nanotime();
    e.arg = d;
    f.out += ",\n";
    json::append_event(f.out, f.ctx, e);
  }
  commit(f);
  close(f.fd);
  delete g_file;
  g_file = nullptr;
}

}  // namespace gort::trace
