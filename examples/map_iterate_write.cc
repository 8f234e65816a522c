// examples/map_iterate_write.cc — one goroutine ranges over a map while
// another writes it: an iteration step sees the writing flag, Go's fatal
// error, exit status 2. The C++ twin of examples/go/map_iterate_write/main.go,
// which prints
//
//   fatal error: concurrent map iteration and map write
//
//   goroutine 6 [running]:
//   main.iterate(...)
//   ...
#include <chrono>
#include <cstdio>

#include "gort/gort.h"

[[gnu::noinline]] void writer(gort::Map<int, int> m) {
  for (int i = 0;; i++) m.set(i % 1024, i);
}

[[gnu::noinline]] void iterate(gort::Map<int, int> m) {
  long sum = 0;
  for (;;)
    for (auto [k, v] : m) sum += k + v;
}

int main() {
  return gort::run([] {
    if (gort::gomaxprocs() < 2) gort::set_gomaxprocs(2);
    auto m = gort::make_map<int, int>();
    for (int i = 0; i < 1024; i++) m.set(i, i);
    gort::go(iterate, m);
    gort::go(writer, m);
    gort::sleep(std::chrono::seconds(30));
    std::printf("not caught in 30 s\n");
    return 1;
  });
}
