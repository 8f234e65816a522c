// bench/binary_trees.cc — gort-bench binary-trees [depth=10]
//
// The twin of ../shared/peers/binary-trees/bt.go (the Benchmarks Game shape):
// one mutator goroutine, as in bt.go — the collector decides how many cores
// it uses next to it. maxDepth = max(depth, 6):
//   * a stretch tree of depth maxDepth+1 is built and checked;
//   * a long-lived tree of depth maxDepth is built and kept;
//   * for d = 4, 6, ..., maxDepth: 2^(maxDepth-d+4) trees of depth d are built
//     and checked one at a time (each is garbage right after its check);
//   * the long-lived tree is checked.
// A node is two pointers (16 bytes, Go's `struct{ left, right *node }`); a leaf
// has both null. check(n) counts the nodes; every count is compared with
// 2^(d+1)-1, and the checksum is the sum of all counts. Same printed lines as
// bt.go. Timed from before the stretch tree to after the long-lived check.
//
//   RESULT name=binary-trees-d<DEPTH> impl=gort metric=time_internal value=<s> unit=s
//   RESULT name=binary-trees-d<DEPTH> impl=gort metric=gc_count      value=<n> unit=count
//
// gc_count counts every completed cycle since the process started (bt.go
// reports MemStats.NumGC, which does the same).
#include <cstdint>
#include <cstdio>

#include "gort/gort.h"
#include "result.h"


namespace gort_bench {
namespace {

struct Node {
  gort::gc::Ptr<Node> left, right;
  Node() = default;
  Node(Node* l, Node* r) : left(l), right(r) {}
  void trace(gort::gc::Tracer& t) const {
    t(left);
    t(right);
  }
};

// The subtrees are raw Node* temporaries on the goroutine's stack until the
// parent's constructor stores them: stacks are scanned conservatively.
Node* build(int d) {
  if (d <= 0) return gort::gc::make<Node>();
  return gort::gc::make<Node>(build(d - 1), build(d - 1));
}

std::int64_t check(const Node* n) {
  if (n->left.get() == nullptr) return 1;
  return 1 + check(n->left.get()) + check(n->right.get());
}

std::int64_t want(int d) { return (std::int64_t{1} << (d + 1)) - 1; }

int run_binary_trees(Args& a) {
  const int n = static_cast<int>(a.next_int("depth", 10, 0, 28));
  if (!a.done()) return kUsage;

  return gort::run([&]() -> int {
    constexpr int kMinDepth = 4;
    const int max_depth = n < kMinDepth + 2 ? kMinDepth + 2 : n;
    const std::int64_t start = now_ns();
    bool ok = true;

    const int stretch = max_depth + 1;
    const std::int64_t sc = check(build(stretch));
    ok = ok && sc == want(stretch);
    std::printf("stretch tree of depth %d\t check: %lld\n", stretch, (long long)sc);

    Node* long_lived = build(max_depth);  // on this goroutine's stack: a root
    std::int64_t checksum = sc;
    for (int d = kMinDepth; d <= max_depth; d += 2) {
      const std::int64_t iters = std::int64_t{1} << (max_depth - d + kMinDepth);
      std::int64_t c = 0;
      for (std::int64_t i = 0; i < iters; i++) c += check(build(d));
      ok = ok && c == iters * want(d);
      checksum += c;
      std::printf("%lld\t trees of depth %d\t check: %lld\n", (long long)iters, d, (long long)c);
    }
    const std::int64_t lc = check(long_lived);
    gort::gc::keep_alive(long_lived);
    ok = ok && lc == want(max_depth);
    checksum += lc;
    std::printf("long lived tree of depth %d\t check: %lld\n", max_depth, (long long)lc);
    const double el = double(now_ns() - start) / 1e9;

    gort::debug::MemStats ms;
    gort::debug::read_mem_stats(ms);
    const std::uint32_t numgc = ms.num_gc;
    const std::uint64_t pause_total_ns = ms.pause_total_ns;
    std::printf("checksum %lld ok=%s numgc=%u pause_total_ms=%.2f peak_rss_mib=%.1f\n",
                (long long)checksum, ok ? "true" : "false", numgc, double(pause_total_ns) / 1e6,
                peak_rss_mib());
    if (!ok) return check_failed();
    char name[48];
    std::snprintf(name, sizeof name, "binary-trees-d%d", n);
    result(name, "time_internal", el, "s", "%.4f");
    result(name, "gc_count", numgc, "count", "%.0f");
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("binary-trees", "binary-trees [depth=10]",
               "build/check/drop binary trees on the GC heap, one goroutine (bt.go)",
               run_binary_trees);

}  // namespace gort_bench
