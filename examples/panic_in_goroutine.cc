// examples/panic_in_goroutine.cc — a panic in a child goroutine ends the
// whole program, even though main is asleep; main's deferred call does not
// run (deferred calls run only on the panicking goroutine). The C++ twin of
// examples/go/panic_in_goroutine/main.go, which prints (Go 1.21+ form of
// the last lines):
//
//   panic: panic in child goroutine
//
//   goroutine 6 [running]:
//   main.worker(...)
//   	/src/main.go:12
//   main.startWorker.func1()
//   	/src/main.go:17 +0x27
//   created by main.startWorker in goroutine 1
//   	/src/main.go:16 +0x25
//
// and exits with status 2. Try GOTRACEBACK=none, all, system and crash.
#include <chrono>
#include <cstdio>

#include "gort/gort.h"

[[gnu::noinline]] void worker() { gort::panic("panic in child goroutine"); }

[[gnu::noinline]] void start_worker() {
  gort::go([] { worker(); });
}

int main() {
  return gort::run([] {
    gort::Defer d([] { std::printf("main deferred print (never runs)\n"); });
    start_worker();
    gort::sleep(std::chrono::seconds(1));
    std::printf("unreachable\n");
  });
}
