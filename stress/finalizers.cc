// stress/finalizers.cc — objects with finalizers and weak pointers; every
// finalizer must run exactly once.
//
// Workers allocate Tracked objects (each with a unique id and a payload
// checksum), set a finalizer on each and keep a gc::Weak to some of them.
// Objects stay alive for a while in a per-worker ring (a gc::Slice on the
// worker's stack), then are dropped. The finalizer, on gort's finalizer
// goroutine, checks that the object is intact and increments a per-id run
// counter (a fixed table off the heap); a second run is a failure. Weak
// pointers are read back before their object is dropped: one must still
// point at the same intact object, with its finalizer not yet run.
//
// At the end every object is unreachable: the runner collects (gc::collect)
// and waits, up to 10 s, for every counter to reach one. Objects still
// unfinalized then are named in the failure; because gort scans stacks
// conservatively, a stale word can keep an object alive for a while, which
// is why the wait repeats the collection.
#include <memory>
#include <string>
#include <vector>

#include "rng.h"
#include "workloads.h"

namespace stress {
namespace {

namespace gc = gort::gc;

constexpr std::uint64_t kMagic = 0xf1a1e2ull;
constexpr std::size_t kMaxObjects = std::size_t{1} << 22;  // the run-counter table (4 MiB)
constexpr std::size_t kRing = 4096;
// Finalizers run one at a time on one goroutine (as in Go), so workers that
// only allocate can outrun it without bound. Workers wait while this many
// objects are made and not yet finalized, worker 0 running collections
// meanwhile. (Measured once, before two fixes in gort: 70k of 165k objects
// still unfinalized 10 s after they became unreachable.)
constexpr std::uint64_t kMaxPending = 20000;

struct Tracked {
  std::uint64_t magic;
  std::uint64_t id;
  std::uint64_t payload[6];
  std::uint64_t check;
};

std::uint64_t tracked_check(const Tracked* t) {
  std::uint64_t h = mix64(t->id ^ kMagic);
  for (auto p : t->payload) h = mix64(h ^ p);
  return h;
}

struct Table {
  std::unique_ptr<std::atomic<std::uint8_t>[]> runs{new std::atomic<std::uint8_t>[kMaxObjects]()};
  std::atomic<std::uint64_t> next_id{0};
  std::atomic<std::uint64_t> finalized{0};
};

}  // namespace

void run_finalizers(Context& ctx) {
  // The table must outlive any finalizer still queued when the workload
  // returns, so it is never freed (one per run of the workload); a static
  // list keeps it reachable, so that LeakSanitizer does not report it.
  static std::vector<Table*>* kept = new std::vector<Table*>();
  Table* table = new Table();
  kept->push_back(table);
  std::atomic<std::uint64_t> weak_checks{0};
  std::size_t ring = static_cast<std::size_t>(ctx.live_bytes) / 128 / static_cast<std::size_t>(ctx.goroutines);
  if (ring > kRing) ring = kRing;
  // The rings together hold at most a quarter of the backlog allowed.
  if (ring > kMaxPending / 4 / static_cast<std::size_t>(ctx.goroutines))
    ring = kMaxPending / 4 / static_cast<std::size_t>(ctx.goroutines);
  if (ring < 16) ring = 16;
  Context* cp = &ctx;

  gort::WaitGroup wg;
  for (int w = 0; w < ctx.goroutines; w++) {
    wg.add(1);
    gort::go([&, w] {
      Rng rng(ctx.seed, 600 + static_cast<std::uint64_t>(w));
      auto live = gc::make_slice<gc::Ptr<Tracked>>(ring);
      std::vector<gc::Weak<Tracked>> weak(ring);  // Weak may live anywhere
      std::vector<bool> has_weak(ring, false);
      for (std::size_t i = 0; !ctx.done(); i = (i + 1) % ring) {
        if (Tracked* old = live[i]; old != nullptr && has_weak[i]) {
          Tracked* seen = weak[i].get();
          weak_checks.fetch_add(1, std::memory_order_relaxed);
          if (seen != old || old->check != tracked_check(old) ||
              table->runs[old->id].load(std::memory_order_relaxed) != 0)
            ctx.fail("weak pointer to a live object",
                     "object id " + std::to_string(old->id) + " at " +
                         std::to_string(reinterpret_cast<std::uintptr_t>(old)) + ": weak reads " +
                         std::to_string(reinterpret_cast<std::uintptr_t>(seen)));
        }
        weak[i].reset();
        has_weak[i] = false;
        // Throttle: at most kMaxPending objects made and not yet finalized.
        while (table->next_id.load(std::memory_order_relaxed) - table->finalized.load(std::memory_order_relaxed) >
                   kMaxPending &&
               !ctx.done()) {
          if (w == 0) gc::collect();  // the heap is small: cycles (and so finalizers) would be rare
          else gort::sleep(std::chrono::milliseconds(1));
        }
        std::uint64_t id = table->next_id.fetch_add(1, std::memory_order_relaxed);
        if (id >= kMaxObjects) {  // table full: stop making finalizable objects
          table->next_id.store(kMaxObjects, std::memory_order_relaxed);
          live[i] = nullptr;
          gort::sleep(std::chrono::milliseconds(1));
          continue;
        }
        Tracked* t = gc::make<Tracked>();
        t->magic = kMagic;
        t->id = id;
        for (auto& p : t->payload) p = rng.next();
        t->check = tracked_check(t);
        gc::set_finalizer(t, [table, cp](Tracked* o) {
          if (o->magic != kMagic || o->id >= kMaxObjects || o->check != tracked_check(o)) {
            cp->fail("finalized object intact", "object " + std::to_string(reinterpret_cast<std::uintptr_t>(o)) +
                                                     " id " + std::to_string(o->id));
            return;
          }
          if (table->runs[o->id].fetch_add(1, std::memory_order_relaxed) != 0)
            cp->fail("finalizer runs once", "object id " + std::to_string(o->id) + " finalized again");
          table->finalized.fetch_add(1, std::memory_order_relaxed);
        });
        live[i] = t;
        if (rng.chance(25)) {
          weak[i] = gc::Weak<Tracked>(t);
          has_weak[i] = true;
        }
        ctx.ops.fetch_add(1, std::memory_order_relaxed);
        if ((id & 63) == 0) gort::yield();
      }
      wg.done();
    });
  }
  wg.wait();

  // Every object is unreachable now: each finalizer must run, once.
  std::uint64_t made = table->next_id.load();
  if (made > kMaxObjects) made = kMaxObjects;
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (table->finalized.load() < made && std::chrono::steady_clock::now() < give_up) {
    gc::collect();
    gort::sleep(std::chrono::milliseconds(20));
  }
  std::uint64_t missing = 0, first_missing = 0;
  for (std::uint64_t id = 0; id < made; id++) {
    if (table->runs[id].load() == 0 && missing++ == 0) first_missing = id;
  }
  if (missing != 0)
    ctx.fail("every finalizer runs", std::to_string(missing) + " of " + std::to_string(made) +
                                         " objects never finalized within 10 s of becoming unreachable (first: id " +
                                         std::to_string(first_missing) + ")");
  ctx.add_metric("objects_finalized", static_cast<double>(table->finalized.load()), "");
  ctx.add_metric("objects_made", static_cast<double>(made), "");
  ctx.add_metric("weak_reads_checked", static_cast<double>(weak_checks.load()), "");
}

}  // namespace stress
