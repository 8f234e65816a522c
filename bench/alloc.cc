// bench/alloc.cc — gort-bench alloc [n=10000000]
//
// The twin of ../shared/peers/alloc/alloc.go: allocate n 32-byte objects on
// the GC heap, each with one pointer field (so the collector must scan them)
// and three int64s: obj{next: last, a: i, b: i*3, c: i^7}. Every 100th
// (i % 100 == 0) is kept, appended to `kept` and becomes `last`, so the kept
// objects also form a chain through `next`; the other 99% are dropped at once.
// A forced collection runs before the timed loop, as runtime.GC() does there.
//
// Checksum (printed, as in alloc.go; gort also checks it): over the kept
// objects, a + b + c, plus next->a where next is set.
//
//   RESULT name=alloc impl=gort metric=per_alloc value=<ns> unit=ns
//   RESULT name=alloc impl=gort metric=time      value=<ms> unit=ms
//   RESULT name=alloc impl=gort metric=gc_count  value=<n>  unit=count
//
// gc_count counts every completed cycle since the process started, the forced
// one included (alloc.go reports MemStats.NumGC, which does the same).
#include <cstdint>
#include <cstdio>

#include "gort/gort.h"
#include "result.h"


namespace gort_bench {
namespace {

struct Obj {
  gort::gc::Ptr<Obj> next;
  std::int64_t a, b, c;
  Obj(Obj* n, std::int64_t a_, std::int64_t b_, std::int64_t c_) : next(n), a(a_), b(b_), c(c_) {}
  void trace(gort::gc::Tracer& t) const { t(next); }
};
static_assert(sizeof(Obj) == 32);

int run_alloc(Args& a) {
  const std::int64_t n = a.next_int("n", 10000000, 1, std::int64_t{1} << 40);
  if (!a.done()) return kUsage;

  return gort::run([&]() -> int {
    // Go's `kept := make([]*obj, 0, n/100+1)`: a GC array the collector
    // scans, held by this goroutine's stack.
    auto kept = gort::gc::make_slice<gort::gc::Ptr<Obj>>(0, static_cast<std::size_t>(n / 100 + 1));
    Obj* last = nullptr;  // on this goroutine's stack: a root
    gort::gc::collect();

    const std::int64_t start = now_ns();
    for (std::int64_t i = 0; i < n; i++) {
      Obj* o = gort::gc::make<Obj>(last, i, i * 3, i ^ 7);
      if (i % 100 == 0) {
        kept = append(kept, gort::gc::Ptr<Obj>(o));
        last = o;
      }
    }
    const std::int64_t el = now_ns() - start;
    gort::gc::keep_alive(last);

    std::int64_t checksum = 0, want = 0;
    const std::size_t nkept = kept.size();
    for (std::size_t k = 0; k < nkept; k++) {
      const Obj* o = kept[k].get();
      checksum += o->a + o->b + o->c;
      if (o->next) checksum += o->next->a;
      // Expected: the k-th kept object is i = 100k, its next is 100(k-1).
      const std::int64_t i = std::int64_t(k) * 100;
      want += i + i * 3 + (i ^ 7) + (k > 0 ? i - 100 : 0);
    }
    gort::debug::MemStats ms;
    gort::debug::read_mem_stats(ms);
    const std::uint32_t numgc = ms.num_gc;
    std::printf("objects=%lld size=%zu kept=%zu checksum=%lld numgc=%u peak_rss_mib=%.1f\n",
                (long long)n, sizeof(Obj), nkept, (long long)checksum, numgc, peak_rss_mib());
    if (checksum != want || nkept != static_cast<std::size_t>((n + 99) / 100))
      return check_failed();
    auto r = [](const char* metric, double v, const char* unit) {
      result("alloc", metric, v, unit);
    };
    r("per_alloc", double(el) / double(n), "ns");
    r("time", double(el) / 1e6, "ms");
    r("gc_count", numgc, "count");
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("alloc", "alloc [n=10000000]",
               "32-byte GC allocations with one pointer, 1% kept (alloc.go)", run_alloc);

}  // namespace gort_bench
