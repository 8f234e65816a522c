// tests/misuse_test.cc — bad use of the API and resource exhaustion (issue 7,
// "Bad input and misuse"): each gets Go's behaviour or a clear fatal error.
//
//   * the thread limit (Go's debug.SetMaxThreads / checkmcount);
//   * GC allocation and map writes off the runtime's threads or inside
//     gort::blocking; blocking operations from a thread the runtime does not own
//     or on the system stack (g0);
//   * gc::Root holding pointers that are not into the GC heap (allowed);
//   * out of memory (a huge allocation).
//
// Death statements run in a re-executed child on its goroutine 1 (see
// gort_test_main.cc), so each starts from a freshly booted runtime.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "gort/gort.h"
#include "sched/sched.h"

namespace gc = gort::gc;
using testing::ContainsRegex;
using testing::ExitedWithCode;
using testing::HasSubstr;
using testing::StartsWith;

namespace {

struct Node {
  gc::Ptr<Node> next;
  long value = 0;
  void trace(gc::Tracer& t) const { t(next); }
};

using IntMap = gort::Map<int, int>;
IntMap make_int_map() { return gort::make_map<int, int>(); }

struct MapHolder {
  IntMap m;
  void trace(gc::Tracer& t) const { m.trace(t); }
};

// Runs fn on a plain std::thread (no M) and waits for it.
template <class F>
void on_foreign_thread(F fn) {
  std::thread t(fn);
  gort::blocking([&] { t.join(); });
}

std::int32_t threads_now() {
  gort::detail::Sched& s = gort::detail::sched();
  return s.mcount;  // read racily: only ever grows, and the tests leave slack
}

// ---- the thread limit ----------------------------------------------------------------------

TEST(ThreadLimit, DefaultIsGosAndSetReturnsTheOldValue) {
  EXPECT_EQ(gort::debug::set_max_threads(500), 10000);
  EXPECT_EQ(gort::debug::set_max_threads(10000), 500);
}

// Below the limit, goroutines blocked in blocking calls get their threads.
TEST(ThreadLimit, BlockingCallsWithinTheLimitRun) {
  gort::debug::set_max_threads(threads_now() + 16);
  gort::WaitGroup wg;
  for (int i = 0; i < 4; i++) {
    wg.add(1);
    gort::go([&] {
      gort::blocking([] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); });
      wg.done();
    });
  }
  wg.wait();
  gort::debug::set_max_threads(10000);
  SUCCEED();
}

// Go's TestThreadExhaustion: goroutines that each hold a thread (here: in a
// blocking call) push the count over a small limit.
TEST(ThreadLimitDeathTest, BlockedGoroutinesExhaustTheThreads) {
  EXPECT_EXIT(
      {
        int limit = threads_now() + 3;
        gort::debug::set_max_threads(limit);
        for (int i = 0; i < 32; i++)
          gort::go([] { gort::blocking([] { std::this_thread::sleep_for(std::chrono::seconds(5)); }); });
        gort::sleep(std::chrono::seconds(4));
        std::fprintf(stderr, "no thread exhaustion\n");
        std::exit(0);
      },
      ExitedWithCode(2), ContainsRegex("^runtime: program exceeds [0-9]+-thread limit\nfatal error: thread exhaustion\n"));
}

// Go: a limit below the threads already running is fatal at once.
// (A limit equal to the threads running is fine: only the next thread is too many.)
TEST(ThreadLimitDeathTest, LimitBelowTheThreadsRunningIsFatalAtOnce) {
  EXPECT_EXIT(gort::debug::set_max_threads(0), ExitedWithCode(2),
              StartsWith("runtime: program exceeds 0-thread limit\nfatal error: thread exhaustion\n"));
}

TEST(ThreadLimit, LimitEqualToTheThreadsRunningIsFine) {
  int n = threads_now();
  gort::debug::set_max_threads(n);
  EXPECT_EQ(gort::debug::set_max_threads(10000), n);
}

TEST(ThreadLimitDeathTest, NegativeLimitIsFatalAtOnce) {
  EXPECT_EXIT(gort::debug::set_max_threads(-1), ExitedWithCode(2),
              StartsWith("runtime: program exceeds -1-thread limit\nfatal error: thread exhaustion\n"));
}

