// tests/traceback_internal_test.cc — white-box checks of traceback details
// that need the runtime's internals: the ", N minutes" suffix of a goroutine
// blocked for a minute or more (waiting a real minute in a test would be too
// slow, so the test backdates the goroutine's park stamp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "base/clock.h"
#include "gort/gort.h"
#include "sched/sched.h"

namespace {

using testing::ContainsRegex;
using testing::Not;

TEST(TracebackInternal, BlockedForMinutesShowsTheMinutes) {
  auto c = gort::make_chan<int>();
  std::atomic<gort::detail::G*> parked{nullptr};
  std::atomic<std::int64_t> id{0};
  gort::go([c, &parked, &id] {
    parked = gort::detail::getg();
    id = gort::goid();
    c.recv();
  });
  while (parked.load() == nullptr || parked.load()->status.load() != gort::detail::GStatus::waiting)
    gort::sleep(std::chrono::milliseconds(1));
  gort::detail::G* g = parked.load();
  const std::string header = "goroutine " + std::to_string(id.load()) + " \\[chan receive";

  g->waitsince = 0;  // unknown: no suffix
  EXPECT_THAT(gort::debug::stack(true), ContainsRegex(header + "\\]:\n"));
  g->waitsince = gort::base::nanotime() - 30'000'000'000;  // 30 s: under a minute
  EXPECT_THAT(gort::debug::stack(true), ContainsRegex(header + "\\]:\n"));
  g->waitsince = gort::base::nanotime() - 61'000'000'000;
  EXPECT_THAT(gort::debug::stack(true), ContainsRegex(header + ", 1 minutes\\]:\n"));
  g->waitsince = gort::base::nanotime() - 185'000'000'000;
  EXPECT_THAT(gort::debug::stack(true), ContainsRegex(header + ", 3 minutes\\]:\n"));
  c.send(1);
}

}  // namespace
