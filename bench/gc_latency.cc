// bench/gc_latency.cc — gort-bench gc-latency [messages=2000000] [window=200000]
//
// The twin of ../shared/peers/gc-latency/msgwin.go: a ring of `window` live
// 1 KiB messages; `messages` pushes, each allocating a fresh message on the GC
// heap (pointer-free: Go's make([]byte, 1024) is noscan), copying a fixed
// payload into it (payload[i] = byte(i*7)), writing the push index as a
// little-endian uint64 at offset 0, and storing it at ring[i % window], which
// drops the oldest. Every push is timed on its own (steady clock, as Go's
// monotonic time.Now). A forced collection runs first; the cycle count is
// taken relative to it, as msgwin.go does with debug.ReadGCStats.
//
// Checksum (printed, as in msgwin.go): the sum over the ring of the index at
// offset 0 plus the last byte.
//
//   RESULT name=gc-latency impl=gort metric=push_max     value=<ms>  unit=ms
//   RESULT name=gc-latency impl=gort metric=push_p99     value=<us>  unit=us
//   RESULT name=gc-latency impl=gort metric=push_p999    value=<us>  unit=us
//   RESULT name=gc-latency impl=gort metric=push_mean    value=<ns>  unit=ns
//   RESULT name=gc-latency impl=gort metric=wall         value=<s>   unit=s
//   RESULT name=gc-latency impl=gort metric=gc_count     value=<n>   unit=count
//   RESULT name=gc-latency impl=gort metric=gc_pause_max value=<ms>  unit=ms
//
// Quantiles as msgwin.go: the sorted latencies at index int(p*(messages-1)).
// gc_pause_max is, like Go's PauseQuantiles[4], the largest pause in the
// recorded history (the last up to 256 cycles, the forced one included).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "gort/gort.h"
#include "result.h"

// (The collector's internal counters: the pause ring as Go's PauseNs.)
#include "gc/collector.h"
#include "gc/stats.h"

namespace gort_bench {
namespace {

constexpr std::size_t kMsgSize = 1024;

// Pointer-free (trivially copyable): never scanned. The empty constructor
// leaves the allocator's zeroed memory alone, so a message is zeroed once,
// as Go's make([]byte, 1024) is, then the payload is copied over it.
struct Msg {
  unsigned char b[kMsgSize];
  Msg() {}
};

struct Ring {
  gort::gc::Slice<gort::gc::Ptr<Msg>> slots;
  void trace(gort::gc::Tracer& t) const { t(slots); }
};
static_assert(sizeof(Msg) == kMsgSize);

struct PauseInfo {
  std::uint64_t total_ns = 0;
  std::uint64_t max_ns = 0;
};

PauseInfo read_pauses() {
  PauseInfo p;
  const std::uint32_t cycles = gort::gc::collector().cycles.load();
  gort::gc::Stats& s = gort::gc::stats();
  s.lock.lock();
  p.total_ns = s.pause_total_ns;
  for (std::uint32_t k = 0; k < cycles && k < 256; k++) {
    const std::uint32_t n = cycles - k;  // cycle n is stored at (n+255) % 256
    p.max_ns = std::max(p.max_ns, s.pause_ns[(n + 255) % 256]);
  }
  s.lock.unlock();
  return p;
}

int run_gc_latency(Args& a) {
  const std::int64_t total = a.next_int("messages", 2000000, 1, std::int64_t{1} << 32);
  const std::int64_t window = a.next_int("window", 200000, 1, std::int64_t{1} << 28);
  if (!a.done()) return kUsage;

  return gort::run([&]() -> int {
    unsigned char payload[kMsgSize];
    for (std::size_t i = 0; i < kMsgSize; i++) payload[i] = static_cast<unsigned char>(i * 7);
    // The ring is a GC object, as Go's [][]byte is: a slice of pointers held
    // by one root handle; a push is one barriered store into it.
    gort::gc::Root<Ring> ring = gort::gc::make<Ring>();
    ring->slots = gort::gc::make_slice<gort::gc::Ptr<Msg>>(static_cast<std::size_t>(window));
    std::vector<std::int64_t> lat(static_cast<std::size_t>(total));
    gort::gc::collect();
    const std::uint32_t cycles_before = gort::gc::collector().cycles.load();
    const PauseInfo before = read_pauses();

    const std::int64_t start = now_ns();
    for (std::int64_t i = 0; i < total; i++) {
      const std::int64_t t0 = now_ns();
      Msg* m = gort::gc::make<Msg>();
      std::memcpy(m->b, payload, kMsgSize);
      const std::uint64_t idx = static_cast<std::uint64_t>(i);
      std::memcpy(m->b, &idx, sizeof idx);  // little-endian (x86-64), as PutUint64
      ring->slots[static_cast<std::size_t>(i % window)] = m;
      lat[static_cast<std::size_t>(i)] = now_ns() - t0;
    }
    const std::int64_t wall = now_ns() - start;

    const std::uint32_t ngc = gort::gc::collector().cycles.load() - cycles_before;
    const PauseInfo after = read_pauses();
    std::uint64_t checksum = 0;
    for (const auto& r : ring->slots) {
      const Msg* m = r.get();
      if (m == nullptr) continue;
      std::uint64_t v;
      std::memcpy(&v, m->b, sizeof v);
      checksum += v + m->b[kMsgSize - 1];
    }
    std::sort(lat.begin(), lat.end());
    auto q = [&](double p) {
      return double(lat[static_cast<std::size_t>(p * double(total - 1))]) / 1e3;
    };
    double sum = 0;
    for (std::int64_t v : lat) sum += double(v);
    const double mean = sum / double(total);
    const double max_us = double(lat.back()) / 1e3;

    // The expected checksum (msgwin.go prints it without checking; gort
    // checks it): the ring holds the last min(total, window) indices.
    std::uint64_t want = 0;
    for (std::int64_t i = std::max<std::int64_t>(0, total - window); i < total; i++)
      want += static_cast<std::uint64_t>(i) + payload[kMsgSize - 1];

    std::printf(
        "pushes=%lld window=%lld checksum=%llu gcs=%u gc_pause_total_ms=%.3f "
        "gc_pause_max_ms=%.3f\n",
        (long long)total, (long long)window, (unsigned long long)checksum, ngc,
        double(after.total_ns - before.total_ns) / 1e6, double(after.max_ns) / 1e6);
    std::printf("latency_us p50=%.2f p99=%.2f p99.9=%.2f p99.99=%.2f max=%.2f mean=%.3f\n",
                q(0.5), q(0.99), q(0.999), q(0.9999), max_us, mean / 1e3);
    std::printf("peak_rss_mib=%.1f\n", peak_rss_mib());
    if (checksum != want) return check_failed();
    auto r = [](const char* metric, double v, const char* unit) {
      result("gc-latency", metric, v, unit);
    };
    r("push_max", max_us / 1e3, "ms");
    r("push_p99", q(0.99), "us");
    r("push_p999", q(0.999), "us");
    r("push_mean", mean, "ns");
    r("wall", double(wall) / 1e9, "s");
    r("gc_count", ngc, "count");
    r("gc_pause_max", double(after.max_ns) / 1e6, "ms");
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("gc-latency", "gc-latency [messages=2000000] [window=200000]",
               "per-push latency of a window of live 1 KiB GC messages (msgwin.go)",
               run_gc_latency);

}  // namespace gort_bench
