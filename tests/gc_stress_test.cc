// tests/gc_stress_test.cc — many goroutines rewire a shared object graph
// while the collector runs back to back (GOGC=1), with gccheckmark verifying
// every mark and poison mode wrecking anything freed too early. Each node
// carries a checksum; every node reachable from the roots must stay intact.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <vector>

#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/span.h"
#include "gort/gort.h"

namespace gc = gort::gc;

namespace {

struct Node {
  gc::Ptr<Node> left, right;
  std::uint64_t value = 0;
  std::uint64_t check = 0;
  std::uint64_t pad[2] = {};
  explicit Node(std::uint64_t v) : value(v), check(v * 0x9e3779b97f4a7c15ULL + 1) {}
  bool intact() const { return check == value * 0x9e3779b97f4a7c15ULL + 1; }
  void trace(gc::Tracer& t) const {
    t(left);
    t(right);
  }
};

constexpr int kSlots = 512;

struct Graph {
  gc::Ptr<Node> slots[kSlots];
  void trace(gc::Tracer& t) const {
    for (const auto& s : slots) t(s);
  }
};

struct Blob {
  std::uint64_t w[30];
};

// Walks everything reachable from the graph; false on a damaged node.
bool verify(Graph* g, std::int64_t* count) {
  std::vector<Node*> stack;
  std::vector<Node*> seen;
  for (auto& s : g->slots)
    if (s) stack.push_back(s);
  std::int64_t n = 0;
  while (!stack.empty() && n < 200000) {
    Node* x = stack.back();
    stack.pop_back();
    if (!x->intact()) return false;
    n++;
    if (x->left) stack.push_back(x->left);
    if (x->right) stack.push_back(x->right);
  }
  *count = n;
  return true;
}

// Both tests' setting: gccheckmark and poison on, a cycle whenever the heap
// grows by 1% (GOGC=1), two Ps. Returns the GOGC to restore.
int checked_back_to_back_cycles() {
  gc::collector().settings.checkmark = true;
  gc::collector().settings.poison = true;
  gort::set_gomaxprocs(2);
  return gc::set_gc_percent(1);
}

}  // namespace

TEST(GCStress, GraphMutationUnderGOGC1WithCheckmark) {
  int old_pct = checked_back_to_back_cycles();
  std::uint32_t cycles0 = gc::collector().cycles.load();

  gc::Root<Graph> graph = gc::make<Graph>();
  gort::Mutex mu;
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<std::int64_t> ops{0};
  constexpr int kWorkers = 8;
  gort::WaitGroup wg;
  wg.add(kWorkers);
  for (int w = 0; w < kWorkers; w++) {
    gort::go([&, w] {
      std::mt19937_64 rng(1234 + w);
      std::uint64_t next_value = static_cast<std::uint64_t>(w) << 40;
      while (!stop.load(std::memory_order_relaxed)) {
        int i = static_cast<int>(rng() % kSlots), j = static_cast<int>(rng() % kSlots);
        switch (rng() % 6) {
          case 0:
          case 1: {  // a new node linked to existing ones
            Node* n = gc::make<Node>(next_value++);
            mu.lock();
            n->left = graph->slots[j];
            n->right = graph->slots[(j + 1) % kSlots];
            graph->slots[i] = n;
            mu.unlock();
            break;
          }
          case 2: {  // move a pointer between slots
            mu.lock();
            graph->slots[i] = graph->slots[j];
            mu.unlock();
            break;
          }
          case 3: {  // relink inside the graph
            mu.lock();
            Node* a = graph->slots[i];
            if (a != nullptr) a->left = graph->slots[j];
            mu.unlock();
            break;
          }
          case 4: {  // take a subgraph onto this stack for a while, then put it back
            mu.lock();
            Node* held = graph->slots[i];
            graph->slots[i] = nullptr;
            mu.unlock();
            for (int k = 0; k < 50; k++) gc::make<Blob>();
            gort::yield();
            if (held != nullptr && !held->intact()) failures++;
            mu.lock();
            graph->slots[j] = held;
            mu.unlock();
            break;
          }
          default:  // garbage
            for (int k = 0; k < 20; k++) gc::make<Blob>();
            break;
        }
        ops.fetch_add(1, std::memory_order_relaxed);
        if ((ops.load(std::memory_order_relaxed) & 63) == 0) gort::yield();
      }
      wg.done();
    });
  }
  // The verifier.
  std::int64_t checks = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    gort::sleep(std::chrono::milliseconds(20));
    mu.lock();
    std::int64_t count = 0;
    if (!verify(graph.get(), &count)) failures++;
    mu.unlock();
    checks++;
  }
  stop = true;
  wg.wait();
  std::uint32_t cycles = gc::collector().cycles.load() - cycles0;
  std::printf("ops %lld, GC cycles %u, verifications %lld, failures %d\n",
              static_cast<long long>(ops.load()), cycles, static_cast<long long>(checks),
              failures.load());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(cycles, 20u);
  gc::set_gc_percent(old_pct);
}

