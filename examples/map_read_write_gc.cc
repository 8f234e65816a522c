// examples/map_read_write_gc.cc — one goroutine writes a map while another
// reads it, both allocating garbage so that the collector runs cycle after
// cycle meanwhile. The reader catches the writer in the middle of a write:
// Go's fatal error, exit status 2. The C++ twin of
// examples/go/map_read_write_gc/main.go, which prints
//
//   fatal error: concurrent map read and map write
//
//   goroutine 7 [running]:
//   main.reader(...)
//   ...
#include <chrono>
#include <cstdio>
#include <string>

#include "gort/gort.h"

namespace gc = gort::gc;

// Garbage: a fresh GC string per step.
[[gnu::noinline]] gc::String churn(int i) { return gc::String("garbage " + std::to_string(i)); }

[[gnu::noinline]] void writer(gort::Map<int, gc::String> m) {
  for (int i = 0;; i++) m.set(i % 512, churn(i));
}

[[gnu::noinline]] void reader(gort::Map<int, gc::String> m) {
  std::size_t bytes = 0;
  for (int i = 0;; i++) {
    bytes += m.get(i % 512).size();
    churn(i);
  }
}

int main() {
  return gort::run([] {
    if (gort::gomaxprocs() < 2) gort::set_gomaxprocs(2);
    auto m = gort::make_map<int, gc::String>();
    gort::go(writer, m);
    gort::go(reader, m);
    gort::sleep(std::chrono::seconds(30));
    std::printf("not caught in 30 s\n");
    return 1;
  });
}