// ---- off the runtime's threads -----------------------------------------------------------

TEST(MisuseDeathTest, MapSetFromAForeignThread) {
  EXPECT_EXIT(
      {
        gc::Root<MapHolder> h = gc::make<MapHolder>();
        h->m = make_int_map();
        on_foreign_thread([&] { h->m.set(1, 2); });
      },
      ExitedWithCode(2),
      StartsWith("fatal error: gort::Map::set called from a thread the runtime does not own "
                 "(use maps from goroutines)\n"));
}

TEST(MisuseDeathTest, MapEraseFromAForeignThread) {
  EXPECT_EXIT(
      {
        gc::Root<MapHolder> h = gc::make<MapHolder>();
        h->m = make_int_map();
        h->m.set(1, 2);
        on_foreign_thread([&] { h->m.erase(1); });
      },
      ExitedWithCode(2), StartsWith("fatal error: gort::Map::erase called from a thread the runtime does not own"));
}

TEST(MisuseDeathTest, MapClearFromAForeignThread) {
  EXPECT_EXIT(
      {
        gc::Root<MapHolder> h = gc::make<MapHolder>();
        h->m = make_int_map();
        on_foreign_thread([&] { h->m.clear(); });
      },
      ExitedWithCode(2), StartsWith("fatal error: gort::Map::clear called from a thread the runtime does not own"));
}

TEST(MisuseDeathTest, MapCloneFromAForeignThread) {
  EXPECT_EXIT(
      {
        gc::Root<MapHolder> h = gc::make<MapHolder>();
        h->m = make_int_map();
        on_foreign_thread([&] { (void)h->m.clone(); });
      },
      ExitedWithCode(2), StartsWith("fatal error: gort::Map::clone called from a thread the runtime does not own"));
}

TEST(MisuseDeathTest, MakeMapFromAForeignThread) {
  EXPECT_EXIT(on_foreign_thread([] { (void)make_int_map(); }), ExitedWithCode(2),
              StartsWith("fatal error: gort::make_map called from a thread the runtime does not own"));
}

TEST(MisuseDeathTest, MapSetInsideBlocking) {
  EXPECT_EXIT(
      {
        auto m = make_int_map();
        gort::blocking([&] { m.set(1, 2); });
      },
      ExitedWithCode(2),
      StartsWith("fatal error: gort::Map::set called inside gort::blocking (use maps outside the blocking call)\n"));
}

TEST(MisuseDeathTest, GcMakeInsideBlocking) {
  EXPECT_EXIT(gort::blocking([] { gc::make<Node>(); }), ExitedWithCode(2),
              StartsWith("fatal error: gort::gc::make called inside gort::blocking "
                         "(allocate outside the blocking call)\n"));
}

// A map's reads through a handle a foreign thread holds in a Root are not
// checked: reading GC objects through a Root is allowed from any thread.
TEST(Misuse, MapReadFromAForeignThreadIsAllowed) {
  gc::Root<MapHolder> h = gc::make<MapHolder>();
  h->m = make_int_map();
  for (int i = 0; i < 100; i++) h->m.set(i, i * 2);
  long sum = -1;
  on_foreign_thread([&] {
    sum = h->m.get(21);
    for (auto [k, v] : h->m) sum += v - 2 * k;
  });
  EXPECT_EQ(sum, 42);
}

TEST(MisuseDeathTest, ChannelReceiveBlockingOnAForeignThread) {
  EXPECT_EXIT(
      {
        auto c = gort::make_chan<int>();
        on_foreign_thread([&] { c.recv(); });
      },
      ExitedWithCode(2), StartsWith("fatal error: gort: channel operation blocks outside a goroutine\n"));
}

TEST(MisuseDeathTest, ChannelSendBlockingOnAForeignThread) {
  EXPECT_EXIT(
      {
        auto c = gort::make_chan<int>();
        on_foreign_thread([&] { c.send(1); });
      },
      ExitedWithCode(2), StartsWith("fatal error: gort: channel operation blocks outside a goroutine\n"));
}

