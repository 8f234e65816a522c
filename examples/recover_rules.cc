// examples/recover_rules.cc — when gort::recover() stops a panic: one line per
// rule. The C++ twin of examples/go/recover_rules/main.go; it prints what Go
// prints (examples/go/recover_rules/expected.txt), except Go's rule 6
// (`defer func(){ defer recover() }()`, an oddity of Go's argument-pointer
// check), which gort does not reproduce.
//
// recover() returns the panic only when called directly by a deferred call
// that a panic is running. Each rule runs under guard(), whose own deferred
// recover reports what escaped.
#include <cstdio>
#include <string>

#include "gort/gort.h"

namespace {

std::string str(const gort::PanicValue& v) { return v ? v.message() : "<nil>"; }

template <class Rule>
void guard(const char* name, Rule rule) {
  std::string note = "-";
  std::string escaped = "<nil>";
  gort::func([&] {
    gort::Defer d([&] { escaped = str(gort::recover()); });
    rule(note);
  });
  std::printf("%-28s %s | escaped: %s\n", (std::string(name) + ":").c_str(), note.c_str(),
              escaped.c_str());
}

gort::PanicValue helper() { return gort::recover(); }

// 1. recover in a helper called by the deferred function: nothing, the panic goes on.
void helper_recover(std::string& note) {
  gort::Defer d([&] { note = "helper recover: " + str(helper()); });
  gort::panic("p1");
}

// 2. `defer recover()`: recover is the deferred call itself, not called by one.
void defer_recover_direct(std::string&) {
  gort::Defer d(gort::recover);
  gort::panic("p2");
}

// 3. recover directly in a deferred lambda; the "named result" is returned.
std::string closure_recover() {
  std::string out;
  gort::func([&] {
    gort::Defer d([&] { out = "closure recover: " + str(gort::recover()); });
    gort::panic("p3");
  });
  return out;
}

// 4. recover when not panicking.
void not_panicking(std::string& note) { note = "recover when not panicking: " + str(gort::recover()); }

// 5. recover during gort::goexit (goexit is not a panic).
void during_goexit(std::string& note) {
  auto done = gort::make_chan<int>();
  gort::go([&note, done] {
    gort::Defer close([done] { done.close(); });
    gort::Defer d([&note] { note = "recover during Goexit: " + str(gort::recover()); });
    gort::goexit();
  });
  done.recv();
}

// 7. A nested panic recovered inside the deferred call: the first panic goes
// on once the deferred call returns.
void nested_recovered_inside(std::string& note) {
  gort::Defer d([&] {
    gort::Defer inner([&] { note = "inner recover: " + str(gort::recover()); });
    gort::panic("second");
  });
  gort::panic("first");
}

// 8. A second panic recovered further down the stack: the first is abandoned.
void second_abandons_first(std::string& note) {
  gort::Defer outer([&] { note = "outer recover: " + str(gort::recover()); });
  gort::Defer d([] { gort::panic("second"); });
  gort::panic("first");
}

}  // namespace

int main() {
  return gort::run([] {
    guard("1 helper", helper_recover);
    guard("2 defer recover()", defer_recover_direct);
    guard("3 closure, named result",
          [](std::string& note) { note = "returned " + closure_recover(); });
    guard("4 not panicking", not_panicking);
    guard("5 Goexit", during_goexit);
    guard("7 nested, recovered inside", nested_recovered_inside);
    guard("8 second abandons first", second_abandons_first);
  });
}