// Allocate-black beside old objects (Span::mark_new): spans hold old objects
// in every other slot, which the markers mark while the allocators fill the
// free slots in between with new objects, so that markers and owners write
// the same mark words at once. A plain store by the owner that overwrote a
// marker's bit would leave an old, reachable object unmarked: gccheckmark
// throws after that cycle, and poison mode wrecks the object once swept,
// which the walk at the end finds.
namespace {
struct Leaf {
  gc::Ptr<Leaf> next;
  std::uint64_t value = 0;
  std::uint64_t check = 0;
  explicit Leaf(std::uint64_t v) : value(v), check(~v) {}
  bool intact() const { return check == ~value; }
  void trace(gc::Tracer& t) const { t(next); }
};
struct Link {  // a size class of its own (48 bytes)
  gc::Ptr<Link> next;
  std::uint64_t value = 0;
  std::uint64_t check = 0;
  std::uint64_t pad[3] = {};
  explicit Link(std::uint64_t v) : value(v), check(~v) {}
  bool intact() const { return check == ~value; }
  void trace(gc::Tracer& t) const { t(next); }
};
}  // namespace

TEST(GCStress, NewObjectsAllocatedBlackBesideOldOnesLoseNoMark) {
  int old_pct = checked_back_to_back_cycles();
  std::uint32_t cycles0 = gc::collector().cycles.load();
  constexpr std::size_t kOld = 200000;
  constexpr int kAllocators = 2;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  std::atomic<int> failures{0};
  gort::WaitGroup wg;
  wg.add(kAllocators);
  for (int a = 0; a < kAllocators; a++) {
    gort::go([&, a] {
      // Old objects: allocate 2 * kOld, keep the odd ones (in a slice the
      // markers scan piece by piece), drop the even ones and collect, so
      // that every span has a free slot between each two old objects.
      auto old = gc::make_slice<gc::Ptr<Leaf>>(kOld);
      for (std::size_t i = 0; i < 2 * kOld; i++) {
        Leaf* l = gc::make<Leaf>(i);
        if (i % 2 == 1) old[i / 2] = l;
      }
      gc::collect();
      // New objects fill the holes while cycles run back to back (GOGC=1);
      // a ring keeps some of them alive for a while, and a chain links
      // every new object to the one before, so that the words a cycle's
      // mark begins in hold objects allocated just before it (reachable,
      // unmarked until a marker follows the chain to them) beside the new
      // ones the allocator marks.
      std::vector<gc::Root<Leaf>> ring(1024);
      gc::Root<Link> chain;
      std::uint64_t n = 0, chained = 0;
      auto check_chain = [&] {
        std::uint64_t k = 0;
        for (Link* l = chain.get(); l != nullptr; l = l->next.get(), k++)
          if (!l->intact()) failures++;
        if (k != chained) failures++;
      };
      while (std::chrono::steady_clock::now() < deadline) {
        for (int k = 0; k < 4096; k++, n++) {
          Leaf* l = gc::make<Leaf>(n);
          if (n % 7 == 0) ring[n / 7 % ring.size()] = l;
          if (k % 128 == 0) {  // the chain's own spans fill slowly: a word spans mark starts
            Link* c = gc::make<Link>(n);
            c->next = chain.get();
            chain = c;
            chained++;
          }
        }
        if (chained >= 16384) {
          check_chain();
          chain = nullptr;
          chained = 0;
        }
        gort::yield();
      }
      check_chain();
      for (std::size_t i = 0; i < kOld; i++)
        if (old[i]->value != 2 * i + 1 || !old[i]->intact()) failures++;
      for (auto& r : ring)
        if (r && !r->intact()) failures++;
      std::printf("allocator %d: %llu new objects\n", a, static_cast<unsigned long long>(n));
      wg.done();
    });
  }
  wg.wait();
  std::uint32_t cycles = gc::collector().cycles.load() - cycles0;
  std::printf("GC cycles %u, failures %d\n", cycles, failures.load());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(cycles, 20u);
  gc::set_gc_percent(old_pct);
}

