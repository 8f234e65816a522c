// examples/nil_map_recover.cc — a map of maps whose inner map is nil
// (absent: the zero value of a Map is a nil map). Reading it is fine;
// assigning into it panics with the runtime error `assignment to entry in
// nil map`: first recovered by a deferred call, then unrecovered, which
// ends the program with Go's report and exit status 2. The C++ twin of
// examples/go/nil_map_recover/main.go, which prints
//
//   recovered: assignment to entry in nil map (runtime error: true)
//   m["a"]["x"] = 1, len(m["b"]) = 0
//   panic: assignment to entry in nil map
//
//   goroutine 1 [running]:
//   main.set(...)
//   	/src/main.go:9
//   main.main()
//   	/src/main.go:23 +0x...
//   exit status 2
#include <cstdio>

#include "gort/gort.h"

namespace gc = gort::gc;
using Inner = gort::Map<gc::String, int>;
using Outer = gort::Map<gc::String, Inner>;

[[gnu::noinline]] void set(const Outer& m, const char* outer, const char* inner, int v) {
  m.get(outer).set(inner, v);
}

int main() {
  return gort::run([] {
    auto m = gort::make_map<gc::String, Inner>();
    m.set("a", gort::make_map<gc::String, int>());
    gort::func([&] {
      gort::Defer d([] {
        gort::PanicValue r = gort::recover();
        std::printf("recovered: %s (runtime error: %s)\n", r.message().c_str(),
                    r.is_runtime_error() ? "true" : "false");
      });
      set(m, "b", "x", 1);
    });
    set(m, "a", "x", 1);
    std::printf("m[\"a\"][\"x\"] = %d, len(m[\"b\"]) = %zu\n", m.get("a").get("x"), m.get("b").size());
    std::fflush(stdout);
    set(m, "b", "x", 2);
    std::printf("unreachable\n");
  });
}
