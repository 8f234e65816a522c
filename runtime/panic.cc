// runtime/panic.cc — panic, defer, recover and goexit (see panic.h and
// include/gort/panic.h for the model).
#include "runtime/panic.h"

#include <cxxabi.h>
#include <unwind.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "base/fail.h"
#include "base/lock.h"
#include "base/print.h"
#include "sched/eh_state.h"
#include "runtime/fatal.h"
#include "runtime/symbolize.h"
#include "runtime/traceback.h"
#include "runtime/unwind.h"
#include "gort/sched.h"
#include "sched/sched.h"

namespace gort::detail {

namespace {

G* current_goroutine() {
  M* m = tls_m;
  return m != nullptr && !m->on_g0 ? m->curg : nullptr;
}

[[gnu::noinline]] void run_deferred(Panic* p, DeferEntry* e);

// The first entry from e on (inclusive) that a recovery can resume at.
DeferEntry* recovery_target(DeferEntry* e) {
  for (; e != nullptr; e = e->link)
    if (e->kind == EntryKind::boundary || e->state == EntryState::running) return e;
  return nullptr;
}

void pop_panic(G* gp) {
  gp->panic = gp->panic->link;
  running_panic_defers_add(-1);
  // Panics aborted by the one just recovered go with it.
  while (gp->panic != nullptr && gp->panic->aborted) {
    gp->panic = gp->panic->link;
    running_panic_defers_add(-1);
  }
  if (gp->panic == nullptr) gp->sig = 0;
}

// Go's printpanics: oldest first, a later one indented by a tab.
void print_panics(base::Printer& out, const Panic* p) {
  if (p->link != nullptr) {
    print_panics(out, p->link);
    if (!p->link->goexit) out.ch('\t');
  }
  if (p->goexit) return;
  out.str("panic: ").str(p->message);
  if (p->recovered) out.str(" [recovered]");
  out.nl();
}

std::string format_value(const PanicValue& v) {
  if (!v) return "panic called with nil argument";
  return v.message();
}

// Go's preprintpanics: format every value now, on the goroutine, before the
// world stops; a panic while formatting is a throw.
void preprint_panics(G* gp) {
  static std::string* failure = nullptr;
  for (Panic* p = gp->panic; p != nullptr; p = p->link) {
    if (p->goexit) continue;
    func([&] {
      Defer guard([&] {
        if (PanicValue r = recover()) {
          std::string text = "panic while printing panic value: ";
          if (const std::string* s = r.get<std::string>()) {
            text += *s;
          } else {
            text += "type " + r.type_name();
          }
          failure = new std::string(std::move(text));
        }
      });
      p->message = format_value(p->value);
    });
    if (failure != nullptr) throw_(failure->c_str());
  }
}

struct FatalPanicArgs {
  G* gp;
};

[[noreturn]] void fatalpanic_on_system_stack(void* arg) {
  G* gp = static_cast<FatalPanicArgs*>(arg)->gp;
  if (startpanic(ThrowType::none)) {
    running_panic_defers_add(-1);
    base::Printer out;
    print_panics(out, gp->panic);
  }
  DyingReport r;
  r.gp = gp;
  r.origin = gopanic_entry();
  r.throwing = ThrowType::none;
  die_after_report(dopanic(r));
}

[[noreturn]] void fatalpanic(G* gp) {
  FatalPanicArgs a{gp};
  systemstack([](void* p) { fatalpanic_on_system_stack(p); }, &a);
  __builtin_unreachable();
}

// ---- recover's "called directly by the deferred call" check --------------------

[[gnu::noinline]] bool called_directly(const Panic* p) {
  RawFrame f[8];
  bool more = false;
  int n = unwind_here(f, 8, &more);
  // f[0] is this function, f[1] recover, f[2] its caller.
  const DeferEntry* e = p->current;
  auto thunk = reinterpret_cast<std::uintptr_t>(e->thunk);
  auto callee = reinterpret_cast<std::uintptr_t>(e->callee);
  auto runner = reinterpret_cast<std::uintptr_t>(&run_deferred);
  // A function the compiler split ("F [clone .part.0]") is still F.
  auto is = [](std::uintptr_t entry, std::uintptr_t want) { return want != 0 && same_function(entry, want); };
  int expect_inlined;
  if (n > 3 && is(f[2].proc, thunk) && f[3].proc == runner && f[3].sp == p->runner_sp) {
    // The callable's body inlined into Defer<F>::run. (A deferred function
    // pointer is called, never inlined: then this is `Defer d(recover)`.)
    if (callee == reinterpret_cast<std::uintptr_t>(&gort::recover)) return false;
    expect_inlined = 1;
  } else if (n > 4 && is(f[2].proc, callee) && is(f[3].proc, thunk) && f[4].proc == runner &&
             f[4].sp == p->runner_sp) {
    expect_inlined = 0;  // its out-of-line operator() (or function)
  } else if (n > 3 && is(f[2].proc, callee) && f[3].proc == runner && f[3].sp == p->runner_sp) {
    expect_inlined = 0;  // the same, tail-called from Defer<F>::run
  } else {
    return false;
  }
  int depth = inline_depth(f[2].pc);
  return depth < 0 || depth == expect_inlined;
}

// A goroutine was unwound by gort::goexit up to its body's frame.
struct GoexitException {
  _Unwind_Exception header;
};

void goexit_cleanup(_Unwind_Reason_Code, _Unwind_Exception*) {
  fatal_("gort::goexit: its unwinding was caught and not rethrown (a catch (...) must rethrow)");
}

[[noreturn]] void goexit_finish(G* gp, GoexitException* exc) {
  delete exc;
  gp->goexiting = false;
  gp->goexited = true;
  while (gp->panic != nullptr) {
    Panic* p = gp->panic;
    gp->panic = p->link;
    if (!p->goexit) running_panic_defers_add(-1);
    if (p->goexit) delete p;
  }
  gp->defers = nullptr;
  gp->recover_target = nullptr;
  goroutine_finish();
}

_Unwind_Reason_Code goexit_stop(int, _Unwind_Action actions, _Unwind_Exception_Class,
                                _Unwind_Exception* exc, _Unwind_Context* ctx, void* arg) {
  G* gp = static_cast<G*>(arg);
  // libgcc's _Unwind_GetCFA here is the stack pointer of the frame about to
  // be unwound: stop before run_goroutine_body's own handlers run.
  if ((actions & _UA_END_OF_STACK) != 0 || _Unwind_GetCFA(ctx) >= gp->entry_sp)
    goexit_finish(gp, reinterpret_cast<GoexitException*>(exc));
  return _URC_NO_REASON;
}

}  // namespace

std::uintptr_t gopanic_entry() { return reinterpret_cast<std::uintptr_t>(&gopanic); }

DeferEntry** defer_chain() noexcept {
  G* gp = current_goroutine();
  return gp != nullptr ? &gp->defers : nullptr;
}

void recovery_reached(DeferEntry* e, bool in_destructor) {
  G* gp = current_goroutine();
  if (gp != nullptr && gp->recover_target == e) {
    gp->recover_target = nullptr;
    return;
  }
  // A destructor that runs while another unwinding passes (a recovery of an
  // earlier panic, or goexit) cannot let an exception out. The unwinding in
  // flight carries on, and boundaries compare against G::recover_target, so
  // it stops where this recovery wanted to go (never nearer than its own target).
  if (in_destructor && std::uncaught_exceptions() > 0) return;
  throw;
}

namespace {

void run_deferred(Panic* p, DeferEntry* e) {
  std::uintptr_t sp;
  asm volatile("mov %%rsp, %0" : "=r"(sp));
  p->runner_sp = sp;
  try {
    e->thunk(e);
  } catch (RecoveryUnwind&) {
    recovery_reached(e, false);
  }
  asm volatile("" ::: "memory");
}

}  // namespace

[[gnu::noinline]] void gopanic(PanicValue v) {
  G* gp = current_goroutine();
  if (gp == nullptr) {
    base::Printer().str("panic: ").str(format_value(v)).nl();
    throw_("panic on system stack");
  }
  if (base::tls_lock_depth != 0) {
    base::Printer().str("panic: ").str(format_value(v)).nl();
    throw_("panic holding locks");
  }
  Panic p;
  p.value = std::move(v);
  p.link = gp->panic;
  gp->panic = &p;
  running_panic_defers_add(1);
  // If this frame is unwound while p is still active (gort::goexit from one
  // of its deferred calls ends the goroutine), p leaves the chain with it.
  struct Unlink {
    G* gp;
    Panic* p;
    ~Unlink() {
      for (Panic** q = &gp->panic; *q != nullptr; q = &(*q)->link) {
        if (*q == p) {
          *q = p->link;
          running_panic_defers_add(-1);
          break;
        }
      }
    }
  } unlink{gp, &p};
  for (;;) {
    DeferEntry* e = gp->defers;
    if (e == nullptr) break;
    if (e->kind == EntryKind::boundary || e->state != EntryState::pending) {
      // Leaving a deferred call that is still running: the panic that
      // started it (if any) is aborted.
      if (e->state == EntryState::running && e->started_by != nullptr) e->started_by->aborted = true;
      gp->defers = e->link;
      continue;
    }
    e->state = EntryState::running;
    e->started_by = &p;
    p.current = e;
    run_deferred(&p, e);
    p.current = nullptr;
    e->state = EntryState::done;
    e->started_by = nullptr;
    if (gp->defers == e) gp->defers = e->link;
    if (p.recovered) {
      pop_panic(gp);
      DeferEntry* target = recovery_target(e->link);
      if (target == nullptr) throw_("recover: no recovery boundary on the goroutine");
      gp->recover_target = target;
      throw RecoveryUnwind{};
    }
  }
  preprint_panics(gp);
  fatalpanic(gp);
}

void run_goroutine_body(G* gp) {
  std::uintptr_t sp;
  asm volatile("mov %%rsp, %0" : "=r"(sp));
  gp->entry_sp = sp;
  DeferEntry b;
  b.kind = EntryKind::boundary;
  defer_push(&b);
  try {
    gp->invoke(gp->fn);
  } catch (RecoveryUnwind&) {
    recovery_reached(&b, false);
  } catch (const std::exception& ex) {
    std::string text = "unhandled C++ exception " + demangle(typeid(ex).name()) + ": " + ex.what();
    gort::panic(std::move(text));
  } catch (...) {
    std::type_info* t = abi::__cxa_current_exception_type();
    gort::panic("unhandled C++ exception " + (t != nullptr ? demangle(t->name()) : std::string("?")));
  }
  defer_pop(&b);
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV: segmentation violation";
    case SIGBUS: return "SIGBUS: bus error";
    case SIGFPE: return "SIGFPE: floating-point exception";
    case SIGILL: return "SIGILL: illegal instruction";
    case SIGTRAP: return "SIGTRAP: trace trap";
    case SIGABRT: return "SIGABRT: abort";
    case SIGQUIT: return "SIGQUIT: quit";
    default: return "signal";
  }
}

