// tests/gc_slice_test.cc — gc::Slice: Go's slices on the collected heap.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "gc/collector.h"
#include "gc/heap.h"
#include "gort/gort.h"
#include "test_util.h"

namespace gc = gort::gc;

namespace {

struct Node {
  std::int64_t value = 0;
  std::int64_t check = 0;
  explicit Node(std::int64_t v = 0) : value(v), check(~v) {}
  bool intact() const { return check == ~value; }
  void trace(gc::Tracer&) const {}
};

struct Edge {  // an element type with pointers
  gc::Ptr<Node> from, to;
  int weight = 0;
  void trace(gc::Tracer& t) const {
    t(from);
    t(to);
  }
};

struct Graph {
  gc::Slice<gc::Ptr<Node>> nodes;
  gc::Slice<Edge> edges;
  gc::Slice<int> weights;
  gc::Slice<gc::String> names;
  void trace(gc::Tracer& t) const {
    t(nodes);
    t(edges);
    t(weights);
    t(names);
  }
};

}  // namespace

TEST(GCSlice, MakeAppendIndexAndSubsliceAsGo) {
  gc::Slice<int> s;
  EXPECT_TRUE(s.is_nil());
  std::vector<std::size_t> caps;
  for (int i = 0; i < 10; i++) {
    s = append(s, i * i);
    caps.push_back(s.capacity());
  }
  EXPECT_THAT(caps, testing::ElementsAre(1, 2, 4, 4, 8, 8, 8, 8, 16, 16));
  EXPECT_EQ(s.size(), 10u);
  EXPECT_EQ(s[9], 81);
  gc::Slice<int> mid = s.sub(2, 5);
  EXPECT_EQ(mid.size(), 3u);
  EXPECT_EQ(mid.capacity(), 14u);
  EXPECT_EQ(mid[0], 4);
  mid[0] = -1;  // shares the array
  EXPECT_EQ(s[2], -1);
  gc::Slice<int> m = gc::make_slice<int>(3, 8);
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m[2], 0);
  EXPECT_EQ(gc::copy(m, s), 3u);
  EXPECT_EQ(m[1], 1);
}

TEST(GCSlice, OutOfRangeIsGosRuntimeError) {
  gc::Slice<int> s = gc::make_slice<int>(3, 4);
  EXPECT_EQ(gort_test::show(gort_test::recover_from([&] { (void)s[5]; })),
            "runtime error: index out of range [5] with length 3");
  EXPECT_EQ(gort_test::show(gort_test::recover_from([&] { (void)s.sub(1, 9); })),
            "runtime error: slice bounds out of range [:9] with capacity 4");
  EXPECT_EQ(gort_test::show(gort_test::recover_from([&] { (void)s.sub(3, 2); })),
            "runtime error: slice bounds out of range [3:2]");
}

TEST(GCSlice, ElementsWithPointersAreTracedAndSurvive) {
  gc::collector().settings.poison = true;
  gc::collector().settings.checkmark = true;
  gc::Root<Graph> g = gc::make<Graph>();
  gort_test::on_fresh_goroutine([&] {
    for (int i = 0; i < 5000; i++) {
      g->nodes = append(g->nodes, gc::Ptr<Node>(gc::make<Node>(i)));
      g->names = append(g->names, gc::String("node " + std::to_string(i)));
      g->weights = append(g->weights, i);
    }
    for (int i = 0; i + 1 < 5000; i++) {
      Edge e;
      e.from = g->nodes[static_cast<std::size_t>(i)];
      e.to = g->nodes[static_cast<std::size_t>(i) + 1];
      e.weight = i;
      g->edges = append(g->edges, e);
    }
  });
  gc::collect();
  gc::collect();
  gort_test::on_fresh_goroutine([&] {
    ASSERT_EQ(g->nodes.size(), 5000u);
    for (std::size_t i = 0; i < 5000; i++) {
      ASSERT_TRUE(g->nodes[i]->intact());
      ASSERT_EQ(g->nodes[i]->value, static_cast<std::int64_t>(i));
      ASSERT_EQ(g->names[i], std::string_view("node " + std::to_string(i)));
      ASSERT_EQ(g->weights[i], static_cast<int>(i));
    }
    for (std::size_t i = 0; i + 1 < 5000; i++) {
      ASSERT_EQ(g->edges[i].to->value, static_cast<std::int64_t>(i) + 1);
      ASSERT_EQ(g->edges[i].from.get(), g->nodes[i].get());
    }
  });
}

