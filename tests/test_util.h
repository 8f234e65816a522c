// tests/test_util.h — helpers shared by the GoogleTest suites.
//
// Every test body runs inside goroutine 1 (see gort_test_main.cc), so tests
// may call gort::go, channels, sleep, ... directly. Waiting loops never spin
// forever: they poll with a generous wall-clock deadline so that a broken
// runtime turns into a failed assertion, not a hung test.
//
// Do not use SCOPED_TRACE in these tests: GoogleTest keeps the trace stack per
// OS thread, and a goroutine (goroutine 1 included) may resume on another
// thread after any safepoint, so the pop would hit another thread's stack.
#pragma once

#include <sys/resource.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <atomic>
#include <functional>
#include <string>

#include "gort/gort.h"

namespace gort_test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline std::int64_t os_tid() { return static_cast<std::int64_t>(::syscall(SYS_gettid)); }

// Polls pred() every `step` (parking the goroutine with gort::sleep) until it
// is true or `timeout` has passed. Returns pred()'s final value.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(10000),
                       std::chrono::microseconds step = std::chrono::microseconds(500)) {
  auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > deadline) return pred();
    gort::sleep(step);
  }
  return true;
}

// Like wait_until, but polls with gort::yield() instead of sleeping. Use it
// while a goroutine spins without safepoints: a timer that lands on the
// spinner's P only runs when that P schedules again (as in Go without
// asynchronous preemption), so sleeping there could wait forever.
inline bool spin_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
  auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > deadline) return pred();
    gort::yield();
  }
  return true;
}

// CPU time (user + system) consumed by the whole process, in nanoseconds.
inline std::int64_t process_cpu_ns() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + static_cast<std::int64_t>(t.tv_usec) * 1000;
  };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// CPU time consumed by the calling thread, in nanoseconds.
inline std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Sets GOMAXPROCS for the scope of a test and restores the previous value.
class ScopedGomaxprocs {
 public:
  explicit ScopedGomaxprocs(int n) : prev_(gort::set_gomaxprocs(n)) {}
  ~ScopedGomaxprocs() { gort::set_gomaxprocs(prev_); }
  ScopedGomaxprocs(const ScopedGomaxprocs&) = delete;
  ScopedGomaxprocs& operator=(const ScopedGomaxprocs&) = delete;
  int previous() const { return prev_; }

 private:
  int prev_;
};

// Burns CPU without touching any runtime safepoint.
inline std::uint64_t burn(std::uint64_t iters, std::uint64_t seed = 1) {
  std::uint64_t x = seed;
  for (std::uint64_t i = 0; i < iters; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    asm volatile("" : "+r"(x));
  }
  return x;
}

// A chain of n goroutines, goroutine i forwarding every value it receives
// plus i, and closing its output when its input closes. Returns the chain's
// two ends; a value v sent in comes out as v + n*(n-1)/2.
struct TokenChain {
  gort::Chan<long> first, last;
  long add;
};
inline TokenChain make_token_chain(int n) {
  auto in = gort::make_chan<long>();
  TokenChain chain{in, {}, static_cast<long>(n) * (n - 1) / 2};
  for (int i = 0; i < n; i++) {
    auto out = gort::make_chan<long>();
    gort::go([in, out, i] {
      for (long v : in) out.send(v + i);
      out.close();
    });
    in = out;
  }
  chain.last = in;
  return chain;
}

// Starts `count` goroutines that send 1 on c and yield until stop is set; each
// calls wg.done() when it stops (wg must have been add()ed count).
inline void start_yielding_senders(int count, const gort::Chan<int>& c, std::atomic<bool>& stop,
                                   gort::WaitGroup& wg) {
  for (int g = 0; g < count; g++) {
    gort::go([&stop, &wg, c] {
      while (!stop.load()) {
        c.send(1);
        gort::yield();
      }
      wg.done();
    });
  }
}

// What recover() returned, as the tests print it ("<nil>" when nothing).
inline std::string show(const gort::PanicValue& v) { return v ? v.message() : "<nil>"; }

// Runs body as a Go function whose deferred call recovers; returns what was
// recovered (empty when body did not panic).
template <class F>
gort::PanicValue recover_from(F body) {
  gort::PanicValue out;
  gort::func([&] {
    gort::Defer d([&] { out = gort::recover(); });
    body();
  });
  return out;
}

// Runs f on a new goroutine and returns once that goroutine has exited. The
// collector's tests use it so that pointers f handles leave no stale copy on
// the caller's stack, which the collector scans conservatively.
template <class F>
void on_fresh_goroutine(F f) {
  auto done = gort::make_chan<int>();
  std::int64_t before = gort::num_goroutine();
  gort::go([&] {
    f();
    done.send(1);
  });
  done.recv();
  while (gort::num_goroutine() > before) gort::yield();
}

}  // namespace gort_test
