// tests/death_test.cc — fatal errors, runtime panics and deadlock reports.
//
// Each death statement runs in a re-executed child (death_test_style
// "threadsafe", set in gort_test_main.cc) on its goroutine 1, like a fresh gort
// program. We check the exit status (2) and that stderr starts exactly with the
// lines Go prints first.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "gort/gort.h"
#include "test_util.h"

namespace {

using namespace gort_test;
using gort::case_recv;
using gort::case_send;
using gort::make_chan;
using testing::ContainsRegex;
using testing::ExitedWithCode;
using testing::StartsWith;

const std::string kDeadlock = "fatal error: all goroutines are asleep - deadlock!\n\n";

std::string deadlock_with(const std::string& reason) {
  return kDeadlock + "goroutine 1 [" + reason + "]:\n";
}
std::string fatal_in_main(const std::string& msg) { return "fatal error: " + msg + "\n\ngoroutine 1 [running]:\n"; }
std::string panic_in_main(const std::string& msg) { return "panic: " + msg + "\n\ngoroutine 1 [running]:\n"; }

// ---- deadlock ---------------------------------------------------------------------------

TEST(DeadlockDeathTest, MainBlockedOnReceive) {
  EXPECT_EXIT(
      {
        auto c = make_chan<int>();
        c.recv();
      },
      ExitedWithCode(2), StartsWith(deadlock_with("chan receive")));
}

TEST(DeadlockDeathTest, MainBlockedOnBufferedReceive) {
  EXPECT_EXIT(
      {
        auto c = make_chan<int>(4);
        c.recv();
      },
      ExitedWithCode(2), StartsWith(deadlock_with("chan receive")));
}

TEST(DeadlockDeathTest, MainBlockedOnSend) {
  EXPECT_EXIT(
      {
        auto c = make_chan<int>();
        c.send(1);
      },
      ExitedWithCode(2), StartsWith(deadlock_with("chan send")));
}

TEST(DeadlockDeathTest, MainBlockedOnFullBufferedSend) {
  EXPECT_EXIT(
      {
        auto c = make_chan<int>(1);
        c.send(1);
        c.send(2);
      },
      ExitedWithCode(2), StartsWith(deadlock_with("chan send")));
}

TEST(DeadlockDeathTest, MainBlockedInSelect) {
  EXPECT_EXIT(
      {
        auto a = make_chan<int>();
        auto b = make_chan<int>();
        gort::select(case_recv(a), case_send(b, 1));
      },
      ExitedWithCode(2), StartsWith(deadlock_with("select")));
}

TEST(DeadlockDeathTest, SelectWithNoCases) {
  EXPECT_EXIT(gort::select(), ExitedWithCode(2), StartsWith(deadlock_with("select (no cases)")));
}

TEST(DeadlockDeathTest, MutexLockedTwice) {
  EXPECT_EXIT(
      {
        gort::Mutex m;
        m.lock();
        m.lock();
      },
      ExitedWithCode(2), StartsWith(deadlock_with("semacquire")));
}

TEST(DeadlockDeathTest, RWMutexWriteLockedTwice) {
  EXPECT_EXIT(
      {
        gort::RWMutex rw;
        rw.lock();
        rw.lock();
      },
      ExitedWithCode(2), StartsWith(deadlock_with("semacquire")));
}

TEST(DeadlockDeathTest, RWMutexReadAfterWrite) {
  EXPECT_EXIT(
      {
        gort::RWMutex rw;
        rw.lock();
        rw.lock_shared();
      },
      ExitedWithCode(2), StartsWith(deadlock_with("semacquire")));
}

TEST(DeadlockDeathTest, WaitGroupNeverDone) {
  EXPECT_EXIT(
      {
        gort::WaitGroup wg;
        wg.add(1);
        wg.wait();
      },
      ExitedWithCode(2), StartsWith(deadlock_with("semacquire")));
}

TEST(DeadlockDeathTest, CondWaitWithoutSignal) {
  EXPECT_EXIT(
      {
        gort::Mutex m;
        gort::Cond c(m);
        m.lock();
        c.wait();
      },
      ExitedWithCode(2), StartsWith(deadlock_with("sync.Cond.Wait")));
}

TEST(DeadlockDeathTest, NilChannelReceive) {
  EXPECT_EXIT(
      {
        gort::Chan<int> nil;
        nil.recv();
      },
      ExitedWithCode(2), StartsWith(deadlock_with("chan receive (nil chan)")));
}

TEST(DeadlockDeathTest, NilChannelSend) {
  EXPECT_EXIT(
      {
        gort::Chan<int> nil;
        nil.send(1);
      },
      ExitedWithCode(2), StartsWith(deadlock_with("chan send (nil chan)")));
}

void main_blocked_with_others() {
  auto a = make_chan<int>(), b = make_chan<int>(), c = make_chan<int>(), d = make_chan<int>();
  gort::go([b] { b.send(1); });
  gort::go([c, d] { gort::select(case_recv(c), case_recv(d)); });
  gort::go([] {
    gort::Mutex m;
    m.lock();
    m.lock();
  });
  gort::sleep(20ms);  // let them block
  a.recv();
}

TEST(DeadlockDeathTest, ReportsOtherBlockedGoroutines) {
  // Goroutine 1 first, then the others with their wait reasons.
  EXPECT_EXIT(main_blocked_with_others(), ExitedWithCode(2),
              testing::AllOf(StartsWith(deadlock_with("chan receive")),
                             ContainsRegex("\ngoroutine [0-9]+ \\[chan send\\]:\n"),
                             ContainsRegex("\ngoroutine [0-9]+ \\[select\\]:\n"),
                             ContainsRegex("\ngoroutine [0-9]+ \\[semacquire\\]:\n")));
}

TEST(DeadlockDeathTest, AfterOtherGoroutinesExit) {
  // Deadlock is detected once the last helper goroutine has finished.
  EXPECT_EXIT(
      {
        auto c = make_chan<int>();
        auto d = make_chan<int>(10);
        for (int i = 0; i < 10; i++) gort::go([d, i] { d.send(i); });
        for (int i = 0; i < 10; i++) d.recv();
        c.recv();
      },
      ExitedWithCode(2), StartsWith(deadlock_with("chan receive")));
}

TEST(DeadlockDeathTest, AfterTimerFired) {
  // A pending timer prevents the report; once it fired and nothing is left, it comes.
  EXPECT_EXIT(
      {
        gort::sleep(30ms);
        gort::select(case_recv(gort::after(20ms)));
        auto c = make_chan<int>();
        c.recv();
      },
      ExitedWithCode(2), StartsWith(deadlock_with("chan receive")));
}

TEST(DeadlockDeathTest, MultiplePs) {
  EXPECT_EXIT(
      {
        gort::set_gomaxprocs(4);
        gort::WaitGroup wg;
        wg.add(8);
        for (int i = 0; i < 8; i++) {
          gort::go([&wg] {
            burn(100000);
            wg.done();
          });
        }
        wg.wait();
        auto c = make_chan<int>();
        c.send(1);
      },
      ExitedWithCode(2), StartsWith(deadlock_with("chan send")));
}

// No false positives: these programs block main, but something can still wake it.
TEST(NoDeadlock, WokenByTimerSleeper) {
  auto c = make_chan<int>();
  gort::go([c] {
    gort::sleep(100ms);
    c.send(1);
  });
  EXPECT_EQ(c.recv(), 1);
}

TEST(NoDeadlock, WokenByBlockingCall) {
  auto c = make_chan<int>();
  gort::go([c] {
    gort::blocking([] { ::usleep(150000); });
    c.send(2);
  });
  EXPECT_EQ(c.recv(), 2);
}

TEST(NoDeadlock, WokenByAfterFunc) {
  auto c = make_chan<int>();
  gort::after_func(50ms, [c] { c.send(3); });
  EXPECT_EQ(c.recv(), 3);
}

TEST(NoDeadlock, ChildProcessExitsNormally) {
  // A death-test child that does not deadlock exits with its own status.
  EXPECT_EXIT(
      {
        auto c = make_chan<int>();
        gort::go([c] {
          gort::sleep(50ms);
          c.send(1);
        });
        c.recv();
        gort::exit(7);
      },
      ExitedWithCode(7), testing::Eq(""));
}

// ---- fatal errors -----------------------------------------------------------------------

TEST(FatalDeathTest, GoOfNilStdFunction) {
  EXPECT_EXIT(gort::go(std::function<void()>{}), ExitedWithCode(2), StartsWith(fatal_in_main("go of nil func value")));
}

TEST(FatalDeathTest, GoOfNullFunctionPointer) {
  EXPECT_EXIT(
      {
        void (*fp)() = nullptr;
        gort::go(fp);
      },
      ExitedWithCode(2), StartsWith(fatal_in_main("go of nil func value")));
}

TEST(FatalDeathTest, UnlockOfUnlockedMutex) {
  EXPECT_EXIT(
      {
        gort::Mutex m;
        m.unlock();
      },
      ExitedWithCode(2), StartsWith(fatal_in_main("sync: unlock of unlocked mutex")));
}

TEST(FatalDeathTest, DoubleUnlockOfMutex) {
  EXPECT_EXIT(
      {
        gort::Mutex m;
        m.lock();
        m.unlock();
        m.unlock();
      },
      ExitedWithCode(2), StartsWith(fatal_in_main("sync: unlock of unlocked mutex")));
}

TEST(FatalDeathTest, RUnlockOfUnlockedRWMutex) {
  EXPECT_EXIT(
      {
        gort::RWMutex rw;
        rw.unlock_shared();
      },
      ExitedWithCode(2), StartsWith(fatal_in_main("sync: RUnlock of unlocked RWMutex")));
}

TEST(FatalDeathTest, UnlockOfUnlockedRWMutex) {
  EXPECT_EXIT(
      {
        gort::RWMutex rw;
        rw.unlock();
      },
      ExitedWithCode(2), StartsWith(fatal_in_main("sync: Unlock of unlocked RWMutex")));
}

TEST(FatalDeathTest, UnlockOfReadLockedRWMutex) {
  EXPECT_EXIT(
      {
        gort::RWMutex rw;
        rw.lock_shared();
        rw.unlock();
      },
      ExitedWithCode(2), StartsWith(fatal_in_main("sync: Unlock of unlocked RWMutex")));
}

TEST(FatalDeathTest, FatalInOtherGoroutine) {
  // The failing goroutine is reported first; exit status 2 even though main is fine.
  EXPECT_EXIT(
      {
        gort::go([] {
          gort::Mutex m;
          m.unlock();
        });
        gort::sleep(5s);
      },
      ExitedWithCode(2),
      ContainsRegex("^fatal error: sync: unlock of unlocked mutex\n\ngoroutine [0-9]+ \\[running\\]:\n"));
}

// ---- runtime panics (fatal until recover exists) -------------------------------------------

TEST(PanicDeathTest, NegativeWaitGroupCounter) {
  EXPECT_EXIT(
      {
        gort::WaitGroup wg;
        wg.add(-1);
      },
      ExitedWithCode(2), StartsWith(panic_in_main("sync: negative WaitGroup counter")));
}

TEST(PanicDeathTest, WaitGroupDoneTooOften) {
  EXPECT_EXIT(
      {
        gort::WaitGroup wg;
        wg.add(1);
        wg.done();
        wg.done();
      },
      ExitedWithCode(2), StartsWith(panic_in_main("sync: negative WaitGroup counter")));
}

TEST(PanicDeathTest, CloseOfNilChannel) {
  EXPECT_EXIT(
      {
        gort::Chan<int> nil;
        nil.close();
      },
      ExitedWithCode(2), StartsWith(panic_in_main("close of nil channel")));
}

TEST(PanicDeathTest, CloseOfClosedChannel) {
  EXPECT_EXIT(
      {
        auto c = make_chan<int>(1);
        c.close();
        c.close();
      },
      ExitedWithCode(2), StartsWith(panic_in_main("close of closed channel")));
}

TEST(PanicDeathTest, SendOnClosedChannel) {
  EXPECT_EXIT(
      {
        auto c = make_chan<int>(1);
        c.close();
        c.send(1);
      },
      ExitedWithCode(2), StartsWith(panic_in_main("send on closed channel")));
}

TEST(PanicDeathTest, TrySendOnClosedChannel) {
  // Like `select { case c <- v: default: }` in Go: still a panic.
  EXPECT_EXIT(
      {
        auto c = make_chan<int>(1);
        c.close();
        c.try_send(1);
      },
      ExitedWithCode(2), StartsWith(panic_in_main("send on closed channel")));
}

TEST(PanicDeathTest, BlockedSenderWhenChannelIsClosed) {
  EXPECT_EXIT(
      {
        auto c = make_chan<int>();
        gort::go([c] {
          gort::sleep(20ms);
          c.close();
        });
        c.send(1);
      },
      ExitedWithCode(2), StartsWith(panic_in_main("send on closed channel")));
}

TEST(PanicDeathTest, SelectSendOnClosedChannel) {
  EXPECT_EXIT(
      {
        auto c = make_chan<int>(1);
        auto other = make_chan<int>();
        c.close();
        gort::select(case_send(c, 1), case_recv(other), gort::case_default());
      },
      ExitedWithCode(2), StartsWith(panic_in_main("send on closed channel")));
}

TEST(PanicDeathTest, BlockedSelectSendWhenChannelIsClosed) {
  EXPECT_EXIT(
      {
        auto c = make_chan<int>();
        auto other = make_chan<int>();
        gort::go([c] {
          gort::sleep(20ms);
          c.close();
        });
        gort::select(case_send(c, 1), case_recv(other));
      },
      ExitedWithCode(2), StartsWith(panic_in_main("send on closed channel")));
}

TEST(PanicDeathTest, CloseOfClosedChannelInOtherGoroutine) {
  EXPECT_EXIT(
      {
        auto c = make_chan<int>();
        c.close();
        gort::go([c] { c.close(); });
        gort::sleep(5s);
      },
      ExitedWithCode(2), ContainsRegex("^panic: close of closed channel\n\ngoroutine [0-9]+ \\[running\\]:\n"));
}

TEST(PanicDeathTest, MakeChanNegativeSize) {
  EXPECT_EXIT(make_chan<int>(-1), ExitedWithCode(2), StartsWith(panic_in_main("makechan: size out of range")));
}

// ---- exit -------------------------------------------------------------------------------

TEST(ExitDeathTest, ExitCodeAndNoOutput) {
  EXPECT_EXIT(gort::exit(3), ExitedWithCode(3), testing::Eq(""));
  EXPECT_EXIT(
      {
        gort::go([] { gort::exit(4); });
        gort::sleep(5s);
      },
      ExitedWithCode(4), testing::Eq(""));
}

}  // namespace
