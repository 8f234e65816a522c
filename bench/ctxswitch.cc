// bench/ctxswitch.cc — gort-bench ctxswitch [roundtrips=1000000] [gosched_calls=10000000]
//
// The twin of ../shared/peers/ctxswitch/ctxswitch.go, in the same order:
//   pingpong: main sends i on an unbuffered channel `ping`; an echo goroutine
//             (`for v := range ping { pong <- v+1 }; close(pong)`) answers on
//             an unbuffered channel `pong`; main sums the answers. Timed over
//             the `roundtrips` round trips only; then ping is closed and main
//             waits for pong to close. Checksum: n*(n-1)/2 + n.
//   gosched1: main calls gort::yield() (runtime.Gosched) `gosched_calls` times.
//   gosched2: two goroutines each call yield() gosched_calls/2 times, counting
//             their calls; main waits on a WaitGroup. Per call = elapsed /
//             gosched_calls. Checksum (printed, as in Go; also checked here):
//             the two counts add up to 2*(gosched_calls/2).
//
//   RESULT name=ctxswitch impl=gort metric=pingpong_roundtrip value=<ns> unit=ns
//   RESULT name=ctxswitch impl=gort metric=gosched1_call      value=<ns> unit=ns
//   RESULT name=ctxswitch impl=gort metric=gosched2_call      value=<ns> unit=ns
#include <cstdint>
#include <cstdio>

#include "gort/gort.h"
#include "result.h"

namespace gort_bench {
namespace {

int run_ctxswitch(Args& a) {
  const std::int64_t n = a.next_int("roundtrips", 1000000, 1, std::int64_t{1} << 31);
  const std::int64_t g = a.next_int("gosched_calls", 10000000, 1, std::int64_t{1} << 40);
  if (!a.done()) return kUsage;

  return gort::run([&]() -> int {
    auto r = [](const char* metric, double v, const char* unit) {
      result("ctxswitch", metric, v, unit, "%.6g");
    };

    // ping-pong
    auto ping = gort::make_chan<std::int64_t>();
    auto pong = gort::make_chan<std::int64_t>();
    gort::go([ping, pong] {
      for (std::int64_t v : ping) pong.send(v + 1);
      pong.close();
    });
    std::int64_t sum = 0;
    std::int64_t t0 = now_ns();
    for (std::int64_t i = 0; i < n; i++) {
      ping.send(i);
      sum += pong.recv();
    }
    std::int64_t el = now_ns() - t0;
    ping.close();
    (void)pong.recv_ok();
    const std::int64_t want = n * (n - 1) / 2 + n;
    std::printf("pingpong roundtrips=%lld sum=%lld want=%lld ns_per_roundtrip=%.1f gomaxprocs=%d\n",
                (long long)n, (long long)sum, (long long)want, double(el) / double(n),
                gort::gomaxprocs());
    if (sum != want) return check_failed();
    r("pingpong_roundtrip", double(el) / double(n), "ns");

    // Gosched, one goroutine
    t0 = now_ns();
    for (std::int64_t i = 0; i < g; i++) gort::yield();
    el = now_ns() - t0;
    std::printf("gosched1 calls=%lld ns_per_call=%.1f\n", (long long)g, double(el) / double(g));
    r("gosched1_call", double(el) / double(g), "ns");

    // Gosched, two goroutines yielding to each other
    gort::WaitGroup wg;
    std::int64_t counts[2] = {0, 0};
    t0 = now_ns();
    for (int w = 0; w < 2; w++) {
      wg.add(1);
      gort::go([&wg, &counts, g](int w) {
        for (std::int64_t i = 0; i < g / 2; i++) {
          gort::yield();
          counts[w]++;
        }
        wg.done();
      }, w);
    }
    wg.wait();
    el = now_ns() - t0;
    const std::int64_t calls = counts[0] + counts[1];
    std::printf("gosched2 calls=%lld ns_per_call=%.1f checksum=%lld\n", (long long)calls,
                double(el) / double(g), (long long)calls);
    if (calls != 2 * (g / 2)) return check_failed();
    r("gosched2_call", double(el) / double(g), "ns");
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("ctxswitch", "ctxswitch [roundtrips=1000000] [gosched_calls=10000000]",
               "channel ping-pong round trip and yield cost (ctxswitch.go)", run_ctxswitch);

}  // namespace gort_bench
