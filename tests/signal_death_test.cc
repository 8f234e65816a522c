// tests/signal_death_test.cc — fatal signals as Go's sighandler treats them
// (go-reference §2.1 "Signals", examples/go/nil_deref and sigquit_dump):
// a fault in a goroutine becomes a panic with Go's runtime error, which a
// deferred call can recover; SIGQUIT dumps every goroutine and the registers.
//
// This binary is compiled with -fnon-call-exceptions (tests/CMakeLists.txt):
// recovering from a fault unwinds through the faulting instruction, which
// the C++ unwinder can only do in code compiled that way.
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "gort/gort.h"
#include "test_util.h"

// The functions that fault on purpose. In GORT_SANITIZE builds UBSan would
// report the undefined behaviour (a null load, a division by zero) itself,
// before the hardware fault this file is about: not in these.
#define FAULTS __attribute__((noipa, no_sanitize("undefined", "address")))

namespace sig {

void say(const char* s) { std::fputs(s, stderr); }

struct Tracker {
  std::vector<std::string>* log;
  const char* name;
  ~Tracker() { log->push_back(std::string("~") + name); }
};

FAULTS int load(const int* p) { return *static_cast<const volatile int*>(p); }
FAULTS void store(int* p) { *static_cast<volatile int*>(p) = 1; }

struct Node {
  int pad[4];
  int value;
};
FAULTS int field_of(const Node* n) { return n->value; }  // address 0x10: still a nil dereference

FAULTS int divide(int a, int b) { return a / b; }
FAULTS long divide_long(long a, long b) { return a % b; }

// A fault with locals to destroy in the faulting frame itself.
FAULTS int load_with_local(const int* p, std::vector<std::string>& log) {
  Tracker t{&log, "faulting frame"};
  return *static_cast<const volatile int*>(p);
}

FAULTS void fault_wild() { *reinterpret_cast<volatile int*>(0x12345678) = 1; }

[[gnu::noipa]] void deref_in_goroutine() { store(nullptr); }

[[gnu::noipa]] void recv_forever(gort::Chan<int> c) { c.recv(); }
[[gnu::noipa]] void sleep_forever() { gort::sleep(std::chrono::hours(1)); }
[[gnu::noipa]] void select_forever(gort::Chan<int> a, gort::Chan<int> b) {
  gort::select(gort::case_recv(a), gort::case_recv(b));
}

// Starts three parked goroutines, then SIGQUITs the process.
[[gnu::noipa]] void sigquit_with_parked_goroutines(bool from_goroutine) {
  auto c = gort::make_chan<int>();
  gort::go(recv_forever, c);
  gort::go(sleep_forever);
  gort::go(select_forever, gort::make_chan<int>(), gort::make_chan<int>());
  gort::sleep(std::chrono::milliseconds(30));
  if (from_goroutine) {
    gort::go([] {
      // Raise it once goroutine 1 is asleep (right after its go statement it
      // may still be runnable).
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (gort::debug::stack(true).find("\ngoroutine 1 [sleep]:\n") == std::string::npos &&
             std::chrono::steady_clock::now() < deadline)
        gort::sleep(std::chrono::milliseconds(1));
      ::raise(SIGQUIT);
    });
  } else {
    ::kill(::getpid(), SIGQUIT);
  }
  gort::sleep(std::chrono::seconds(10));
  say("NOT KILLED\n");
}

}  // namespace sig

namespace {

using namespace gort_test;
using testing::AllOf;
using testing::ContainsRegex;
using testing::ElementsAre;
using testing::ExitedWithCode;
using testing::HasSubstr;
using testing::MatchesRegex;
using testing::Not;
using testing::StartsWith;

const char kNilDeref[] = "runtime error: invalid memory address or nil pointer dereference";
const char kDivide[] = "runtime error: integer divide by zero";
const std::string kAt = "\t[^\n]*/tests/signal_death_test\\.cc:[0-9]+ \\+0x[0-9a-f]+\n";
// The faulting frame: no offset when the fault is a function's first instruction.
const std::string kAtFault = "\t[^\n]*/tests/signal_death_test\\.cc:[0-9]+( \\+0x[0-9a-f]+)?\n";
// At level 2 (SIGQUIT is a runtime throw): with fp, sp and pc.
const std::string kAtSystem =
    "\t[^\n]*/tests/signal_death_test\\.cc:[0-9]+ \\+0x[0-9a-f]+ fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+\n";
const std::string kFrame = "[^\n]+\n\t[^\n]+\n";
const std::string kFrames = "(" + kFrame + ")*";

// The report tests assume the default GOTRACEBACK (death-test children
// inherit this process's environment).
class SignalDeathTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* v = std::getenv("GOTRACEBACK");
    if (v != nullptr && *v != '\0') GTEST_SKIP() << "GOTRACEBACK is set in the environment: " << v;
  }
};



void expect_runtime_error(const gort::PanicValue& v, const std::string& text) {
  ASSERT_TRUE(v) << "expected a panic: " << text;
  EXPECT_EQ(v.message(), text);
  EXPECT_TRUE(v.is_runtime_error());
}

