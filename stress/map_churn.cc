// stress/map_churn.cc — gort::Map of GC objects growing, iterated, deleted.
//
// Each worker goroutine owns two maps (Go maps are not for concurrent
// writers): Map<int64, gc::Ptr<Item>> and Map<gc::String, gc::Ptr<Item>>,
// kept on its stack. Rounds:
//  1. grow: insert items up to the worker's share of --live-mb (the map
//     doubles through Go's incremental evacuation while the collector runs);
//  2. iterate: every entry must be an intact item whose key matches, and the
//     number of entries seen must be len(m) (with --verify also looked up
//     again by key);
//  3. delete: remove a random half, check the others are all still found and
//     the removed ones are not;
//  4. every fourth round, drop both maps whole and start new ones.
// The worker keeps its own count of what each map must hold, so a lost or
// duplicated entry, or an item freed while a map still referred to it, is a
// failure naming the key.
#include <string>

#include "rng.h"
#include "workloads.h"

namespace stress {
namespace {

namespace gc = gort::gc;

constexpr std::uint64_t kMagic = 0x3a9c0de5ull;
struct Item {
  std::int64_t key;
  std::uint64_t magic;
  std::uint64_t check;
  gc::String name;  // the string key, shared with the second map
  void trace(gc::Tracer& t) const { t(name); }
};

std::uint64_t item_check(std::int64_t key) { return mix64(static_cast<std::uint64_t>(key) ^ kMagic); }

std::string key_name(std::int64_t k) { return "key-" + std::to_string(k); }

using IntMap = gort::Map<std::int64_t, gc::Ptr<Item>>;
using StrMap = gort::Map<gc::String, gc::Ptr<Item>>;

bool item_ok(const Item* it, std::int64_t key) {
  return it != nullptr && it->magic == kMagic && it->key == key && it->check == item_check(key);
}

struct Worker {
  Context& ctx;
  Rng rng;
  std::size_t target;
  std::int64_t next_key = 0;
  std::int64_t first_key = 0;  // the first key of the current maps

  void fail(const char* check, std::int64_t key, const Item* it) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "key %lld: item %p", static_cast<long long>(key), static_cast<const void*>(it));
    ctx.fail(check, buf);
  }

  void round(IntMap& m, StrMap& sm) {
    // 1. grow
    while (m.size() < target && !ctx.done()) {
      std::int64_t k = next_key++;
      Item* it = gc::make<Item>();
      it->key = k;
      it->magic = kMagic;
      it->check = item_check(k);
      it->name = gc::String(key_name(k));
      m.set(k, it);
      sm.set(it->name, it);
      ctx.ops.fetch_add(1, std::memory_order_relaxed);
      if ((k & 255) == 0) gort::yield();
    }
    if (sm.size() != m.size())
      ctx.fail("map sizes agree", "int map " + std::to_string(m.size()) + ", string map " + std::to_string(sm.size()));
    // 2. iterate
    std::size_t seen = 0;
    for (auto [k, it] : m) {
      seen++;
      if (!item_ok(it, k)) fail("map entry intact", k, it);
      else if (ctx.verify && sm.get(it->name.view()).get() != it.get()) fail("string map finds the item", k, it);
    }
    if (seen != m.size())
      ctx.fail("iteration sees every entry", std::to_string(seen) + " seen, len " + std::to_string(m.size()));
    // 3. delete a random half
    std::size_t before = m.size();
    std::size_t removed = 0;
    for (auto [k, it] : m) {  // deleting during iteration is allowed, as in Go
      if (rng.below(2) == 0) {
        sm.erase(it->name.view());
        m.erase(k);
        removed++;
      }
    }
    if (m.size() != before - removed || sm.size() != m.size())
      ctx.fail("map size after deletes", std::to_string(before) + " - " + std::to_string(removed) + " != " +
                                             std::to_string(m.size()) + " (string map " + std::to_string(sm.size()) + ")");
    if (ctx.verify) {
      std::size_t found = 0;
      for (std::int64_t k = first_key; k < next_key; k++) {  // every key these maps were given
        auto [it, ok] = m.lookup(k);
        if (!ok) continue;
        found++;
        if (!item_ok(it, k)) fail("map lookup intact", k, it);
        if (!sm.contains(key_name(k))) fail("string key present", k, it);
      }
      if (found != m.size())
        ctx.fail("lookups find every entry", std::to_string(found) + " found, len " + std::to_string(m.size()));
    }
  }
};

}  // namespace

void run_map_churn(Context& ctx) {
  // An entry costs about 160 bytes (item, string, two map slots).
  std::size_t target = static_cast<std::size_t>(ctx.live_bytes) / 160 / static_cast<std::size_t>(ctx.goroutines);
  if (target < 64) target = 64;
  gort::WaitGroup wg;
  std::atomic<std::uint64_t> rounds{0};
  for (int w = 0; w < ctx.goroutines; w++) {
    wg.add(1);
    gort::go([&, w] {
      Worker wk{ctx, Rng(ctx.seed, 400 + static_cast<std::uint64_t>(w)), target};
      // Keys start apart per worker only for the failure messages' sake.
      wk.next_key = wk.first_key = static_cast<std::int64_t>(w) << 40;
      IntMap m = gort::make_map<std::int64_t, gc::Ptr<Item>>();
      StrMap sm = gort::make_map<gc::String, gc::Ptr<Item>>();
      for (std::uint64_t r = 1; !ctx.done(); r++) {
        wk.round(m, sm);
        rounds.fetch_add(1, std::memory_order_relaxed);
        if (r % 4 == 0) {
          m = gort::make_map<std::int64_t, gc::Ptr<Item>>();
          sm = gort::make_map<gc::String, gc::Ptr<Item>>();
          wk.first_key = wk.next_key;
        }
      }
      wg.done();
    });
  }
  wg.wait();
  ctx.add_metric("map_rounds", static_cast<double>(rounds.load()), "");
  ctx.add_metric("entries_per_map", static_cast<double>(target), "");
}

}  // namespace stress
