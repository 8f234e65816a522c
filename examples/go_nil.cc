// examples/go_nil.cc — starting a goroutine with an empty function.
//
// The Go program
//
//   func main() {
//       var f func()
//       go f()
//   }
//
// dies with `fatal error: go of nil func value` and exit status 2; so does
// gort::go with an empty std::function.
#include <cstdio>
#include <functional>

#include "gort/gort.h"

int main() {
  return gort::run([] {
    std::function<void()> f;  // empty
    gort::go(f);
    std::printf("unreachable: gort::go accepted an empty function\n");
    return 1;
  });
}
