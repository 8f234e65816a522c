// examples/goexit_deadlock.cc — gort::goexit() in main: main's deferred calls
// run, the other goroutines carry on, and when none is left the program fails
// with Go's message. The C++ twin of examples/go/goexit_deadlock/main.go:
//
//   main deferred print (runs during Goexit)
//   other goroutine done
//   fatal error: no goroutines (main called runtime.Goexit) - deadlock!
//
// exit status 2.
#include <chrono>
#include <cstdio>

#include "gort/gort.h"

int main() {
  return gort::run([] {
    gort::Defer d([] { std::printf("main deferred print (runs during Goexit)\n"); std::fflush(stdout); });
    gort::go([] {
      gort::sleep(std::chrono::milliseconds(100));
      std::printf("other goroutine done\n");
      std::fflush(stdout);
    });
    gort::goexit();
  });
}
