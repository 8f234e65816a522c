// tests/gort_test_main.cc — GoogleTest main for every gort test binary.
//
// gort::run may be called once per process, so the whole of RUN_ALL_TESTS runs
// inside it: every TEST body executes on goroutine 1 and may use goroutines,
// channels, sync and timers directly.
//
// Death tests use the "threadsafe" style: the child re-executes this binary,
// which boots the runtime again and runs the death statement inside goroutine
// 1 of the child, exactly like a fresh gort program.
#include <gtest/gtest.h>

#include "gort/gort.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  return gort::run([&] { return RUN_ALL_TESTS(); });
}
