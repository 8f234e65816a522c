// examples/deadlock.cc — every goroutine blocked: Go's deadlock report.
// The C++ twin of examples/go/deadlock/main.go, which prints
//
//   fatal error: all goroutines are asleep - deadlock!
//
//   goroutine 1 [chan receive]:
//   main.main()
//   	/src/main.go:45 +0x11c
//
//   goroutine 17 [semacquire]:          (a Mutex.Lock)
//   ...
//   goroutine 18 [semacquire]:          (a WaitGroup.Wait)
//   goroutine 19 [select]:
//   goroutine 20 [chan send (nil chan)]:
//   goroutine 21 [select (no cases)]:
//
// each with its frames and `created by`, and exits with status 2.
#include <chrono>
#include <cstdio>

#include "gort/gort.h"

gort::Mutex mu;
gort::WaitGroup wg;

[[gnu::noinline]] void lock_forever() { mu.lock(); }  // blocks: main holds mu

[[gnu::noinline]] void wait_forever() { wg.wait(); }  // blocks: the counter stays at 1

[[gnu::noinline]] void select_forever(gort::Chan<int> a, gort::Chan<int> b) {
  gort::select(gort::case_recv(a, [](int, bool) {}), gort::case_send(b, 1, [] {}));
}

[[gnu::noinline]] void send_nil() {
  gort::Chan<int> c;  // nil channel
  c.send(1);
}

int main() {
  return gort::run([] {
    mu.lock();
    wg.add(1);
    gort::go(lock_forever);
    gort::go(wait_forever);
    gort::go(select_forever, gort::make_chan<int>(), gort::make_chan<int>());
    gort::go(send_nil);
    gort::go([] { gort::select(); });
    gort::sleep(std::chrono::milliseconds(100));  // let them block first
    int v = gort::make_chan<int>().recv();        // nothing will ever send
    std::printf("unreachable: received %d\n", v);
    return 1;
  });
}
