// tests/dying_death_test.cc — the dying protocol itself: a failure while a
// report is being printed ("panic during panic"). (Main returning during a
// report is run_status.panic_race: it needs gort::run's real return.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gort/gort.h"
#include "runtime/fatal.h"

namespace {

using testing::ContainsRegex;
using testing::ExitedWithCode;
using testing::MatchesRegex;

// A fault while the report of a panic is printed: Go prints "panic during
// panic" and tries the traceback once more, then exits 2.
TEST(DyingDeathTest, FaultWhileReportingIsPanicDuringPanic) {
  EXPECT_EXIT(
      {
        gort::detail::testing_fault_during_next_report();
        gort::panic("first failure");
      },
      ExitedWithCode(2),
      MatchesRegex("panic: first failure\n"
                   "fatal error: unexpected signal during runtime execution\n"
                   "\\[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x[0-9a-f]+\\]\n"
                   "panic during panic\n"
                   ".*"));
}

}  // namespace
