// examples/concurrent_map_writes.cc — two goroutines write one map at the
// same time: Go's best-effort detector (the map's writing flag) catches them
// and the runtime dies with a fatal error. Each writer holds a deferred
// recover and a C++ try/catch (...) around its writes; neither ever fires:
// a fatal error is not a panic and not an exception. The writers loop until
// the runtime catches them (it takes microseconds to milliseconds). The C++
// twin of examples/go/concurrent_map_writes/main.go, which prints
//
//   fatal error: concurrent map writes
//
//   goroutine 18 [running]:
//   main.writer(...)
//   	/src/main.go:20 +0x...
//   created by main.main
//   ...
//
// (then the other goroutines) and exits with status 2. Nothing reaches stdout.
#include <chrono>
#include <cstdio>

#include "gort/gort.h"

[[gnu::noinline]] void writer(gort::Map<int, int> m, int id) {
  gort::func([&] {
    gort::Defer d([id] {
      if (auto r = gort::recover()) std::printf("writer %d recovered: %s (never printed)\n", id, r.message().c_str());
      else std::printf("writer %d: deferred call ran (never printed)\n", id);
    });
    try {
      for (int i = 0;; i++) m.set(i % 1024, i);
    } catch (...) {
      std::printf("writer %d caught an exception (never printed)\n", id);
    }
  });
}

int main() {
  return gort::run([] {
    if (gort::gomaxprocs() < 2) gort::set_gomaxprocs(2);  // the writers must truly overlap
    auto m = gort::make_map<int, int>();
    gort::go(writer, m, 1);
    gort::go(writer, m, 2);
    gort::sleep(std::chrono::seconds(30));
    std::printf("not caught in 30 s\n");
    return 1;
  });
}
