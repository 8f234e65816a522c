// tests/chan_test.cc — gort::Chan<T>: Go's channel semantics.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "gort/gort.h"
#include "test_util.h"

namespace {

using namespace gort_test;
using gort::Chan;
using gort::make_chan;
using gort::detail::RecvStatus;

TEST(Chan, NilChannel) {
  Chan<int> nil;
  EXPECT_TRUE(nil.is_nil());
  EXPECT_FALSE(static_cast<bool>(nil));
  EXPECT_EQ(nil.size(), 0u);
  EXPECT_EQ(nil.capacity(), 0u);
  EXPECT_EQ(nil, Chan<int>{});

  auto c = make_chan<int>();
  EXPECT_FALSE(c.is_nil());
  EXPECT_TRUE(static_cast<bool>(c));
  EXPECT_FALSE(c == nil);

  // Non-blocking operations on a nil channel never proceed.
  int v = 5;
  EXPECT_FALSE(nil.try_send(v));
  EXPECT_EQ(v, 5);
  int out = 7;
  EXPECT_EQ(nil.try_recv(out), RecvStatus::would_block);
}

TEST(Chan, CopiesShareTheChannel) {
  auto a = make_chan<int>(4);
  Chan<int> b = a;
  Chan<int> c;
  c = b;
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  a.send(1);
  b.send(2);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.recv(), 1);
  EXPECT_EQ(a.recv(), 2);
  Chan<int> moved = std::move(a);
  EXPECT_TRUE(a.is_nil());  // NOLINT(bugprone-use-after-move): moved-from Chan is nil by contract
  EXPECT_EQ(moved, b);
}

TEST(Chan, LenAndCap) {
  auto u = make_chan<int>();
  EXPECT_EQ(u.capacity(), 0u);
  EXPECT_EQ(u.size(), 0u);
  auto b = make_chan<int>(3);
  EXPECT_EQ(b.capacity(), 3u);
  EXPECT_EQ(b.size(), 0u);
  b.send(1);
  EXPECT_EQ(b.size(), 1u);
  b.send(2);
  b.send(3);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.capacity(), 3u);
  b.recv();
  EXPECT_EQ(b.size(), 2u);
  b.close();
  EXPECT_EQ(b.size(), 2u);  // close keeps buffered values
  EXPECT_EQ(b.capacity(), 3u);
}

TEST(Chan, UnbufferedHandoff) {
  auto c = make_chan<int>();
  std::atomic<bool> send_returned{false};
  gort::go([c, &send_returned] {
    c.send(42);
    send_returned.store(true);
  });
  // An unbuffered send cannot complete before a receiver takes the value.
  gort::sleep(30ms);
  EXPECT_FALSE(send_returned.load()) << "send on an unbuffered channel returned with no receiver";
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.recv(), 42);
  EXPECT_TRUE(wait_until([&] { return send_returned.load(); }));

  // And the other way round: the receiver blocks until a sender comes.
  std::atomic<bool> recv_returned{false};
  std::atomic<int> got{0};
  auto done = make_chan<bool>();
  gort::go([c, &recv_returned, &got, done] {
    got.store(c.recv());
    recv_returned.store(true);
    done.send(true);
  });
  gort::sleep(30ms);
  EXPECT_FALSE(recv_returned.load()) << "receive on an empty unbuffered channel returned";
  c.send(7);
  done.recv();
  EXPECT_EQ(got.load(), 7);
}

TEST(Chan, UnbufferedTrySendNeedsAWaitingReceiver) {
  auto c = make_chan<int>();
  int v = 1;
  EXPECT_FALSE(c.try_send(v)) << "try_send on an unbuffered channel without a receiver";
  int out = 0;
  EXPECT_EQ(c.try_recv(out), RecvStatus::would_block);

  auto got = make_chan<int>(1);
  gort::go([c, got] { got.send(c.recv()); });
  // Once the receiver is parked, try_send hands the value over directly.
  ASSERT_TRUE(wait_until([&] { return c.try_send(99); }));
  EXPECT_EQ(got.recv(), 99);

  // A parked sender makes try_recv succeed.
  gort::go([c] { c.send(123); });
  int r = 0;
  ASSERT_TRUE(wait_until([&] { return c.try_recv(r) == RecvStatus::received; }));
  EXPECT_EQ(r, 123);
}

TEST(Chan, BufferedFifo) {
  constexpr int kCap = 100;
  auto c = make_chan<int>(kCap);
  for (int i = 0; i < kCap; i++) {
    int v = i;
    ASSERT_TRUE(c.try_send(v)) << "buffered channel refused value " << i << " of " << kCap;
  }
  EXPECT_EQ(c.size(), static_cast<std::size_t>(kCap));
  int extra = 1000;
  EXPECT_FALSE(c.try_send(extra)) << "try_send succeeded on a full buffered channel";
  EXPECT_EQ(extra, 1000);
  for (int i = 0; i < kCap; i++) EXPECT_EQ(c.recv(), i);
  EXPECT_EQ(c.size(), 0u);
}

