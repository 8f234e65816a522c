// stress/goroutine_churn.cc — spawn/exit storms with channels.
//
// Each of ctx.goroutines spawner goroutines repeats two kinds of storm:
//  * fan-out: start 64..512 goroutines at once; each receives a Task (a GC
//    object) from a buffered channel, allocates a Result pointing back at
//    it, sends the result on an unbuffered channel and exits. The spawner
//    checks that every task came back exactly once with the right value.
//  * relay: a chain of kRelay goroutines joined by unbuffered channels; a
//    token (a GC object with a gc::Slice of hops) is passed down the chain,
//    each stage appending its stage number. At the end every hop must be in
//    order.
// The collector scans thousands of short stacks that appear and vanish
// while it marks, and objects that live only in channel buffers and in the
// closures of goroutines not yet started.
#include <string>
#include <vector>

#include "rng.h"
#include "workloads.h"

namespace stress {
namespace {

namespace gc = gort::gc;

constexpr std::uint64_t kMagic = 0xc4a22e1ull;
constexpr int kRelay = 32;

struct Task {
  std::uint64_t magic;
  std::uint64_t index;
  std::uint64_t value;
};
struct Result {
  gc::Ptr<Task> task;
  std::uint64_t answer;
  void trace(gc::Tracer& t) const { t(task); }
};
struct Token {
  std::uint64_t magic;
  gc::Slice<std::uint32_t> hops;
  void trace(gc::Tracer& t) const { t(hops); }
};

std::uint64_t answer_of(std::uint64_t v) { return mix64(v) ^ kMagic; }

void fan_out(Context& ctx, Rng& rng, std::uint64_t* spawned) {
  int n = 64 + static_cast<int>(rng.below(449));
  auto tasks = gort::make_chan<Task*>(n);
  auto results = gort::make_chan<Result*>();
  for (int i = 0; i < n; i++) {
    gort::go([tasks, results] {
      Task* t = tasks.recv();
      Result* r = gc::make<Result>();
      r->task = t;
      r->answer = t->magic == kMagic ? answer_of(t->value) : 0;
      results.send(r);
    });
  }
  std::uint64_t base = rng.next();
  for (int i = 0; i < n; i++) {
    Task* t = gc::make<Task>();
    t->magic = kMagic;
    t->index = static_cast<std::uint64_t>(i);
    t->value = base + static_cast<std::uint64_t>(i);
    tasks.send(t);
  }
  std::vector<bool> back(static_cast<std::size_t>(n), false);
  for (int i = 0; i < n; i++) {
    Result* r = results.recv();
    Task* t = r->task;
    if (t == nullptr || t->magic != kMagic || t->index >= static_cast<std::uint64_t>(n) || back[t->index] ||
        t->value != base + t->index || r->answer != answer_of(t->value)) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "result %p for task %p (index %llu) is wrong or came twice",
                    static_cast<void*>(r), static_cast<void*>(t), t ? static_cast<unsigned long long>(t->index) : 0ull);
      ctx.fail("fan-out result", buf);
      continue;
    }
    back[t->index] = true;
  }
  *spawned += static_cast<std::uint64_t>(n);
}

void relay(Context& ctx, std::uint64_t* spawned) {
  std::vector<gort::Chan<Token*>> links;
  for (int i = 0; i <= kRelay; i++) links.push_back(gort::make_chan<Token*>());
  for (int i = 0; i < kRelay; i++) {
    gort::go([in = links[i], out = links[i + 1], i] {
      Token* t = in.recv();
      t->hops = append(t->hops, static_cast<std::uint32_t>(i));
      gc::make<Task>();  // some garbage on the way
      out.send(t);
    });
  }
  Token* t = gc::make<Token>();
  t->magic = kMagic;
  links[0].send(t);
  Token* end = links[kRelay].recv();
  bool ok = end == t && end->magic == kMagic && end->hops.size() == kRelay;
  for (std::size_t i = 0; ok && i < end->hops.size(); i++) ok = end->hops[i] == i;
  if (!ok) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "token %p came back with %zu hops", static_cast<void*>(end), end ? end->hops.size() : 0);
    ctx.fail("relay token intact", buf);
  }
  *spawned += kRelay;
}

}  // namespace

void run_goroutine_churn(Context& ctx) {
  gort::WaitGroup wg;
  std::atomic<std::uint64_t> total{0};
  for (int w = 0; w < ctx.goroutines; w++) {
    wg.add(1);
    gort::go([&, w] {
      Rng rng(ctx.seed, 500 + static_cast<std::uint64_t>(w));
      std::uint64_t spawned = 0;
      while (!ctx.done()) {
        std::uint64_t before = spawned;
        if (rng.chance(70)) fan_out(ctx, rng, &spawned);
        else relay(ctx, &spawned);
        ctx.ops.fetch_add(spawned - before, std::memory_order_relaxed);
      }
      total.fetch_add(spawned, std::memory_order_relaxed);
      wg.done();
    });
  }
  wg.wait();
  ctx.add_metric("goroutines_spawned", static_cast<double>(total.load()), "");
}

}  // namespace stress
