// examples/deadlock.cc — main blocks receiving on a channel no one sends to.
//
// The Go program
//
//   func main() {
//       c := make(chan int)
//       <-c
//   }
//
// prints, and exits with status 2:
//
//   fatal error: all goroutines are asleep - deadlock!
//
//   goroutine 1 [chan receive]:
//   ...
//
// gort's deadlock detector must say the same.
#include <cstdio>

#include "gort/gort.h"

int main() {
  return gort::run([] {
    auto c = gort::make_chan<int>();
    int v = c.recv();  // nothing will ever send: every goroutine is asleep
    std::printf("unreachable: received %d\n", v);
    return 1;
  });
}