TEST(Chan, BufferedFifoWithBlockedSenders) {
  // Senders that block on a full buffer are queued behind it in order.
  auto c = make_chan<int>(4);
  auto go_on = make_chan<bool>();
  gort::go([c, go_on] {
    for (int i = 0; i < 1000; i++) c.send(i);
    go_on.send(true);
  });
  for (int i = 0; i < 1000; i++) ASSERT_EQ(c.recv(), i);
  go_on.recv();
}

TEST(Chan, TryRecv) {
  auto c = make_chan<int>(2);
  int out = -1;
  EXPECT_EQ(c.try_recv(out), RecvStatus::would_block);
  c.send(5);
  EXPECT_EQ(c.try_recv(out), RecvStatus::received);
  EXPECT_EQ(out, 5);
  c.send(6);
  c.close();
  EXPECT_EQ(c.try_recv(out), RecvStatus::received);
  EXPECT_EQ(out, 6);
  out = -1;
  EXPECT_EQ(c.try_recv(out), RecvStatus::closed);
  EXPECT_EQ(out, 0);  // the zero value
}

TEST(Chan, RecvOkAfterClose) {
  auto c = make_chan<std::string>(3);
  c.send("a");
  c.send("b");
  c.close();
  auto r1 = c.recv_ok();
  EXPECT_TRUE(r1.ok);
  EXPECT_EQ(r1.value, "a");
  auto r2 = c.recv_ok();
  EXPECT_TRUE(r2.ok);
  EXPECT_EQ(r2.value, "b");
  for (int i = 0; i < 3; i++) {
    auto r = c.recv_ok();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.value, "");
    EXPECT_EQ(c.recv(), "");  // recv of a closed channel returns the zero value at once
  }
}

TEST(Chan, CloseWakesAllReceivers) {
  constexpr int kReceivers = 50;
  auto c = make_chan<int>();
  std::atomic<int> started{0}, closed_seen{0}, values_seen{0};
  gort::WaitGroup wg;
  wg.add(kReceivers);
  for (int i = 0; i < kReceivers; i++) {
    gort::go([&, c] {
      started.fetch_add(1);
      auto r = c.recv_ok();
      if (r.ok) {
        values_seen.fetch_add(1);
      } else {
        closed_seen.fetch_add(1);
      }
      wg.done();
    });
  }
  ASSERT_TRUE(wait_until([&] { return started.load() == kReceivers; }));
  gort::sleep(10ms);  // let them park
  c.close();
  wg.wait();
  EXPECT_EQ(closed_seen.load(), kReceivers);
  EXPECT_EQ(values_seen.load(), 0);
}

TEST(Chan, CloseWakesReceiversBlockedOnBufferedChannel) {
  auto c = make_chan<int>(8);
  auto res = make_chan<bool>(3);
  for (int i = 0; i < 3; i++) gort::go([c, res] { res.send(c.recv_ok().ok); });
  gort::sleep(10ms);
  c.close();
  for (int i = 0; i < 3; i++) EXPECT_FALSE(res.recv());
}

TEST(Chan, RangeUntilClosed) {
  auto c = make_chan<int>(7);
  gort::go([c] {
    for (int i = 1; i <= 1000; i++) c.send(i);
    c.close();
  });
  long sum = 0;
  int count = 0, last = 0;
  bool ordered = true;
  for (int v : c) {
    sum += v;
    count++;
    if (v != last + 1) ordered = false;
    last = v;
  }
  EXPECT_EQ(count, 1000);
  EXPECT_EQ(sum, 1000L * 1001 / 2);
  EXPECT_TRUE(ordered);

  // Ranging over a closed, drained channel ends at once.
  int n = 0;
  for (int v : c) n += v;
  EXPECT_EQ(n, 0);
}

TEST(Chan, RangeUnbuffered) {
  auto c = make_chan<int>();
  gort::go([c] {
    for (int i = 0; i < 500; i++) c.send(i);
    c.close();
  });
  std::vector<int> got;
  for (int v : c) got.push_back(v);
  ASSERT_EQ(got.size(), 500u);
  for (int i = 0; i < 500; i++) EXPECT_EQ(got[i], i);
}

TEST(Chan, MoveOnlyElements) {
  auto c = make_chan<std::unique_ptr<int>>(2);
  c.send(std::make_unique<int>(1));
  auto p = std::make_unique<int>(2);
  EXPECT_TRUE(c.try_send(p));
  auto q = std::make_unique<int>(3);
  EXPECT_FALSE(c.try_send(q)) << "buffer is full";
  ASSERT_NE(q, nullptr) << "a failed try_send must leave the value untouched";
  EXPECT_EQ(*q, 3);
  EXPECT_EQ(*c.recv(), 1);
  EXPECT_EQ(*c.recv(), 2);

  auto u = make_chan<std::unique_ptr<int>>();
  gort::go([u] { u.send(std::make_unique<int>(77)); });
  auto r = u.recv_ok();
  ASSERT_TRUE(r.ok);
  ASSERT_NE(r.value, nullptr);
  EXPECT_EQ(*r.value, 77);
}

