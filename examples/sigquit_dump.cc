// examples/sigquit_dump.cc — SIGQUIT (Ctrl-\) dumps every goroutine and the
// registers, then exits with status 2. The C++ twin of
// examples/go/sigquit_dump/main.go. Run it, wait for "ready", then
// `kill -QUIT <pid>`:
//
//   SIGQUIT: quit
//   PC=0x4608e1 m=0 sigcode=0
//
//   goroutine 0 [idle]:                (the thread the signal landed on)
//   ...
//   goroutine 1 [select (no cases)]:
//   goroutine 18 [chan receive]:
//   goroutine 19 [sleep]:
//   goroutine 20 [select]:
//
//   rax    0xca
//   ...
#include <chrono>
#include <cstdio>

#include "gort/gort.h"

[[gnu::noinline]] void recv_forever(gort::Chan<int> c) { c.recv(); }

[[gnu::noinline]] void sleep_forever() { gort::sleep(std::chrono::hours(1)); }

[[gnu::noinline]] void select_forever(gort::Chan<int> a, gort::Chan<int> b) {
  gort::select(gort::case_recv(a, [](int, bool) {}), gort::case_recv(b, [](int, bool) {}));
}

int main() {
  return gort::run([] {
    auto c = gort::make_chan<int>();
    gort::go(recv_forever, c);
    gort::go(sleep_forever);
    gort::go(select_forever, gort::make_chan<int>(), gort::make_chan<int>());
    gort::sleep(std::chrono::milliseconds(50));
    std::printf("ready\n");
    std::fflush(stdout);
    gort::select();  // block forever
  });
}
