// bench/wb.cc — gort-bench wb [STORES] [OBJECTS]: what a pointer store costs
// through the write barrier (issue 4: "write-barrier cost while not
// marking"). No Go peer: the comparison is with a plain C++ pointer store
// in the same loop.
//
// OBJECTS objects of each kind (default 4096, 192 KiB: the loop runs from
// the cache, so the figures are the instructions, not memory). Each store
// writes the address of one object into the pointer field of another:
//
//   raw_store          a `Node*` field of objects from `new` (no barrier)
//   ptr_store          a `gc::Ptr<Node>` field of GC objects, the collector
//                      idle: the barrier's fast path (one load of the
//                      marking flag and a predictable branch; gc/README.md
//                      shows the code GCC emits)
//   ptr_store_marking  the same while a cycle's mark is open (held open from
//                      before the clock starts to after it stops, with the
//                      step-by-step driver of gc/testing.h): every store
//                      takes the slow path, which records the old and the
//                      new value in the P's barrier buffer if they are not
//                      marked yet. Once the first full buffer has been
//                      emptied every object here is marked, so since
//                      session 30 this measures the slow path's test that
//                      drops them, not the append
//
// each in ns per store, plus barrier_cost = ptr_store - raw_store. The
// stores' targets follow a fixed stride through the objects, the same in
// every loop.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "gc/testing.h"
#include "gort/gort.h"
#include "result.h"

namespace gort_bench {
namespace {

struct Node {
  gort::gc::Ptr<Node> next;
  std::int64_t a = 0, b = 0, c = 0, d = 0, e = 0;
  void trace(gort::gc::Tracer& t) const { t(next); }
};

struct RawNode {
  RawNode* next = nullptr;
  std::int64_t a = 0, b = 0, c = 0, d = 0, e = 0;
};

// `stores` stores, store(objs[i & mask], objs[(i * 7 + 1) & mask]); ns per
// store. objs is a plain array of addresses (for the GC objects only an
// index: root handles keep them alive).
template <class T, class Store>
[[gnu::noinline]] double store_loop(T* const* objs, std::int64_t mask, std::int64_t stores, Store store) {
  std::int64_t t = now_ns();
  for (std::int64_t i = 0; i < stores; i++) store(objs[i & mask], objs[(i * 7 + 1) & mask]);
  return static_cast<double>(now_ns() - t) / static_cast<double>(stores);
}

int run_wb(Args& a) {
  const std::int64_t stores = a.next_int("stores", 100000000, 1, std::int64_t{1} << 40);
  const std::int64_t objects = a.next_int("objects", 4096, 2, 1 << 24);
  if (!a.done()) return kUsage;
  if ((objects & (objects - 1)) != 0) {
    std::fprintf(stderr, "gort-bench: objects must be a power of two\n");
    return kUsage;
  }
  return gort::run([&]() -> int {
    std::vector<gort::gc::Root<Node>> roots(static_cast<std::size_t>(objects));
    std::vector<Node*> gc_objs(static_cast<std::size_t>(objects));
    std::vector<std::unique_ptr<RawNode>> raw_owned(static_cast<std::size_t>(objects));
    std::vector<RawNode*> raw_objs(static_cast<std::size_t>(objects));
    for (std::int64_t i = 0; i < objects; i++) {
      Node* n = gort::gc::make<Node>();
      roots[static_cast<std::size_t>(i)] = n;
      gc_objs[static_cast<std::size_t>(i)] = n;
      raw_owned[static_cast<std::size_t>(i)] = std::make_unique<RawNode>();
      raw_objs[static_cast<std::size_t>(i)] = raw_owned[static_cast<std::size_t>(i)].get();
    }
    gort::gc::collect();
    const std::int64_t mask = objects - 1;
    auto raw = [](RawNode* dst, RawNode* src) { dst->next = src; };
    auto ptr = [](Node* dst, Node* src) { dst->next = src; };
    // A first pass of each, untimed, to warm the caches and the branch predictors.
    store_loop(raw_objs.data(), mask, objects * 4, raw);
    store_loop(gc_objs.data(), mask, objects * 4, ptr);

    double raw_ns = store_loop(raw_objs.data(), mask, stores, raw);
    double ptr_ns = store_loop(gc_objs.data(), mask, stores, ptr);
    gort::gc::testing::manual_cycles(true);
    gort::gc::testing::cycle_begin();
    double marking_ns = store_loop(gc_objs.data(), mask, stores, ptr);
    gort::gc::testing::cycle_end();
    gort::gc::testing::manual_cycles(false);

    // Every object's field holds the object the last loop stored there.
    bool ok = true;
    for (std::int64_t j = 0; j < objects; j++) {
      std::int64_t i = stores - 1 - ((stores - 1 - j) & mask);  // the last i with i & mask == j
      if (i < 0) continue;
      ok = ok && gc_objs[static_cast<std::size_t>(j)]->next.get() == gc_objs[static_cast<std::size_t>((i * 7 + 1) & mask)] &&
           raw_objs[static_cast<std::size_t>(j)]->next == raw_objs[static_cast<std::size_t>((i * 7 + 1) & mask)];
    }
    std::printf("stores=%lld objects=%lld raw %.3f ns, gc::Ptr %.3f ns (barrier %.3f ns), marking %.3f ns ok=%s\n",
                static_cast<long long>(stores), static_cast<long long>(objects), raw_ns, ptr_ns, ptr_ns - raw_ns,
                marking_ns, ok ? "true" : "false");
    if (!ok) return check_failed();
    result("wb", "raw_store", raw_ns, "ns");
    result("wb", "ptr_store", ptr_ns, "ns");
    result("wb", "barrier_cost", ptr_ns - raw_ns, "ns");
    result("wb", "ptr_store_marking", marking_ns, "ns");
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("wb", "wb [stores=100000000] [objects=4096]",
               "ns per pointer store: plain C++, gc::Ptr with the collector idle, and while marking", run_wb);

}  // namespace gort_bench
