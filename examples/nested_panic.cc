// examples/nested_panic.cc — a panic inside a deferred call while panicking.
// The C++ twin of examples/go/nested_panic/main.go.
//
//   nested_panic           panic: first
//                          	panic: second
//   nested_panic repanic   panic: original [recovered]
//                          	panic: re: original
//
// Then the traceback: the deferred lambda, `panic(...)` (the first panic's
// frame, on which the deferred call runs), the panicking function; exit 2.
#include <cstring>
#include <string>

#include "gort/gort.h"

[[gnu::noinline]] void nested() {
  gort::Defer d([] { gort::panic("second"); });
  gort::panic("first");
}

[[gnu::noinline]] void repanic() {
  gort::Defer d([] {
    gort::PanicValue r = gort::recover();
    gort::panic("re: " + r.message());
  });
  gort::panic("original");
}

int main(int argc, char** argv) {
  bool re = argc > 1 && std::strcmp(argv[1], "repanic") == 0;
  return gort::run([re] {
    if (re) {
      repanic();
    } else {
      nested();
    }
  });
}