[[noreturn]] void panic_runtime_error(const char* text) { gort::panic(RuntimeError(text)); }

namespace {

std::terminate_handler g_previous_terminate = nullptr;

// A recovery unwinds with a C++ exception; the C++ runtime terminates when
// that exception meets a frame the compiler assumed cannot throw. Say why,
// as a fatal error with the traceback, instead of a bare abort.
[[noreturn]] void on_terminate() {
  std::type_info* t = abi::__cxa_current_exception_type();
  if (t != nullptr && *t == typeid(RecoveryUnwind)) {
    fatal_(
        "recovered panic cannot unwind to its recovery point: a frame on the way cannot "
        "pass exceptions (a noexcept function or destructor, or code that faulted and was "
        "not compiled with -fnon-call-exceptions)");
  }
  if (g_previous_terminate != nullptr) g_previous_terminate();
  std::abort();
}

}  // namespace

void panic_install_terminate_handler() { g_previous_terminate = std::set_terminate(on_terminate); }

}  // namespace gort::detail

namespace gort {

std::string PanicValue::type_name() const {
  return box_ ? detail::demangle(box_->type().name()) : std::string("nil");
}

namespace detail {

std::string demangle(const char* mangled) {
  int status = 0;
  char* d = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  if (status != 0 || d == nullptr) return mangled;
  std::string out(d);
  std::free(d);
  return out;
}

std::string format_hex(std::uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  char tmp[18];
  int i = 0;
  do {
    tmp[i++] = digits[v & 15];
    v >>= 4;
  } while (v != 0);
  std::string out = "0x";
  while (i > 0) out.push_back(tmp[--i]);
  return out;
}

// Go's runtime print of a float64: a sign, 7 significant digits in
// d.dddddd form, and a signed three-digit exponent (+1.500000e+000).
std::string format_float(double v) {
  if (v != v) return "NaN";
  if (v + v == v && v > 0) return "+Inf";
  if (v + v == v && v < 0) return "-Inf";
  constexpr int kDigits = 7;
  char sign = '+';
  int exp = 0;
  if (v == 0) {
    if (std::signbit(v)) sign = '-';
  } else {
    if (v < 0) {
      v = -v;
      sign = '-';
    }
    while (v >= 10) {
      exp++;
      v /= 10;
    }
    while (v < 1) {
      exp--;
      v *= 10;
    }
    double half = 5.0;
    for (int i = 0; i < kDigits; i++) half /= 10;
    v += half;
    if (v >= 10) {
      exp++;
      v /= 10;
    }
  }
  char digits[kDigits];
  for (int i = 0; i < kDigits; i++) {
    int d = static_cast<int>(v);
    digits[i] = static_cast<char>('0' + d);
    v = (v - d) * 10;
  }
  std::string out;
  out.push_back(sign);
  out.push_back(digits[0]);
  out.push_back('.');
  out.append(digits + 1, kDigits - 1);
  out.push_back('e');
  out.push_back(exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  out.push_back(static_cast<char>('0' + exp / 100));
  out.push_back(static_cast<char>('0' + exp / 10 % 10));
  out.push_back(static_cast<char>('0' + exp % 10));
  return out;
}

}  // namespace detail

PanicValue recover() {
  using namespace detail;
  G* gp = current_goroutine();
  if (gp == nullptr) return {};
  Panic* p = gp->panic;
  if (p == nullptr || p->goexit || p->recovered || p->aborted || p->current == nullptr) return {};
  if (!called_directly(p)) return {};
  p->recovered = true;
  return p->value;
}

void goexit() {
  using namespace detail;
  G* gp = current_goroutine();
  if (gp == nullptr) fatal_("gort::goexit called outside a goroutine");
  if (gp->goexiting) throw_("gort::goexit: already exiting");
  auto* p = new Panic();
  p->goexit = true;
  p->link = gp->panic;
  gp->panic = p;
  gp->goexiting = true;
  // Deferred calls run as their scopes unwind. They see
  // std::uncaught_exceptions() > 0, as during any unwinding.
  eh_count_uncaught(+1);
  auto* exc = new GoexitException();
  std::memset(exc, 0, sizeof *exc);
  exc->header.exception_class = 0x474f525447584954ULL;  // "GORTGXIT"
  exc->header.exception_cleanup = goexit_cleanup;
#if defined(__SANITIZE_ADDRESS__)
  // The frames about to be unwound leave their redzones poisoned (ASan does
  // this itself for throw, not for a forced unwind).
  __asan_handle_no_return();
#endif
  _Unwind_ForcedUnwind(&exc->header, goexit_stop, gp);
  throw_("gort::goexit: unwinding failed");
}

void panic_index(std::int64_t index, std::int64_t length) {
  panic(RuntimeError("runtime error: index out of range [" + std::to_string(index) +
                     "] with length " + std::to_string(length)));
}

void panic_divide() { panic(RuntimeError("runtime error: integer divide by zero")); }

}  // namespace gort
