// bench/skynet.cc — gort-bench skynet [leaves=1000000] [div=10]
//
// The twin of ../shared/peers/skynet/skynet.go, statement for statement: every
// node spawns `div` child goroutines until `leaves` leaves exist; leaves send
// their number up a channel, inner nodes sum what their children send on a
// channel buffered to `div` and send the sum up. The root's channel is
// unbuffered. Timed from before the root's channel is made until its sum is
// received. Checksum: sum == leaves*(leaves-1)/2.
//
//   RESULT name=skynet impl=gort metric=time      value=<ms>  unit=ms
//   RESULT name=skynet impl=gort metric=per_spawn value=<ns>  unit=ns
//
// per_spawn = elapsed / spawned, where spawned is computed exactly as
// skynet.go does (1,111,111 for 1M leaves: every node, root included).
#include <cstdint>
#include <cstdio>

#include "gort/gort.h"
#include "result.h"

namespace gort_bench {
namespace {

// Channels are passed by reference to the spawn site; gort::go copies (retains)
// them into the goroutine, which is what Go's GC-managed channel value does.
void skynet(const gort::Chan<std::int64_t>& out, std::int64_t num, std::int64_t size,
            std::int64_t div) {
  if (size == 1) {
    out.send(num);
    return;
  }
  auto rc = gort::make_chan<std::int64_t>(div);
  for (std::int64_t i = 0; i < div; i++) {
    gort::go(&skynet, rc, num + i * (size / div), size / div, div);
  }
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < div; i++) sum += rc.recv();
  out.send(sum);
}

int run_skynet(Args& a) {
  // leaves*(leaves-1)/2 must fit in int64; div < 2 never terminates in skynet.go.
  const std::int64_t leaves = a.next_int("leaves", 1000000, 1, std::int64_t{1} << 31);
  const std::int64_t div = a.next_int("div", 10, 2, 1 << 20);
  if (!a.done()) return kUsage;

  return gort::run([&]() -> int {
    std::int64_t spawned = 0;
    for (std::int64_t s = leaves; s >= 1; s /= div) {
      spawned += leaves / s;
      if (s == 1) break;
    }
    const std::int64_t t0 = now_ns();
    auto out = gort::make_chan<std::int64_t>();
    gort::go(&skynet, out, std::int64_t{0}, leaves, div);
    const std::int64_t sum = out.recv();
    const std::int64_t el = now_ns() - t0;
    const std::int64_t want = leaves * (leaves - 1) / 2;
    std::printf("sum=%lld want=%lld goroutines=%lld time_ms=%.1f gomaxprocs=%d peak_rss_mib=%.1f\n",
                (long long)sum, (long long)want, (long long)spawned, el / 1e6, gort::gomaxprocs(),
                peak_rss_mib());
    if (sum != want) return check_failed();
    result("skynet", "time", el / 1e6, "ms", "%.3f");
    result("skynet", "per_spawn", double(el) / double(spawned), "ns", "%.1f");
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("skynet", "skynet [leaves=1000000] [div=10]",
               "spawn tree of goroutines summing over channels (skynet.go)", run_skynet);

}  // namespace gort_bench
