// fuzz/env_gc_parsers.cc — exposes gc/cycle.cc's file-local GODEBUG and GOGC
// parsers to env_fuzz. This translation unit *is* gc/cycle.cc (included
// whole), plus two wrappers: every external symbol of cycle.cc is defined
// here, so the linker never takes libgort.a's copy of it.
#include "gc/cycle.cc"

namespace gort::gc {
void fuzz_parse_godebug(const char* s, Settings& st) { parse_godebug(s, st); }
int fuzz_parse_gogc(const char* s) { return parse_gogc(s); }
}  // namespace gort::gc
