// tests/run_status_main.cc — gort::run's contract, checked from the outside
// (run may be called only once per process, so each mode is its own process;
// tests/check_exit.cmake checks the exit status and output).
//
//   gort-test-run-status return3     main returns 3            -> exit 3
//   gort-test-run-status void        void main                 -> exit 0
//   gort-test-run-status abandon     main returns 5 while other goroutines spin
//                                    in plain C++, block and sleep -> exit 5, promptly
//   gort-test-run-status exit        gort::exit(6) from another goroutine while
//                                    main is blocked -> exit 6
//   gort-test-run-status stdout      output written by main is flushed -> "hello from main"
//   gort-test-run-status panic_race  main returns while another goroutine's panic
//                                    runs a slow deferred call -> the panic is
//                                    reported and the exit status is 2 (Go's TestPanicRace)
//   gort-test-run-status run_twice   gort::run again after the first returned -> fatal error, exit 2
//   gort-test-run-status run_nested  gort::run inside main -> fatal error, exit 2
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "gort/gort.h"

namespace {

std::atomic<bool> spin_forever{true};

int abandon() {
  gort::set_gomaxprocs(2);
  auto started = gort::make_chan<int>(3);
  gort::go([started] {
    started.send(1);
    std::uint64_t x = 0;
    while (spin_forever.load(std::memory_order_relaxed)) x++;  // never reaches a safepoint
  });
  auto never = gort::make_chan<int>();
  gort::go([started, never] {
    started.send(2);
    never.recv();
  });
  gort::go([started] {
    started.send(3);
    gort::sleep(std::chrono::hours(1));
  });
  for (int i = 0; i < 3; i++) started.recv();
  return 5;
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "return3") == 0) return gort::run([] { return 3; });
  if (std::strcmp(mode, "void") == 0) return gort::run([] {});
  if (std::strcmp(mode, "abandon") == 0) return gort::run([] { return abandon(); });
  if (std::strcmp(mode, "exit") == 0) {
    return gort::run([] {
      auto never = gort::make_chan<int>();
      gort::go([] {
        gort::sleep(std::chrono::milliseconds(20));
        gort::exit(6);
      });
      never.recv();
      return 1;
    });
  }
  if (std::strcmp(mode, "stdout") == 0) {
    return gort::run([] {
      std::printf("hello from main");  // no newline, no flush: must still come out
      return 0;
    });
  }
  if (std::strcmp(mode, "panic_race") == 0) {
    return gort::run([] {
      gort::go([] {
        gort::Defer slow([] { gort::sleep(std::chrono::milliseconds(50)); });
        gort::panic("late panic");
      });
      gort::sleep(std::chrono::milliseconds(10));
      return 0;
    });
  }
  if (std::strcmp(mode, "run_twice") == 0) {
    int first = gort::run([] { return 0; });
    std::printf("first run returned %d\n", first);
    std::fflush(stdout);
    return gort::run([] { return 7; });
  }
  if (std::strcmp(mode, "run_nested") == 0) {
    return gort::run([] { return gort::run([] { return 7; }); });
  }
  std::fprintf(stderr, "usage: %s return3|void|abandon|exit|stdout|panic_race|run_twice|run_nested\n", argv[0]);
  return 64;
}
