// stress/graph_mutation.cc — many goroutines rewiring one shared object graph.
//
// The graph: kRoots root slots (a gc::Slice in a Graph object that a gc::Root
// holds) and nodes with kEdges outgoing gc::Ptr edges each. Every node carries
// its id, a payload and a checksum over both. Workers loop:
//  * outside the lock, build a fresh chain of 1..8 nodes (allocation and
//    initialising stores race with the collector's mark);
//  * under the graph's gort::Mutex, do one mutation: hang the chain off a
//    random node found by a short walk from a random root, point an edge at
//    another reachable node (cycles and sharing), cut an edge, swap two edges,
//    replace a root, or rewrite a node's payload and checksum.
// Old targets are dropped while the collector may be marking: the hybrid
// barrier must shade them, or a node still reachable through a pointer
// copied elsewhere would be freed.
//
// Checks: every node a walk touches must be intact (magic, id below the ids
// handed out, checksum). A checker goroutine takes the lock every 500 ms
// (100 ms with --verify) and traverses everything reachable from the roots,
// checking every node, and once more at the end; the traversal also counts
// the reachable nodes, and workers cut more than they add while that count,
// plus the nodes hung on since, is above the target from --live-mb. (Without
// the nodes since, the count lagged a traversal behind and the graph swung
// between 12 and 104 MB live around a 64 MB target under --verify on a
// loaded machine, which the soak's RSS check took for growth.)
//
// Dropped nodes. Every edge or root a mutation overwrites drops its old
// target, which may now be unreachable; the graph keeps a list of them. After
// each full traversal the checker clears the edges of every dropped node the
// traversal did not reach: under the lock nothing else holds one, and no
// mutation can reach it again. Without this, the dead nodes' edges chain
// garbage to whatever was live when each died, and one stale word on a
// goroutine stack (the collector scans stacks conservatively; the word can
// be a dead local whose memory once held an unrelated object) retained an
// ever-growing history of the graph: up to 570 MB of its nodes against a
// 13 MB target in the soak's GOMEMLIMIT run (gc/README.md, "Conservative
// roots"). The Boehm collector's advice for linked structures is the same:
// clear the links of what you unlink.
#include <string>
#include <unordered_set>
#include <vector>

#include "rng.h"
#include "workloads.h"

namespace stress {
namespace {

namespace gc = gort::gc;

constexpr int kEdges = 4;
constexpr int kRoots = 64;
constexpr std::uint64_t kMagic = 0x6a0de5ull;

struct Node {
  gc::Ptr<Node> edge[kEdges];
  std::uint64_t magic;
  std::uint64_t id;
  std::uint64_t payload[4];
  std::uint64_t check;
  void trace(gc::Tracer& t) const {
    for (const auto& e : edge) t(e);
  }
};

struct Graph {
  gc::Slice<gc::Ptr<Node>> roots;
  gc::Slice<gc::Ptr<Node>> dropped;  // old targets of overwritten edges and roots (under the lock)
  void trace(gc::Tracer& t) const {
    t(roots);
    t(dropped);
  }
  void drop(Node* n) {
    if (n != nullptr) dropped = append(dropped, gc::Ptr<Node>(n));
  }
};

std::uint64_t checksum(const Node* n) {
  std::uint64_t h = mix64(n->id ^ kMagic);
  for (auto p : n->payload) h = mix64(h ^ p);
  return h;
}

struct Shared {
  gort::Mutex mu;
  std::atomic<std::uint64_t> next_id{1};
  std::atomic<std::uint64_t> reachable{0};  // from the last full traversal
  std::uint64_t hung_since = 0;  // nodes hung on since it (under mu): the count's lag
  std::uint64_t target = 0;                 // nodes --live-mb allows
};

Node* new_node(Shared& sh, Rng& rng) {
  Node* n = gc::make<Node>();
  n->magic = kMagic;
  n->id = sh.next_id.fetch_add(1, std::memory_order_relaxed);
  for (auto& p : n->payload) p = rng.next();
  n->check = checksum(n);
  return n;
}

bool intact(const Shared& sh, const Node* n) {
  return n->magic == kMagic && n->id != 0 && n->id < sh.next_id.load(std::memory_order_relaxed) &&
         n->check == checksum(n);
}

std::string describe(const Node* n) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "node %p (id %llu, magic %#llx)", static_cast<const void*>(n),
                static_cast<unsigned long long>(n->id), static_cast<unsigned long long>(n->magic));
  return buf;
}

// A random node reached by a walk of up to 4 edges from a random root (under
// the lock); null if the root is empty. Checks each node it passes.
Node* walk(Context& ctx, Shared& sh, Graph* g, Rng& rng) {
  Node* n = g->roots[rng.below(kRoots)];
  for (int steps = static_cast<int>(rng.below(5)); n != nullptr; steps--) {
    if (!intact(sh, n)) {
      ctx.fail("reachable node intact", describe(n) + " found on a walk");
      return nullptr;
    }
    if (steps == 0) break;
    Node* next = n->edge[rng.below(kEdges)];
    if (next == nullptr) break;
    n = next;
  }
  return n;
}

// Every node reachable from the roots (under the lock): checked, counted;
// then the dropped nodes it did not reach lose their edges.
std::uint64_t traverse(Context& ctx, Shared& sh, Graph* g) {
  std::unordered_set<const Node*> seen;  // raw pointers: the lock keeps the graph fixed meanwhile,
  std::vector<const Node*> stack;        // and the roots keep every node here reachable
  for (std::size_t r = 0; r < kRoots; r++)
    if (Node* n = g->roots[r]) stack.push_back(n);
  std::uint64_t bad = 0;
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    if (!intact(sh, n)) {
      if (bad++ == 0) ctx.fail("reachable node intact", describe(n) + " found by the full traversal");
      continue;
    }
    for (const auto& e : n->edge)
      if (e) stack.push_back(e.get());
  }
  for (auto& d : g->dropped) {
    Node* n = d.get();
    if (seen.count(n) == 0)
      for (auto& e : n->edge) e = nullptr;
    d = nullptr;
  }
  g->dropped = g->dropped.sub(0, 0);
  return seen.size();
}

