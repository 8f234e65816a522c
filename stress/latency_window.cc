// stress/latency_window.cc — Go's classic GC latency benchmark: a window of
// live messages replaced one by one.
//
// Each worker goroutine owns a window (a gc::Slice of gc::Ptr<Message>, on its
// stack) of ctx.live_bytes / goroutines / kMessageSize slots. A push allocates a
// 1 KiB pointer-free message, fills it with bytes derived from its sequence
// number, and stores it in slot seq % window, dropping the message that was
// there. The time of each push (allocation, fill, store — including any mark
// assist or wait for the world) goes into a histogram: the summary reports
// push latency p50/p99/p99.9/max, the figure a GC pause or a long assist shows
// up in. Every message dropped is checked first: its sequence number and
// checksum must match the slot's (with --verify every byte is re-hashed; a
// message freed while still in the window fails this, gcpoison making sure).
#include <cstring>
#include <string>

#include "histogram.h"
#include "rng.h"
#include "workloads.h"

namespace stress {
namespace {

namespace gc = gort::gc;

constexpr std::size_t kMessageSize = 1024;
struct Message {
  std::uint64_t seq;
  std::uint64_t sum;
  unsigned char bytes[kMessageSize - 16];
};
static_assert(sizeof(Message) == kMessageSize);

std::uint64_t fill(Message* m, std::uint64_t seq) {
  m->seq = seq;
  std::uint64_t x = mix64(seq);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < sizeof m->bytes; i += 8) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    std::memcpy(m->bytes + i, &x, 8);
    sum += x;
  }
  m->sum = sum;
  return sum;
}

std::uint64_t rehash(const Message* m) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < sizeof m->bytes; i += 8) {
    std::uint64_t x;
    std::memcpy(&x, m->bytes + i, 8);
    sum += x;
  }
  return sum;
}

void check_message(Context& ctx, const Message* m, std::uint64_t want_seq, std::size_t slot) {
  if (m == nullptr || m->seq != want_seq || (ctx.verify && rehash(m) != m->sum)) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "slot %zu: message %p has seq %llu, want %llu", slot, static_cast<const void*>(m),
                  m ? static_cast<unsigned long long>(m->seq) : 0ull, static_cast<unsigned long long>(want_seq));
    ctx.fail("window message intact", buf);
  }
}

}  // namespace

void run_latency_window(Context& ctx) {
  std::size_t window = static_cast<std::size_t>(ctx.live_bytes) / kMessageSize / static_cast<std::size_t>(ctx.goroutines);
  if (window < 16) window = 16;

  gort::WaitGroup wg;
  gort::Mutex mu;
  Histogram all;
  for (int w = 0; w < ctx.goroutines; w++) {
    wg.add(1);
    gort::go([&, w] {
      Histogram h;
      auto slots = gc::make_slice<gc::Ptr<Message>>(window);
      for (std::uint64_t seq = 0; !ctx.done(); seq++) {
        std::size_t i = seq % window;
        if (seq >= window) check_message(ctx, slots[i], seq - window, i);
        auto t0 = std::chrono::steady_clock::now();
        Message* m = gc::make<Message>();
        fill(m, seq);
        slots[i] = m;
        auto t1 = std::chrono::steady_clock::now();
        h.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
        ctx.ops.fetch_add(1, std::memory_order_relaxed);
        if ((seq & 63) == 63) gort::yield();
      }
      {
        std::lock_guard<gort::Mutex> l(mu);
        all.merge(h);
      }
      wg.done();
    });
  }
  wg.wait();
  ctx.add_metric("window_messages", static_cast<double>(window * static_cast<std::size_t>(ctx.goroutines)), "");
  ctx.add_metric("push_p50", static_cast<double>(all.quantile(0.50)), "ns");
  ctx.add_metric("push_p99", static_cast<double>(all.quantile(0.99)), "ns");
  ctx.add_metric("push_p999", static_cast<double>(all.quantile(0.999)), "ns");
  ctx.add_metric("push_max", static_cast<double>(all.max()), "ns");
}

}  // namespace stress
