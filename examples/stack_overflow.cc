// examples/stack_overflow.cc — unbounded recursion runs into the goroutine's
// guard page. The C++ twin of examples/go/stack_overflow/main.go; Go prints
//
//   runtime: goroutine stack exceeds 1000000000-byte limit
//   runtime: sp=0xc0200e0390 stack=[0xc0200e0000, 0xc0400e0000]
//   fatal error: stack overflow
//
//   runtime stack:
//   runtime.throw(...) ...              (the system stack that reports)
//
//   goroutine 1 [running]:
//   main.recurse(...)
//   	/src/main.go:6 +0x... fp=... sp=... pc=...
//   ... (100 frames in all) ...
//   ...additional frames elided...
//
// and exits with status 2. gort's goroutine stacks are fixed-size
// (GORT_STACK_SIZE), so the limit is the stack size.
#include <cstdio>

#include "gort/gort.h"

[[gnu::noinline]] int recurse(int n) {
  volatile char pad[64];  // a real frame per call
  pad[0] = static_cast<char>(n);
  if (n < 0) return 0;  // never: n only grows (and keeps the compiler from warning)
  return recurse(n + 1) + pad[0];
}

int main() {
  return gort::run([] { std::printf("%d\n", recurse(0)); });
}
