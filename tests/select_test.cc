// tests/select_test.cc — gort::select: Go's select statement.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "gort/gort.h"
#include "test_util.h"

namespace {

using namespace gort_test;
using gort::case_default;
using gort::case_recv;
using gort::case_send;
using gort::Chan;
using gort::make_chan;

// ---- semantics -------------------------------------------------------------------

TEST(Select, DefaultWhenNothingReady) {
  auto a = make_chan<int>(1), b = make_chan<int>();
  bool recv_fn = false, default_fn = false;
  int k = gort::select(case_recv(a, [&](int, bool) { recv_fn = true; }),
                       case_recv(b, [&](int, bool) { recv_fn = true; }),
                       case_default([&] { default_fn = true; }));
  EXPECT_EQ(k, 2);
  EXPECT_TRUE(default_fn);
  EXPECT_FALSE(recv_fn);

  // The default case's position in the argument list is what select returns.
  default_fn = false;
  k = gort::select(case_default([&] { default_fn = true; }), case_recv(a));
  EXPECT_EQ(k, 0);
  EXPECT_TRUE(default_fn);

  // A full buffered channel and an unbuffered one without receiver are not ready for send.
  a.send(1);
  k = gort::select(case_send(a, 2), case_send(b, 3), case_default());
  EXPECT_EQ(k, 2);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(a.recv(), 1);
}

TEST(Select, OnlyDefault) {
  int calls = 0;
  EXPECT_EQ(gort::select(case_default([&] { calls++; })), 0);
  EXPECT_EQ(calls, 1);
}

TEST(Select, RecvCaseDeliversValue) {
  auto a = make_chan<int>(1), b = make_chan<int>(1);
  b.send(5);
  int got = 0;
  bool got_ok = false;
  int k = gort::select(case_recv(a, [&](int, bool) { ADD_FAILURE() << "a is empty"; }),
                       case_recv(b, [&](int v, bool ok) {
                         got = v;
                         got_ok = ok;
                       }));
  EXPECT_EQ(k, 1);
  EXPECT_EQ(got, 5);
  EXPECT_TRUE(got_ok);
  EXPECT_EQ(b.size(), 0u);
}

TEST(Select, RecvCallbackForms) {
  auto c = make_chan<std::string>(3);
  c.send("x");
  c.send("y");
  c.send("z");
  std::string v1;
  gort::select(case_recv(c, [&](std::string v) { v1 = v; }));
  EXPECT_EQ(v1, "x");
  bool called = false;
  gort::select(case_recv(c, [&] { called = true; }));
  EXPECT_TRUE(called);
  EXPECT_EQ(gort::select(case_recv(c)), 0);  // no callback at all
  EXPECT_EQ(c.size(), 0u);
}

TEST(Select, ClosedChannelRecvReturnsOkFalse) {
  auto c = make_chan<int>(2);
  c.send(9);
  c.close();
  int v = -1;
  bool ok = false;
  gort::select(case_recv(c, [&](int x, bool o) {
    v = x;
    ok = o;
  }));
  EXPECT_EQ(v, 9);
  EXPECT_TRUE(ok);
  for (int i = 0; i < 3; i++) {
    v = -1;
    ok = true;
    int k = gort::select(case_recv(c,
                                   [&](int x, bool o) {
                                     v = x;
                                     ok = o;
                                   }),
                         case_default([] { ADD_FAILURE() << "a closed channel is always ready"; }));
    EXPECT_EQ(k, 0);
    EXPECT_EQ(v, 0);
    EXPECT_FALSE(ok);
  }
}

TEST(Select, SendCase) {
  auto c = make_chan<int>(1);
  bool fired = false;
  int k = gort::select(case_send(c, 41, [&] { fired = true; }), case_default());
  EXPECT_EQ(k, 0);
  EXPECT_TRUE(fired);
  EXPECT_EQ(c.recv(), 41);
}

TEST(Select, SendToWaitingReceiver) {
  auto c = make_chan<int>();
  auto got = make_chan<int>(1);
  gort::go([c, got] { got.send(c.recv()); });
  // Becomes ready once the receiver parks.
  ASSERT_TRUE(wait_until([&] { return gort::select(case_send(c, 77), case_default()) == 0; }));
  EXPECT_EQ(got.recv(), 77);
}

TEST(Select, NilChannelsNeverReady) {
  Chan<int> nil;
  for (int i = 0; i < 1000; i++) {
    int k = gort::select(case_recv(nil), case_send(nil, 1), case_default());
    ASSERT_EQ(k, 2);
  }
  auto ready = make_chan<int>(1);
  for (int i = 0; i < 1000; i++) {
    ready.send(i);
    int got = -1;
    int k = gort::select(case_recv(nil, [](int, bool) { ADD_FAILURE() << "nil recv fired"; }),
                         case_send(nil, 5, [] { ADD_FAILURE() << "nil send fired"; }),
                         case_recv(ready, [&](int v) { got = v; }));
    ASSERT_EQ(k, 2);
    ASSERT_EQ(got, i);
  }
  // A blocking select with a nil case proceeds through the non-nil one.
  auto later = make_chan<int>();
  gort::go([later] {
    gort::sleep(5ms);
    later.send(3);
  });
  int got = 0;
  EXPECT_EQ(gort::select(case_recv(nil), case_recv(later, [&](int v) { got = v; })), 1);
  EXPECT_EQ(got, 3);
}

TEST(Select, BlocksUntilSend) {
  auto a = make_chan<int>(), b = make_chan<int>();
  gort::go([b] {
    gort::sleep(10ms);
    b.send(8);
  });
  int got = 0;
  int k = gort::select(case_recv(a), case_recv(b, [&](int v) { got = v; }));
  EXPECT_EQ(k, 1);
  EXPECT_EQ(got, 8);
}

TEST(Select, BlocksUntilClose) {
  auto a = make_chan<int>(), b = make_chan<int>();
  gort::go([a] {
    gort::sleep(10ms);
    a.close();
  });
  bool ok = true;
  int k = gort::select(case_recv(a, [&](int, bool o) { ok = o; }), case_recv(b));
  EXPECT_EQ(k, 0);
  EXPECT_FALSE(ok);
}

TEST(Select, BlockedSendCaseWokenByReceiver) {
  auto a = make_chan<int>(), b = make_chan<int>();
  auto got = make_chan<int>(1);
  gort::go([b, got] {
    gort::sleep(10ms);
    got.send(b.recv());
  });
  int k = gort::select(case_recv(a), case_send(b, 55));
  EXPECT_EQ(k, 1);
  EXPECT_EQ(got.recv(), 55);
}

TEST(Select, SendAndRecvOnSameUnbufferedChannelDoNotMatchEachOther) {
  auto c = make_chan<int>();
  auto got = make_chan<int>(1);
  gort::go([c, got] {
    gort::sleep(10ms);
    got.send(c.recv());
  });
  // The only partner is a receiver, so the send case must win; the select's own
  // receive case must never pair with its own send case.
  int k = gort::select(case_send(c, 12), case_recv(c, [](int, bool) { ADD_FAILURE() << "recv fired"; }));
  EXPECT_EQ(k, 0);
  EXPECT_EQ(got.recv(), 12);
}

TEST(Select, LosingCasesAreDequeued) {
  // After a blocking select returns through one case, it must no longer wait on
  // the others: an unbuffered send to a losing channel finds no receiver.
  for (int round = 0; round < 100; round++) {
    auto a = make_chan<int>(), b = make_chan<int>(), c = make_chan<int>();
    gort::go([a] { a.send(1); });
    int k = gort::select(case_recv(a), case_recv(b), case_recv(c));
    ASSERT_EQ(k, 0);
    int v = 2;
    ASSERT_FALSE(b.try_send(v)) << "a stale select waiter took a value (round " << round << ")";
    ASSERT_FALSE(c.try_send(v)) << "a stale select waiter took a value (round " << round << ")";
  }
}

TEST(Select, NotChosenSendDoesNotDeliver) {
  auto full = make_chan<int>(1);
  full.send(1);
  auto ready = make_chan<int>(1);
  ready.send(2);
  for (int i = 0; i < 100; i++) {
    int k = gort::select(case_send(full, 100 + i), case_recv(ready));
    ASSERT_EQ(k, 1);
    ready.send(2);
  }
  EXPECT_EQ(full.size(), 1u);
  EXPECT_EQ(full.recv(), 1);
}

TEST(Select, AfterTimesOut) {
  auto never = make_chan<int>();
  auto start = Clock::now();
  bool timed_out = false;
  int k = gort::select(case_recv(never), case_recv(gort::after(20ms), [&] { timed_out = true; }));
  auto elapsed = Clock::now() - start;
  EXPECT_EQ(k, 1);
  EXPECT_TRUE(timed_out);
  EXPECT_GE(elapsed, 20ms) << "time.After fired early";
}

TEST(Select, ValueBeatsTimeout) {
  auto c = make_chan<int>();
  gort::go([c] { c.send(4); });
  int got = 0;
  int k = gort::select(case_recv(c, [&](int v) { got = v; }), case_recv(gort::after(30s)));
  EXPECT_EQ(k, 0);
  EXPECT_EQ(got, 4);
}

TEST(Select, ConcurrentSelectorsReceiveEveryValueOnce) {
  constexpr int kPer = 20000, kConsumers = 6;
  auto a = make_chan<int>(), b = make_chan<int>(16);
  auto quit = make_chan<bool>();
  std::vector<std::atomic<int>> seen(2 * kPer);
  for (auto& s : seen) s.store(0);
  gort::WaitGroup consumers;
  consumers.add(kConsumers);
  for (int i = 0; i < kConsumers; i++) {
    gort::go([&, a, b, quit] {
      bool running = true;
      while (running) {
        gort::select(case_recv(a, [&](int v) { seen[v].fetch_add(1); }),
                     case_recv(b, [&](int v) { seen[v].fetch_add(1); }),
                     case_recv(quit, [&] { running = false; }));
      }
      consumers.done();
    });
  }
  gort::WaitGroup producers;
  producers.add(2);
  gort::go([&, a] {
    for (int i = 0; i < kPer; i++) a.send(i);
    producers.done();
  });
  gort::go([&, b] {
    for (int i = kPer; i < 2 * kPer; i++) b.send(i);
    producers.done();
  });
  producers.wait();
  // b is buffered: wait until consumers drained it before telling them to quit.
  ASSERT_TRUE(wait_until([&] { return b.size() == 0; }));
  quit.close();
  consumers.wait();
  int bad = 0;
  for (auto& s : seen) bad += s.load() != 1;
  EXPECT_EQ(bad, 0) << "values lost or received twice";
}

TEST(Select, ConcurrentSendSelectsAndReceivers) {
  // Goroutines that select over two send cases and a timeout feed receivers on
  // both channels; every value must arrive exactly once.
  constexpr int kSenders = 4, kPer = 5000;
  auto a = make_chan<int>(), b = make_chan<int>();
  auto sums = make_chan<long>(2);
  gort::WaitGroup senders;
  senders.add(kSenders);
  for (int s = 0; s < kSenders; s++) {
    gort::go([&, a, b, s] {
      for (int i = 0; i < kPer; i++) {
        int v = s * kPer + i;
        gort::select(case_send(a, v), case_send(b, v));
      }
      senders.done();
    });
  }
  for (auto ch : {a, b}) {
    gort::go([ch, sums] {
      long sum = 0;
      for (int v : ch) sum += v;
      sums.send(sum);
    });
  }
  senders.wait();
  a.close();
  b.close();
  long total = sums.recv() + sums.recv();
  long n = static_cast<long>(kSenders) * kPer;
  EXPECT_EQ(total, n * (n - 1) / 2);
}

// ---- fairness ----------------------------------------------------------------------

constexpr int kTrials = 100000;

// Checks that the observed choices are uniform over `n` cases: every case is
// chosen within ±10% of its expected share (45%..55% for two cases), a
// chi-square statistic far below anything a biased implementation produces,
// and the same case follows itself about 1/n of the time (catches round-robin).
void expect_uniform(const std::vector<int>& choices, int n) {
  std::vector<long> counts(n, 0);
  long repeats = 0;
  for (std::size_t i = 0; i < choices.size(); i++) {
    ASSERT_GE(choices[i], 0);
    ASSERT_LT(choices[i], n);
    counts[choices[i]]++;
    if (i > 0 && choices[i] == choices[i - 1]) repeats++;
  }
  double total = static_cast<double>(choices.size());
  double expected = total / n;
  double chi2 = 0;
  for (int k = 0; k < n; k++) {
    double share = counts[k] / total;
    EXPECT_GE(share, 0.9 / n) << "case " << k << " chosen " << counts[k] << " of " << total;
    EXPECT_LE(share, 1.1 / n) << "case " << k << " chosen " << counts[k] << " of " << total;
    chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
  }
  // chi-square critical values at p = 1e-7 are about 28 (1 dof) .. 37 (3 dof).
  EXPECT_LT(chi2, 40.0) << "select is not uniform";
  double repeat_share = repeats / (total - 1);
  EXPECT_GE(repeat_share, 0.9 / n) << "successive choices are anti-correlated (round-robin?)";
  EXPECT_LE(repeat_share, 1.1 / n) << "successive choices are correlated";
  std::printf("select fairness over %d cases: counts", n);
  for (long c : counts) std::printf(" %ld", c);
  std::printf(", chi2 %.2f, repeat share %.4f\n", chi2, repeat_share);
}

TEST(SelectFairness, TwoClosedChannels) {
  auto a = make_chan<int>(), b = make_chan<int>();
  a.close();
  b.close();
  std::vector<int> choices;
  choices.reserve(kTrials);
  for (int i = 0; i < kTrials; i++) choices.push_back(gort::select(case_recv(a), case_recv(b)));
  expect_uniform(choices, 2);
}

TEST(SelectFairness, TwoBufferedChannelsWithValues) {
  auto a = make_chan<int>(1), b = make_chan<int>(1);
  a.send(0);
  b.send(1);
  std::vector<int> choices;
  choices.reserve(kTrials);
  for (int i = 0; i < kTrials; i++) {
    int v = -1;
    int k = gort::select(case_recv(a, [&](int x) { v = x; }), case_recv(b, [&](int x) { v = x; }));
    ASSERT_EQ(v, k) << "the callback of the chosen case must run with that channel's value";
    choices.push_back(k);
    (k == 0 ? a : b).send(k);
  }
  expect_uniform(choices, 2);
}

TEST(SelectFairness, TwoSendCases) {
  auto a = make_chan<int>(1), b = make_chan<int>(1);
  std::vector<int> choices;
  choices.reserve(kTrials);
  for (int i = 0; i < kTrials; i++) {
    int k = gort::select(case_send(a, 0), case_send(b, 1));
    choices.push_back(k);
    ASSERT_EQ((k == 0 ? a : b).recv(), k);
  }
  expect_uniform(choices, 2);
}

TEST(SelectFairness, SendAndRecvMixed) {
  auto r = make_chan<int>(1), s = make_chan<int>(1);
  r.send(0);
  std::vector<int> choices;
  choices.reserve(kTrials);
  for (int i = 0; i < kTrials; i++) {
    int k = gort::select(case_recv(r), case_send(s, 1));
    choices.push_back(k);
    if (k == 0) {
      r.send(0);
    } else {
      s.recv();
    }
  }
  expect_uniform(choices, 2);
}

TEST(SelectFairness, WithDefaultTwoReady) {
  auto a = make_chan<int>(), b = make_chan<int>();
  a.close();
  b.close();
  std::vector<int> choices;
  choices.reserve(kTrials);
  int defaults = 0;
  for (int i = 0; i < kTrials; i++) {
    int k = gort::select(case_recv(a), case_recv(b), case_default());
    if (k == 2) {
      defaults++;
    } else {
      choices.push_back(k);
    }
  }
  EXPECT_EQ(defaults, 0) << "default chosen although cases were ready";
  expect_uniform(choices, 2);
}

TEST(SelectFairness, WithDefaultOneReady) {
  auto a = make_chan<int>(), b = make_chan<int>();
  a.close();
  int others = 0;
  for (int i = 0; i < 10000; i++) {
    int k = gort::select(case_default(), case_recv(b), case_recv(a));
    if (k != 2) others++;
  }
  EXPECT_EQ(others, 0) << "a closed channel is always ready; default or an empty channel was chosen";
}

TEST(SelectFairness, FourReadyCasesChiSquare) {
  auto a = make_chan<int>(), b = make_chan<int>(), c = make_chan<int>(), d = make_chan<int>();
  for (auto* ch : {&a, &b, &c, &d}) ch->close();
  std::vector<int> choices;
  choices.reserve(kTrials);
  for (int i = 0; i < kTrials; i++) {
    choices.push_back(gort::select(case_recv(a), case_recv(b), case_recv(c), case_recv(d)));
  }
  expect_uniform(choices, 4);
}

TEST(SelectFairness, ReadyAmongNotReady) {
  // Three ready cases interleaved with never-ready ones (nil and empty).
  Chan<int> nil;
  auto empty = make_chan<int>();
  auto a = make_chan<int>(), b = make_chan<int>(), c = make_chan<int>();
  a.close();
  b.close();
  c.close();
  std::vector<int> choices;
  choices.reserve(kTrials);
  for (int i = 0; i < kTrials; i++) {
    int k = gort::select(case_recv(nil), case_recv(a), case_recv(empty), case_recv(b), case_send(nil, 1),
                         case_recv(c));
    int idx = k == 1 ? 0 : k == 3 ? 1 : k == 5 ? 2 : -1;
    ASSERT_NE(idx, -1) << "a never-ready case was chosen: " << k;
    choices.push_back(idx);
  }
  expect_uniform(choices, 3);
}

}  // namespace