// ---- the report of an unrecovered fault ---------------------------------------------------

TEST_F(SignalDeathTest, NilDereferenceReport) {
  // examples/go/nil_deref: the panic line, the signal line, then the
  // goroutine with the faulting function on top.
  EXPECT_EXIT(
      {
        gort::Defer d([] { sig::say("deferred call ran\n"); });
        sig::store(nullptr);
      },
      ExitedWithCode(2),
      MatchesRegex("deferred call ran\n"
                   "panic: runtime error: invalid memory address or nil pointer dereference\n"
                   "\\[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x[0-9a-f]+\\]\n"
                   "\n"
                   "goroutine 1 \\[running\\]:\n"
                   "sig::store\\(int\\*\\)\n" +
                   kAtFault + "[^\n]*SignalDeathTest_NilDereferenceReport_Test::TestBody\\(\\)\n" + kAt + kFrames));
}

TEST_F(SignalDeathTest, NilDereferenceInAGoroutine) {
  EXPECT_EXIT(
      {
        gort::go(sig::deref_in_goroutine);
        gort::sleep(std::chrono::seconds(10));
      },
      ExitedWithCode(2),
      MatchesRegex("panic: runtime error: invalid memory address or nil pointer dereference\n"
                   "\\[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x[0-9a-f]+\\]\n"
                   "\n"
                   "goroutine [0-9]+ \\[running\\]:\n"
                   "sig::store\\(int\\*\\)\n" +
                   kAtFault + "sig::deref_in_goroutine\\(\\)\n" + kAt + "created by [^\n]*TestBody\\(\\) in goroutine 1\n" +
                   kAt));
}

TEST_F(SignalDeathTest, FieldOfNilStructReportsItsAddress) {
  EXPECT_EXIT(sig::field_of(nullptr), ExitedWithCode(2),
              StartsWith("panic: runtime error: invalid memory address or nil pointer dereference\n"
                         "[signal SIGSEGV: segmentation violation code=0x1 addr=0x10 pc=0x"));
}

TEST_F(SignalDeathTest, DivideByZeroReport) {
  EXPECT_EXIT(sig::divide(1, 0), ExitedWithCode(2),
              MatchesRegex("panic: runtime error: integer divide by zero\n"
                           "\\[signal SIGFPE: floating-point exception code=0x1 addr=0x[0-9a-f]+ pc=0x[0-9a-f]+\\]\n"
                           "\n"
                           "goroutine 1 \\[running\\]:\n"
                           "sig::divide\\(int, int\\)\n" +
                           kAt + kFrames));
}

TEST_F(SignalDeathTest, WildAddressIsAThrow) {
  // Go: a fault at an address that is not near nil is not a panic.
  EXPECT_EXIT(sig::fault_wild(), ExitedWithCode(2),
              MatchesRegex("unexpected fault address 0x12345678\n"
                           "fatal error: fault\n"
                           "\\[signal SIGSEGV: segmentation violation code=0x[0-9a-f]+ addr=0x12345678 pc=0x[0-9a-f]+\\]\n"
                           "\n"
                           "goroutine 1 \\[running\\]:\n.*sig::fault_wild\\(\\)\n.*"));
}

TEST_F(SignalDeathTest, AFaultIsNotACatchableException) {
  EXPECT_EXIT(
      {
        try {
          sig::store(nullptr);
        } catch (...) {
          sig::say("CAUGHT\n");
        }
      },
      ExitedWithCode(2), AllOf(StartsWith(std::string("panic: ") + kNilDeref + "\n"), Not(HasSubstr("CAUGHT"))));
}

// ---- recovering from faults ---------------------------------------------------------------

TEST(SignalRecover, NilDereference) {
  expect_runtime_error(recover_from([] { sig::load(nullptr); }), kNilDeref);
  expect_runtime_error(recover_from([] { sig::store(nullptr); }), kNilDeref);
  expect_runtime_error(recover_from([] { sig::field_of(nullptr); }), kNilDeref);
}

TEST(SignalRecover, IntegerDivideByZero) {
  volatile int zero = 0;
  expect_runtime_error(recover_from([&] { sig::divide(7, zero); }), kDivide);
  expect_runtime_error(recover_from([&] { sig::divide_long(7, zero); }), kDivide);
  // Inline, in the recovering function's own body.
  volatile int a = 5;
  int result = 42;
  auto v = recover_from([&]() __attribute__((no_sanitize("undefined"))) { result = a / zero; });
  expect_runtime_error(v, kDivide);
  EXPECT_EQ(result, 42);
}

TEST(SignalRecover, DestructorsRunOnceIncludingTheFaultingFrame) {
  std::vector<std::string> log;
  gort::func([&] {
    gort::Defer d([&] { log.push_back("recovered: " + show(gort::recover())); });
    sig::Tracker outer{&log, "outer"};
    sig::load_with_local(nullptr, log);
    log.push_back("not reached");
  });
  log.push_back("continues");
  EXPECT_THAT(log, ElementsAre(std::string("recovered: ") + kNilDeref, "~faulting frame", "~outer", "continues"));
}

