// stress/main.cc — gort-stress: parse the command line, set GODEBUG for
// --verify, boot gort and run (stress/README.md has the design).
//
// --verify turns on gccheckmark=1 (after each mark, re-mark with the world
// stopped and throw on any object the concurrent mark missed) and gcpoison=1
// (freed memory is overwritten, so an object freed too early fails the
// workloads' checksums). gort has no public call for either; the runtime reads
// GODEBUG once, when gort::run boots it, so they are appended to GODEBUG
// before gort::run.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gort/gort.h"
#include "options.h"
#include "run.h"

int main(int argc, char** argv) {
  stress::Options o;
  stress::ParseResult r = stress::parse_options(argc, argv, &o);
  if (!r.run) {
    if (r.exit_code == 0) {
      std::fputs(stress::usage().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "gort-stress: %s\n\n%s", r.error.c_str(), stress::usage().c_str());
    return r.exit_code;
  }
  if (o.verify) {
    const char* old = std::getenv("GODEBUG");
    std::string v = old != nullptr && *old != '\0' ? std::string(old) + "," : std::string();
    v += "gccheckmark=1,gcpoison=1";
    setenv("GODEBUG", v.c_str(), 1);
  }
  // Just before gort boots: the report's GC CPU series counts from here.
  auto boot = std::chrono::steady_clock::now();
  return gort::run([&o, boot] { return stress::run_stress(o, boot); });
}