void mutate(Context& ctx, Shared& sh, Graph* g, Rng& rng, Node* chain_head, Node* chain_tail, int chain_len) {
  std::lock_guard<gort::Mutex> l(sh.mu);
  bool over = sh.reachable.load(std::memory_order_relaxed) + sh.hung_since > sh.target;
  unsigned op = static_cast<unsigned>(rng.below(100));
  if (over && op < 40) op += 40;  // over the target: cut instead of hanging chains
  if (op < 40) sh.hung_since += static_cast<std::uint64_t>(chain_len);
  if (op < 35) {  // hang the chain off a reachable node (or a root)
    Node* at = walk(ctx, sh, g, rng);
    chain_tail->edge[0] = walk(ctx, sh, g, rng);  // and back into the graph
    if (at == nullptr) {
      int r = static_cast<int>(rng.below(kRoots));
      g->drop(g->roots[r]);
      g->roots[r] = chain_head;
    } else {
      int k = static_cast<int>(rng.below(kEdges));
      g->drop(at->edge[k].get());
      at->edge[k] = chain_head;
    }
  } else if (op < 40) {  // replace a root
    int r = static_cast<int>(rng.below(kRoots));
    g->drop(g->roots[r]);
    g->roots[r] = chain_head;
  } else if (op < 60) {  // cut an edge
    if (Node* n = walk(ctx, sh, g, rng)) {
      int k = static_cast<int>(rng.below(kEdges));
      g->drop(n->edge[k].get());
      n->edge[k] = nullptr;
    }
  } else if (op < 80) {  // point an edge at another reachable node
    Node* a = walk(ctx, sh, g, rng);
    Node* b = walk(ctx, sh, g, rng);
    if (a != nullptr) {
      int k = static_cast<int>(rng.below(kEdges));
      g->drop(a->edge[k].get());
      a->edge[k] = b;
    }
  } else if (op < 90) {  // swap two edges
    Node* a = walk(ctx, sh, g, rng);
    Node* b = walk(ctx, sh, g, rng);
    if (a != nullptr && b != nullptr) {
      int i = static_cast<int>(rng.below(kEdges)), j = static_cast<int>(rng.below(kEdges));
      Node* t = a->edge[i];
      a->edge[i] = b->edge[j];
      b->edge[j] = t;
    }
  } else {  // rewrite a payload
    if (Node* n = walk(ctx, sh, g, rng)) {
      n->payload[rng.below(4)] = rng.next();
      n->check = checksum(n);
    }
  }
}

}  // namespace

void run_graph_mutation(Context& ctx) {
  Shared sh;
  sh.target = static_cast<std::uint64_t>(ctx.live_bytes) / sizeof(Node);  // about 96 bytes a node
  if (sh.target < 1000) sh.target = 1000;
  gc::Root<Graph> graph = gc::make<Graph>();
  graph->roots = gc::make_slice<gc::Ptr<Node>>(kRoots);

  gort::WaitGroup wg;
  gort::Chan<bool> stop_checker = gort::make_chan<bool>();
  std::atomic<std::uint64_t> traversals{0};
  gort::WaitGroup checker_done;
  checker_done.add(1);
  gort::go([&] {  // the traversal: always for the count, checks every node it visits
    Rng rng(ctx.seed, 299);
    for (bool stop = false; !stop;) {
      {
        std::lock_guard<gort::Mutex> l(sh.mu);
        sh.reachable.store(traverse(ctx, sh, graph.get()), std::memory_order_relaxed);
        sh.hung_since = 0;
      }
      traversals.fetch_add(1, std::memory_order_relaxed);
      gort::select(gort::case_recv(stop_checker, [&] { stop = true; }),
                   gort::case_recv(gort::after(std::chrono::milliseconds(ctx.verify ? 100 : 500)), [] {}));
    }
    checker_done.done();
  });
  for (int w = 0; w < ctx.goroutines; w++) {
    wg.add(1);
    gort::go([&, w] {
      Rng rng(ctx.seed, 200 + static_cast<std::uint64_t>(w));
      Graph* g = graph.get();
      while (!ctx.done()) {
        // A fresh chain, built outside the lock.
        int len = 1 + static_cast<int>(rng.below(8));
        Node* head = new_node(sh, rng);
        Node* tail = head;
        for (int i = 1; i < len; i++) {
          Node* n = new_node(sh, rng);
          tail->edge[1] = n;
          tail = n;
        }
        mutate(ctx, sh, g, rng, head, tail, len);
        ctx.ops.fetch_add(1, std::memory_order_relaxed);
      }
      wg.done();
    });
  }
  wg.wait();
  stop_checker.close();
  checker_done.wait();
  std::uint64_t final_count;
  {
    std::lock_guard<gort::Mutex> l(sh.mu);
    final_count = traverse(ctx, sh, graph.get());
  }
  ctx.add_metric("nodes_created", static_cast<double>(sh.next_id.load() - 1), "");
  ctx.add_metric("nodes_reachable_at_end", static_cast<double>(final_count), "");
  ctx.add_metric("full_traversals", static_cast<double>(traversals.load() + 1), "");
}

}  // namespace stress