namespace {
struct LargeBlob {  // 64 KiB, pointer-free: a large span of its own
  std::uint64_t words[8192];
};
struct LargeNode {  // 64 KiB with a pointer: a large typed span
  gc::Ptr<LargeNode> next;
  std::uint64_t words[8191];
  void trace(gc::Tracer& t) const { t(next); }
};
}  // namespace

// A large object is published (its span's sweep generation, its place in the
// heap's span list) and allocated black as one no-suspend stretch
// (gc/alloc.cc, alloc_large). A mark termination that fell between those
// steps left the span a sweep behind, so that the next sweep waited for it
// forever (the hang of GCPacer.TheScavengerReleasesFreedLargeObjects in one
// CI run), or let this cycle's sweep free the object the caller was about
// to receive. Here two goroutines allocate large objects while cycles run
// back to back: each new object must own its span, and each kept one must
// keep its contents (poison mode wrecks what is freed).
TEST(GCStress, LargeObjectsAllocatedAsCyclesEndSurvive) {
  int old_pct = checked_back_to_back_cycles();
  std::uint32_t cycles0 = gc::collector().cycles.load();
  constexpr int kAllocators = 2;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  std::atomic<int> failures{0};
  std::atomic<std::uint64_t> allocated{0};
  gort::WaitGroup wg;
  wg.add(kAllocators);
  for (int a = 0; a < kAllocators; a++) {
    gort::go([&, a] {
      std::vector<gc::Root<LargeBlob>> blobs(32);
      std::vector<std::uint64_t> blob_stamps(blobs.size());
      gc::Root<LargeNode> chain;  // the last few nodes, linked
      // A large array of pointers (its header is written before its span is
      // published), on this goroutine's stack, holding one blob.
      auto array = gc::make_slice<gc::Ptr<LargeBlob>>(8192);
      std::size_t array_slot = 0;
      std::uint64_t array_stamp = 0;
      std::uint64_t n = static_cast<std::uint64_t>(a) << 40;
      auto owns_its_span = [](const void* p) {
        gc::Span* s = gc::heap().span_of(p);
        return s != nullptr && s->base == reinterpret_cast<std::uintptr_t>(p);
      };
      while (std::chrono::steady_clock::now() < deadline) {
        for (int k = 0; k < 64; k++, n++) {
          std::size_t i = n % blobs.size();
          if (LargeBlob* old = blobs[i].get();
              old != nullptr && (old->words[0] != blob_stamps[i] || old->words[8191] != ~blob_stamps[i]))
            failures++;
          LargeBlob* b = gc::make<LargeBlob>();
          if (!owns_its_span(b)) failures++;
          b->words[0] = n;
          b->words[8191] = ~n;
          blobs[i] = b;
          blob_stamps[i] = n;
          if (k % 16 == 0) {
            LargeBlob* held = array[array_slot].get();
            if (held != nullptr && (held->words[0] != array_stamp || held->words[8191] != ~array_stamp)) failures++;
            array = gc::make_slice<gc::Ptr<LargeBlob>>(8192);
            if (gc::heap().span_of(array.data()) == nullptr) failures++;
            array_slot = n % 8192;
            array[array_slot] = b;
            array_stamp = n;
          }
          if (k % 8 == 0) {
            LargeNode* node = gc::make<LargeNode>();
            if (!owns_its_span(node)) failures++;
            node->words[0] = n;
            node->words[8190] = ~n;
            // Keep a chain of at most 16: cut it at the 16th.
            LargeNode* prev = chain.get();
            node->next = prev;
            int len = 1;
            for (LargeNode* l = node; l->next.get() != nullptr; l = l->next.get(), len++) {
              LargeNode* nx = l->next.get();
              if (nx->words[8190] != ~nx->words[0]) failures++;
              if (len == 16) {
                l->next = nullptr;
                break;
              }
            }
            chain = node;
          }
        }
        allocated.fetch_add(64);
        gort::yield();
      }
      wg.done();
    });
  }
  wg.wait();
  std::uint32_t cycles = gc::collector().cycles.load() - cycles0;
  std::printf("GC cycles %u, large objects %llu, failures %d\n", cycles,
              static_cast<unsigned long long>(allocated.load()), failures.load());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(cycles, 20u);
  gc::set_gc_percent(old_pct);
}