struct Counted {
  static inline std::atomic<int> live{0};
  int v = 0;
  Counted() { live.fetch_add(1); }
  explicit Counted(int x) : v(x) { live.fetch_add(1); }
  Counted(const Counted& o) : v(o.v) { live.fetch_add(1); }
  Counted(Counted&& o) noexcept : v(o.v) { live.fetch_add(1); }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { live.fetch_sub(1); }
};

TEST(Chan, NonTrivialElementsAreDestroyed) {
  int base = Counted::live.load();
  {
    auto c = make_chan<Counted>(8);
    for (int i = 0; i < 5; i++) c.send(Counted(i));
    EXPECT_EQ(c.recv().v, 0);
    EXPECT_EQ(c.recv().v, 1);
    EXPECT_EQ(Counted::live.load() - base, 3) << "buffered elements alive";
    // The channel still holds three values when its last handle goes away.
  }
  EXPECT_EQ(Counted::live.load(), base) << "dropping a channel must destroy its buffered values";

  {
    auto u = make_chan<Counted>();
    auto done = make_chan<int>();
    gort::go([u, done] {
      int sum = 0;
      for (auto& x : u) sum += x.v;
      done.send(sum);
    });
    for (int i = 1; i <= 100; i++) u.send(Counted(i));
    u.close();
    EXPECT_EQ(done.recv(), 5050);
  }
  gort::sleep(5ms);
  EXPECT_EQ(Counted::live.load(), base);
}

TEST(Chan, ManyProducersManyConsumers) {
  constexpr int kProducers = 8, kConsumers = 8, kPer = 10000;
  for (int cap : {0, 1, 64}) {
    auto c = make_chan<int>(cap);
    auto sums = make_chan<long>(kConsumers);
    std::vector<std::atomic<int>> seen(kProducers * kPer);
    for (auto& s : seen) s.store(0);
    gort::WaitGroup producers;
    producers.add(kProducers);
    for (int p = 0; p < kProducers; p++) {
      gort::go([c, p, &producers] {
        for (int i = 0; i < kPer; i++) c.send(p * kPer + i);
        producers.done();
      });
    }
    for (int q = 0; q < kConsumers; q++) {
      gort::go([c, sums, &seen] {
        long s = 0;
        for (int v : c) {
          s += v;
          seen[v].fetch_add(1, std::memory_order_relaxed);
        }
        sums.send(s);
      });
    }
    producers.wait();
    c.close();
    long total = 0;
    for (int q = 0; q < kConsumers; q++) total += sums.recv();
    long n = static_cast<long>(kProducers) * kPer;
    EXPECT_EQ(total, n * (n - 1) / 2) << "cap=" << cap;
    int dup = 0, lost = 0;
    for (auto& s : seen) {
      if (s.load() == 0) lost++;
      if (s.load() > 1) dup++;
    }
    EXPECT_EQ(lost, 0) << "cap=" << cap;
    EXPECT_EQ(dup, 0) << "cap=" << cap;
  }
}

TEST(Chan, PingPongAcrossGoroutines) {
  auto ping = make_chan<int>(), pong = make_chan<int>();
  gort::go([ping, pong] {
    for (int v : ping) pong.send(v + 1);
    pong.close();
  });
  int v = 0;
  for (int i = 0; i < 20000; i++) {
    ping.send(v);
    v = pong.recv();
  }
  EXPECT_EQ(v, 20000);
  ping.close();
  EXPECT_FALSE(pong.recv_ok().ok);
}

TEST(Chan, LargeElements) {
  struct Big {
    std::array<std::uint64_t, 64> a;
  };
  auto c = make_chan<Big>(3);
  gort::go([c] {
    for (std::uint64_t i = 0; i < 100; i++) {
      Big b;
      for (std::size_t k = 0; k < b.a.size(); k++) b.a[k] = i * 1000 + k;
      c.send(b);
    }
    c.close();
  });
  std::uint64_t i = 0;
  for (const Big& b : c) {
    for (std::size_t k = 0; k < b.a.size(); k++) ASSERT_EQ(b.a[k], i * 1000 + k);
    i++;
  }
  EXPECT_EQ(i, 100u);
}

// A chain of goroutines each forwarding tokens to the next (a smaller version
// of the stress suite's 100k-goroutine ring).
void token_chain(int n) {
  constexpr long kTokens = 5;
  auto [first, last, add] = make_token_chain(n);
  gort::go([first] {
    for (long t = 0; t < kTokens; t++) first.send(t * 1000000000L);
    first.close();
  });
  for (long t = 0; t < kTokens; t++) EXPECT_EQ(last.recv(), t * 1000000000L + add);
  EXPECT_FALSE(last.recv_ok().ok) << "close must propagate down the chain";
}

TEST(Chan, TokenChain10k) { token_chain(10000); }

// The same with 1,000 goroutines: the size the ThreadSanitizer build runs
// (10,000 goroutines are more TSan fibers than it can keep; scripts/test.sh).
TEST(Chan, TokenChain1k) { token_chain(1000); }

}  // namespace