TEST(MisuseDeathTest, SelectBlockingOnAForeignThread) {
  EXPECT_EXIT(
      {
        auto c = gort::make_chan<int>();
        on_foreign_thread([&] { gort::select(gort::case_recv(c, [] {})); });
      },
      ExitedWithCode(2), StartsWith("fatal error: gort: select blocks outside a goroutine\n"));
}

TEST(MisuseDeathTest, ContendedMutexOnAForeignThread) {
  EXPECT_EXIT(
      {
        gort::Mutex mu;
        mu.lock();
        on_foreign_thread([&] { mu.lock(); });
      },
      ExitedWithCode(2), StartsWith("fatal error: gort: sync primitive blocks outside a goroutine\n"));
}

TEST(MisuseDeathTest, SleepOnAForeignThread) {
  EXPECT_EXIT(on_foreign_thread([] { gort::sleep(std::chrono::milliseconds(1)); }), ExitedWithCode(2),
              StartsWith("fatal error: gort::sleep called outside a goroutine\n"));
}

TEST(MisuseDeathTest, CollectOnAForeignThread) {
  EXPECT_EXIT(on_foreign_thread([] { gc::collect(); }), ExitedWithCode(2),
              StartsWith("fatal error: gort::gc::collect must be called from a goroutine\n"));
}

// The system stack (g0): what gort::detail::systemstack runs must not block
// (Go throws when a goroutine's park is asked for on g0). Each blocking
// operation there is the same clear fatal error as on a foreign thread, not
// a switch away from g0.
template <class F>
void on_system_stack(F fn) {
  gort::detail::systemstack([](void* a) { (*static_cast<F*>(a))(); }, &fn);
}

TEST(MisuseDeathTest, ChannelReceiveBlockingOnTheSystemStack) {
  EXPECT_EXIT(
      {
        auto c = gort::make_chan<int>();
        on_system_stack([&] { c.recv(); });
      },
      ExitedWithCode(2), StartsWith("fatal error: gort: channel operation blocks outside a goroutine\n"));
}

TEST(MisuseDeathTest, SelectBlockingOnTheSystemStack) {
  EXPECT_EXIT(
      {
        auto c = gort::make_chan<int>();
        on_system_stack([&] { gort::select(gort::case_recv(c, [] {})); });
      },
      ExitedWithCode(2), StartsWith("fatal error: gort: select blocks outside a goroutine\n"));
}

TEST(MisuseDeathTest, ContendedMutexOnTheSystemStack) {
  EXPECT_EXIT(
      {
        gort::Mutex mu;
        mu.lock();
        on_system_stack([&] { mu.lock(); });
      },
      ExitedWithCode(2), StartsWith("fatal error: gort: sync primitive blocks outside a goroutine\n"));
}

TEST(MisuseDeathTest, SleepOnTheSystemStack) {
  EXPECT_EXIT(on_system_stack([] { gort::sleep(std::chrono::milliseconds(1)); }), ExitedWithCode(2),
              StartsWith("fatal error: gort::sleep called outside a goroutine\n"));
}

TEST(MisuseDeathTest, CollectOnTheSystemStack) {
  EXPECT_EXIT(on_system_stack([] { gc::collect(); }), ExitedWithCode(2),
              StartsWith("fatal error: gort::gc::collect must be called from a goroutine\n"));
}

// Operations that do not block are allowed from any thread: a foreign thread
// may hand values to goroutines. The deadlock check cannot see such a waker
// coming (README, Limits): with every goroutine blocked on the channel it may
// report a deadlock before the foreign thread readies one. A pending timer
// keeps the check away, so main waits with a (long) timeout. (It also
// reported one, seen here under load, while a goroutine the foreign thread
// had readied was runnable but in no queue yet; goready now does both under
// the scheduler lock, sched/proc.cc goready_global.)
TEST(Misuse, NonBlockingChannelOperationsFromAForeignThread) {
  auto c = gort::make_chan<int>(1);
  auto done = gort::make_chan<int>();
  std::thread t([&] {
    while (!c.try_send(7)) std::this_thread::yield();
  });
  gort::go([&] { done.send(c.recv()); });
  int got = -1;
  gort::select(gort::case_recv(done, [&](int v) { got = v; }),
               gort::case_recv(gort::after(std::chrono::seconds(30)), [] {}));
  EXPECT_EQ(got, 7);
  gort::blocking([&] { t.join(); });
  std::thread closer([&] { c.close(); });
  gort::blocking([&] { closer.join(); });
  auto [v, ok] = c.recv_ok();
  EXPECT_FALSE(ok);
  EXPECT_EQ(v, 0);
}

