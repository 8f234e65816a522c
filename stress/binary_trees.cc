// stress/binary_trees.cc — the binary-trees benchmark as a stress load.
//
// One long-lived tree sized to ctx.live_bytes is built first and kept on the
// runner's stack. Each worker goroutine then builds short-lived trees of
// depth 4..kMaxShortDepth over and over, checks each one (node count, and each
// node's stored depth), and drops it: a high allocation rate of small scan
// objects with a fixed live heap. The long-lived tree is re-checked at the end
// (and, with --verify, by worker 0 every 250 ms, concurrently with the
// mark): a node the collector freed too early shows up as a wrong count or a
// broken node (gcpoison overwrites freed memory under --verify).
#include <string>

#include "rng.h"
#include "workloads.h"

namespace stress {
namespace {

namespace gc = gort::gc;

struct Node {
  gc::Ptr<Node> left, right;
  std::uint32_t depth = 0;  // height of the subtree rooted here
  std::uint32_t magic = 0;
  void trace(gc::Tracer& t) const { t(left); t(right); }
};
constexpr std::uint32_t kMagic = 0xB17EE5u;
constexpr int kMaxShortDepth = 12;

Node* build(std::uint32_t depth) {
  Node* n = gc::make<Node>();
  n->depth = depth;
  n->magic = kMagic;
  if (depth > 0) {
    n->left = build(depth - 1);
    n->right = build(depth - 1);
  }
  return n;
}

// Nodes counted, or -1 with *bad set to the first broken node's description.
long check(const Node* n, std::uint32_t depth, std::string* bad) {
  if (n == nullptr || n->magic != kMagic || n->depth != depth) {
    if (bad->empty()) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "node %p at height %u: magic %#x depth %u", static_cast<const void*>(n), depth,
                    n ? n->magic : 0, n ? n->depth : 0);
      *bad = buf;
    }
    return -1;
  }
  if (depth == 0) {
    if (n->left || n->right) {
      if (bad->empty()) *bad = "a leaf with children";
      return -1;
    }
    return 1;
  }
  long l = check(n->left, depth - 1, bad);
  long r = check(n->right, depth - 1, bad);
  return (l < 0 || r < 0) ? -1 : l + r + 1;
}

void check_tree(Context& ctx, const Node* root, std::uint32_t depth, const char* which) {
  std::string bad;
  long n = check(root, depth, &bad);
  long want = (2L << depth) - 1;
  if (n != want)
    ctx.fail(std::string(which) + " tree intact",
             "depth " + std::to_string(depth) + ": counted " + std::to_string(n) + " of " + std::to_string(want) +
                 " nodes" + (bad.empty() ? "" : "; first broken: " + bad));
}

}  // namespace

void run_binary_trees(Context& ctx) {
  // The long-lived tree: 2^(d+1)-1 nodes of sizeof(Node) (rounded up to its
  // size class, 32 bytes) close to live_bytes.
  std::uint32_t long_depth = 4;
  while ((std::int64_t{2} << (long_depth + 1)) * 32 <= ctx.live_bytes && long_depth < 26) long_depth++;
  Node* long_lived = build(long_depth);

  gort::WaitGroup wg;
  std::atomic<std::uint64_t> nodes{0};
  for (int w = 0; w < ctx.goroutines; w++) {
    wg.add(1);
    gort::go([&ctx, &wg, &nodes, long_lived, long_depth, w] {
      Rng rng(ctx.seed, 100 + static_cast<std::uint64_t>(w));
      auto next_check = std::chrono::steady_clock::now();
      while (!ctx.done()) {
        auto depth = static_cast<std::uint32_t>(4 + rng.below(kMaxShortDepth - 3));
        Node* t = build(depth);
        check_tree(ctx, t, depth, "short-lived");
        nodes.fetch_add((2u << depth) - 1, std::memory_order_relaxed);
        ctx.ops.fetch_add(1, std::memory_order_relaxed);
        if (ctx.verify && w == 0 && std::chrono::steady_clock::now() >= next_check) {
          check_tree(ctx, long_lived, long_depth, "long-lived");
          next_check = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
        }
        gort::yield();
      }
      wg.done();
    });
  }
  wg.wait();
  check_tree(ctx, long_lived, long_depth, "long-lived");
  gc::keep_alive(long_lived);
  ctx.add_metric("long_lived_depth", long_depth, "");
  ctx.add_metric("nodes_allocated", static_cast<double>(nodes.load()), "");
}

}  // namespace stress