TEST(GCSlice, DroppedArraysAreCollected) {
  gc::collector().settings.poison = true;
  std::uintptr_t hidden = 0;
  gort_test::on_fresh_goroutine([&] {
    auto s = gc::make_slice<gc::Ptr<Node>>(1000);
    s[0] = gc::make<Node>(1);
    hidden = ~reinterpret_cast<std::uintptr_t>(s.data());
  });
  gc::collect();
  bool alive = true;
  gort_test::on_fresh_goroutine([&] { alive = gc::heap_object_allocated(reinterpret_cast<const void*>(~hidden)); });
  EXPECT_FALSE(alive);
}

TEST(GCSlice, AppendingWhileTheCollectorRunsLosesNothing) {
  gc::collector().settings.checkmark = true;
  gc::collector().settings.poison = true;
  int old = gc::set_gc_percent(5);
  gc::Root<Graph> g = gc::make<Graph>();
  std::uint32_t c0 = gc::collector().cycles.load();
  // Enough rounds that several cycles complete even when the machine is
  // busy (20 rounds gave 1-3 cycles in about 3% of runs under ctest -j2).
  gort_test::on_fresh_goroutine([&] {
    for (int round = 0; round < 60; round++) {
      gc::Slice<gc::Ptr<Node>> fresh;
      for (int i = 0; i < 5000; i++) fresh = append(fresh, gc::Ptr<Node>(gc::make<Node>(i)));
      g->nodes = fresh;  // the old generation becomes garbage
    }
  });
  EXPECT_GT(gc::collector().cycles.load() - c0, 3u);
  gc::collect();
  gort_test::on_fresh_goroutine([&] {
    for (std::size_t i = 0; i < g->nodes.size(); i++) ASSERT_TRUE(g->nodes[i]->intact());
  });
  gc::set_gc_percent(old);
}

TEST(GCSlice, CopyBetweenOverlappingPartsOfOneArrayIsGosMemmove) {
  // Go: copy(s[1:], s) shifts right, copy(s, s[1:]) shifts left.
  gort_test::on_fresh_goroutine([] {
    auto s = gc::make_slice<gc::Ptr<Node>>(6);
    for (int i = 0; i < 6; i++) s[i] = gc::make<Node>(i);
    EXPECT_EQ(gc::copy(s.sub(1, 6), s), 5u);
    int right[] = {0, 0, 1, 2, 3, 4};
    for (int i = 0; i < 6; i++) EXPECT_EQ(s[i]->value, right[i]) << i;
    EXPECT_EQ(gc::copy(s, s.sub(1, 6)), 5u);
    int left[] = {0, 1, 2, 3, 4, 4};
    for (int i = 0; i < 6; i++) EXPECT_EQ(s[i]->value, left[i]) << i;
    // Strings and slices move in bulk too; other element types one by one.
    auto strs = gc::make_slice<gc::String>(3);
    strs[0] = gc::String("a");
    strs[1] = gc::String("b");
    EXPECT_EQ(gc::copy(strs.sub(1, 3), strs), 2u);
    EXPECT_EQ(strs[1], std::string_view("a"));
    EXPECT_EQ(strs[2], std::string_view("b"));
  });
}

// A large array is marked in 32 KiB oblets (gc/mark.cc): 2.4 MB of 24-byte
// elements, so that elements straddle the piece boundaries, each holding
// the only pointers to its nodes. With gccheckmark on, an element that no
// piece scanned would be reported; with poison on, a node freed early
// would fail its check.
TEST(GCSlice, ALargeArrayIsMarkedInPiecesAndLosesNoElement) {
  gc::collector().settings.poison = true;
  gc::collector().settings.checkmark = true;
  constexpr std::size_t kEdges = 100000;
  static_assert(sizeof(Edge) == 24);
  gc::Root<Graph> g = gc::make<Graph>();
  gort_test::on_fresh_goroutine([&] {
    g->edges = gc::make_slice<Edge>(kEdges);
    for (std::size_t i = 0; i < kEdges; i++) {
      g->edges[i].from = gc::make<Node>(static_cast<std::int64_t>(i));
      g->edges[i].to = gc::make<Node>(-static_cast<std::int64_t>(i));
      g->edges[i].weight = static_cast<int>(i);
    }
  });
  for (int c = 0; c < 3; c++) gc::collect();
  gort_test::on_fresh_goroutine([&] {
    for (std::size_t i = 0; i < kEdges; i++) {
      ASSERT_TRUE(g->edges[i].from->intact() && g->edges[i].to->intact()) << i;
      ASSERT_EQ(g->edges[i].from->value, static_cast<std::int64_t>(i));
      ASSERT_EQ(g->edges[i].to->value, -static_cast<std::int64_t>(i));
    }
  });
}
