// sched/eh_state.h — C++ exception-handling state travels with goroutines.
//
// libstdc++ keeps, per thread, the stack of exceptions being handled (what
// `throw;` and std::current_exception() read) and the count of exceptions
// being unwound (std::uncaught_exceptions()). A goroutine may park inside a
// catch block or while a destructor runs during unwinding, and resume on
// another thread; so each switch saves the running goroutine's two words into
// its G and clears the thread's, and each resume puts them back on whatever
// thread the goroutine now runs on. g0 runs with both empty.
#pragma once

#include <cxxabi.h>

#include "sched/g.h"
#include "sched/m.h"

namespace gort::detail {

// libstdc++'s __cxa_eh_globals (unwind-cxx.h), stable across its versions.
struct EhGlobals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};

inline EhGlobals* eh_globals_of_this_thread() {
  return reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals());
}

// gp stops running on m.
inline void eh_save(M* m, G* gp) {
  EhGlobals* e = m->eh_globals;
  gp->eh_caught = e->caught_exceptions;
  gp->eh_uncaught = e->uncaught_exceptions;
  e->caught_exceptions = nullptr;
  e->uncaught_exceptions = 0;
}

// gp (m->curg) resumes on m.
inline void eh_restore(M* m, G* gp) {
  EhGlobals* e = m->eh_globals;
  e->caught_exceptions = gp->eh_caught;
  e->uncaught_exceptions = gp->eh_uncaught;
}

// gp ends: it takes nothing along.
inline void eh_drop(M* m) {
  EhGlobals* e = m->eh_globals;
  e->caught_exceptions = nullptr;
  e->uncaught_exceptions = 0;
}

// For goexit's forced unwind, which libstdc++ does not count itself.
inline void eh_count_uncaught(int delta) {
  eh_globals_of_this_thread()->uncaught_exceptions += static_cast<unsigned>(delta);
}

}  // namespace gort::detail