// ---- gc::Root and pointers that are not into the GC heap ----------------------------------
// Allowed: root slots are scanned conservatively, so a word that points
// outside the heap (a stack, a global, malloc'd memory) is simply not an
// object and keeps nothing alive — as in Go, where a *T may point to a
// global or to C memory. The Root holds and returns the pointer unchanged.
Node g_global_node;

TEST(Misuse, RootMayHoldPointersOutsideTheHeap) {
  Node on_stack;
  on_stack.value = 1;
  g_global_node.value = 2;
  auto* on_malloc = static_cast<Node*>(std::calloc(1, sizeof(Node)));
  on_malloc->value = 3;
  gc::Root<Node> a(&on_stack), b(&g_global_node), c(on_malloc), d(nullptr);
  // Also a wild address nothing is mapped at, and one just past a heap object.
  Node* heap_obj = gc::make<Node>();
  heap_obj->value = 4;
  gc::Root<Node> e(heap_obj);
  gc::Root<Node> f(reinterpret_cast<Node*>(std::uintptr_t{0x10}));
  for (int i = 0; i < 3; i++) gc::collect();
  EXPECT_EQ(a.get(), &on_stack);
  EXPECT_EQ(a->value, 1);
  EXPECT_EQ(b->value, 2);
  EXPECT_EQ(c->value, 3);
  EXPECT_EQ(d.get(), nullptr);
  EXPECT_EQ(e->value, 4);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(f.get()), 0x10u);
  std::free(on_malloc);
}

// ---- out of memory -------------------------------------------------------------------------

// One allocation larger than the heap's reserved address space (64 GiB):
// Go's throw `runtime: out of memory`, thrown on the allocating goroutine, so
// its traceback (at the system level, runtime frames shown) leads the report
// as in Go's `make([]byte, 4<<30)` under `ulimit -v`.
TEST(OutOfMemoryDeathTest, AllocationBeyondTheArena) {
  EXPECT_EXIT(
      {
        auto s = gc::make_slice<char>(std::size_t{65} << 30);
        std::printf("allocated %zu\n", s.size());
      },
      ExitedWithCode(2),
      ContainsRegex("^fatal error: runtime: out of memory\n\ngoroutine 1 \\[running\\]:\n"
                    "gort::detail::throw_(.|\n)*OutOfMemoryDeathTest_AllocationBeyondTheArena_Test::TestBody"));
}

// Within the arena, but the kernel refuses to commit it: RLIMIT_DATA (set in
// the death test's child, 2 GiB above what is mapped) bounds private writable memory, and committing
// heap pages is an mprotect to writable — Go's sysMap failing with ENOMEM,
// which Go reports as the throw `runtime: out of memory`.
// The data already mapped (VmData; under AddressSanitizer it includes the
// shadow memory, terabytes of it), in bytes.
std::size_t data_mapped_now() {
  std::ifstream st("/proc/self/status");
  std::string key;
  while (st >> key) {
    if (key == "VmData:") {
      std::size_t kib = 0;
      st >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

void limit_data_and_allocate(std::size_t headroom, std::size_t bytes) {
  struct rlimit rl;
  rl.rlim_cur = rl.rlim_max = data_mapped_now() + headroom;
  if (setrlimit(RLIMIT_DATA, &rl) != 0) std::exit(99);
  auto s = gc::make_slice<char>(bytes);
  std::printf("allocated %zu\n", s.size());
}

TEST(OutOfMemoryDeathTest, CommitRefusedByTheKernel) {
  EXPECT_EXIT(
      {
        limit_data_and_allocate(std::size_t{2} << 30, std::size_t{8} << 30);  // 2 GiB more, then 8 GiB
      },
      ExitedWithCode(2), StartsWith("fatal error: runtime: out of memory\n\ngoroutine 1 [running]:\n"));
}

}  // namespace