TEST(SignalRecover, ManyTimesInARow) {
  // The signal handler's state (mask, alternate stack) is sound after each one.
  int recovered = 0;
  for (int i = 0; i < 500; i++) {
    auto v = recover_from([&] {
      if (i % 2 == 0) {
        sig::load(nullptr);
      } else {
        sig::divide(i, 0);
      }
    });
    if (v && v.message() == (i % 2 == 0 ? kNilDeref : kDivide)) recovered++;
  }
  EXPECT_EQ(recovered, 500);
}

TEST(SignalRecover, InManyGoroutinesOnTwoMs) {
  ScopedGomaxprocs procs(2);
  constexpr int kGoroutines = 50, kEach = 20;
  std::atomic<int> recovered{0};
  gort::WaitGroup wg;
  wg.add(kGoroutines);
  for (int g = 0; g < kGoroutines; g++) {
    gort::go([&, g] {
      for (int i = 0; i < kEach; i++) {
        auto v = recover_from([&] {
          if ((g + i) % 2 == 0) {
            sig::store(nullptr);
          } else {
            sig::divide(g, 0);
          }
        });
        if (v && v.is_runtime_error()) recovered++;
        if (i % 5 == 0) gort::yield();
      }
      wg.done();
    });
  }
  wg.wait();
  EXPECT_EQ(recovered.load(), kGoroutines * kEach);
}

TEST(SignalRecover, FaultInADeferredCallDuringAPanic) {
  // A nil dereference inside a deferred call run by a panic is a nested
  // panic; recovered further down it abandons the first.
  std::string r;
  gort::func([&] {
    gort::Defer rec([&] { r = show(gort::recover()); });
    gort::Defer d([] { sig::store(nullptr); });
    gort::panic("first");
  });
  EXPECT_EQ(r, kNilDeref);
}

TEST_F(SignalDeathTest, FaultInADeferredCallDuringAPanicReportsBoth) {
  EXPECT_EXIT(
      {
        gort::Defer d([] { sig::store(nullptr); });
        gort::panic("first");
      },
      ExitedWithCode(2),
      StartsWith(std::string("panic: first\n\tpanic: ") + kNilDeref +
                 "\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x"));
}

// ---- SIGQUIT ------------------------------------------------------------------------------

// Every register line of dumpregs (amd64), in order.
std::string register_lines() {
  std::string re;
  for (const char* r : {"rax    ", "rbx    ", "rcx    ", "rdx    ", "rdi    ", "rsi    ", "rbp    ", "rsp    ",
                        "r8     ", "r9     ", "r10    ", "r11    ", "r12    ", "r13    ", "r14    ", "r15    ",
                        "rip    ", "rflags ", "cs     ", "fs     ", "gs     "})
    re += std::string(r) + "0x[0-9a-f]+\n";
  return re;
}

std::string sigquit_pattern() {
  return "SIGQUIT: quit\n"
         "PC=0x[0-9a-f]+ m=[0-9]+ sigcode=[-0-9]+\n"
         "\n"
         "goroutine [0-9]+ \\[[^\n]+\\]:\n"
         ".*"
         "\ngoroutine [0-9]+ \\[chan receive\\]:\n" +
         kFrames + "sig::recv_forever\\(gort::Chan<int>\\)\n" + kAtSystem +
         ".*"
         "\ngoroutine [0-9]+ \\[sleep\\]:\n" +
         kFrames + "sig::sleep_forever\\(\\)\n" + kAtSystem +
         ".*"
         "\ngoroutine [0-9]+ \\[select\\]:\n" +
         kFrames + "sig::select_forever\\(gort::Chan<int>, gort::Chan<int>\\)\n" + kAtSystem +
         ".*"
         "\n\n" +
         register_lines();
}

TEST_F(SignalDeathTest, SigquitDumpsEveryGoroutineAndTheRegisters) {
  EXPECT_EXIT(sig::sigquit_with_parked_goroutines(false), ExitedWithCode(2),
              AllOf(StartsWith("SIGQUIT: quit\nPC=0x"),
                    MatchesRegex(sigquit_pattern()),
                    // goroutine 1, wherever it was, is in the dump; frames carry fp/sp/pc (a runtime throw).
                    ContainsRegex("\ngoroutine 1 \\["), ContainsRegex(" fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+\n"),
                    Not(HasSubstr("NOT KILLED"))));
}

TEST_F(SignalDeathTest, SigquitRaisedByAGoroutine) {
  // raise() sends it to the calling thread: the dump starts with the
  // goroutine that raised it, running.
  EXPECT_EXIT(sig::sigquit_with_parked_goroutines(true), ExitedWithCode(2),
              AllOf(MatchesRegex(sigquit_pattern()),
                    ContainsRegex("^SIGQUIT: quit\nPC=0x[0-9a-f]+ m=[0-9]+ sigcode=[-0-9]+\n\ngoroutine [0-9]+ "
                                  "\\[running\\]:\n"),
                    ContainsRegex("\ngoroutine 1 \\[sleep\\]:\n"), Not(HasSubstr("NOT KILLED"))));
}

}  // namespace
