// tests/trace_program.cc — a small gort program for the execution tracer's
// tests (tests/trace_check.py reads the trace it writes with GORT_TRACE).
//
//   gort-test-trace-program work   goroutines on channels, a blocking call,
//                                  allocation-heavy goroutines under GOGC=20
//                                  (cycles with mark assists and workers), and
//                                  a forced gort::gc::collect(); exits 0
//   gort-test-trace-program exit   some of that, then gort::exit(3) from a
//                                  goroutine while main waits: the trace is
//                                  still completed; exits 3
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "gort/gort.h"

namespace {

struct Node {
  gort::gc::Ptr<Node> left, right;
  Node() = default;
  Node(Node* l, Node* r) : left(l), right(r) {}
  void trace(gort::gc::Tracer& t) const {
    t(left);
    t(right);
  }
};

Node* build(int d) {
  if (d <= 0) return gort::gc::make<Node>();
  return gort::gc::make<Node>(build(d - 1), build(d - 1));
}

std::int64_t count(const Node* n) {
  if (n->left.get() == nullptr) return 1;
  return 1 + count(n->left.get()) + count(n->right.get());
}

// A ring of goroutines passing a token: many short goroutine slices.
void token_ring(int goroutines, int laps) {
  auto first = gort::make_chan<int>();
  auto in = first;
  for (int i = 1; i < goroutines; i++) {
    auto out = gort::make_chan<int>();
    gort::go([in, out] {
      for (;;) {
        int v = in.recv();
        out.send(v);
        if (v < 0) return;
      }
    });
    in = out;
  }
  for (int lap = 0; lap < laps; lap++) {
    first.send(lap);
    if (in.recv() != lap) std::abort();
  }
  first.send(-1);
  in.recv();
}

// Goroutines that allocate trees while a long-lived tree keeps the heap busy:
// the collector runs cycles, and allocation during the mark pays assists.
void allocate(int goroutines, int rounds) {
  gort::gc::Root<Node> keep(build(14));
  gort::WaitGroup wg;
  wg.add(goroutines);
  for (int g = 0; g < goroutines; g++) {
    gort::go([&wg, rounds] {
      std::int64_t sum = 0;
      for (int r = 0; r < rounds; r++) sum += count(build(10));
      if (sum != std::int64_t{rounds} * 2047) std::abort();
      wg.done();
    });
  }
  wg.wait();
  if (count(keep.get()) != 32767) std::abort();
}

int work() {
  gort::gc::set_gc_percent(20);
  token_ring(8, 2000);
  gort::blocking([] { usleep(2000); });
  allocate(4, 300);
  gort::gc::collect();
  token_ring(4, 500);
  return 0;
}

int exit_from_goroutine() {
  token_ring(4, 200);
  auto never = gort::make_chan<int>();
  gort::go([] {
    gort::sleep(std::chrono::milliseconds(5));
    gort::exit(3);
  });
  never.recv();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "work") == 0) return gort::run(work);
  if (std::strcmp(mode, "exit") == 0) return gort::run(exit_from_goroutine);
  std::fprintf(stderr, "usage: gort-test-trace-program work|exit\n");
  return 2;
}
