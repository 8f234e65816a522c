// runtime/signal.cc — fatal signals, as Go's sighandler treats them.
//
// Every handler runs on the M's alternate signal stack (sched/stw.cc sets
// one up per M), so a goroutine that ran off its stack can still be reported.
//
// - A fault (SIGSEGV, SIGBUS, SIGFPE from the kernel) in a goroutine that can
//   panic becomes a panic, as Go's sigpanic: the handler records the signal
//   in the G and rewrites the interrupted registers so that the goroutine
//   "calls" gort_sigpanic from the faulting instruction (the return address
//   is one byte into it, so that unwinders — tracebacks, and the C++
//   unwinder when the panic is recovered — find the faulting function).
//   sigpanic panics with Go's runtime error (nil dereference below address
//   0x1000, integer divide by zero, ...) or throws `fault` for a wild address.
// - A fault in a goroutine's guard page is a stack overflow: reported from
//   the handler, with the goroutine unwound from the interrupted registers.
// - A fault where no panic is possible (g0, a runtime lock held, a thread the
//   runtime does not own, while dying) is `fatal error: unexpected signal
//   during runtime execution`.
// - SIGQUIT, SIGABRT, SIGILL, SIGTRAP (and faults sent by kill) dump every
//   goroutine and the registers, as Go does, and exit 2.
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>

#include "base/fail.h"
#include "base/lock.h"
#include "base/print.h"
#include "gort/panic.h"
#include "runtime/fatal.h"
#include "runtime/traceback.h"
#include "sched/sched.h"
#include "sched/stack.h"

extern "C" [[noreturn]] void gort_sigpanic();
extern "C" void gort_sigpanic_trampoline();

// The injected call: on entry [rsp] holds the faulting PC + 1, as if the
// faulting instruction had called us.
asm(R"(
  .text
  .globl gort_sigpanic_trampoline
  .type gort_sigpanic_trampoline, @function
gort_sigpanic_trampoline:
  .cfi_startproc
  pushq %rbp
  .cfi_def_cfa_offset 16
  .cfi_offset %rbp, -16
  movq %rsp, %rbp
  .cfi_def_cfa_register %rbp
  andq $-16, %rsp
  call gort_sigpanic
  ud2
  .cfi_endproc
  .size gort_sigpanic_trampoline, .-gort_sigpanic_trampoline
)");

namespace gort::detail {

namespace {

// A running goroutine on this thread that may be turned into a panic.
G* panicking_candidate(M* m) {
  if (m == nullptr || m->on_g0 || m->curg == nullptr || m->dying != 0) return nullptr;
  if (base::tls_lock_depth != 0 || m->in_syscall) return nullptr;
  return m->curg;
}

void print_signal_line(base::Printer& out, int sig, const siginfo_t* info, std::uintptr_t pc) {
  out.str("[signal ").str(signal_name(sig)).str(" code=").hex(static_cast<std::uint32_t>(info->si_code))
      .str(" addr=").hex(reinterpret_cast<std::uintptr_t>(info->si_addr)).str(" pc=").hex(pc).str("]\n");
}

void dump_regs(base::Printer& out, const ucontext_t* uc) {
  const greg_t* g = uc->uc_mcontext.gregs;
  struct {
    const char* name;
    int reg;
  } regs[] = {{"rax    ", REG_RAX}, {"rbx    ", REG_RBX}, {"rcx    ", REG_RCX},
              {"rdx    ", REG_RDX}, {"rdi    ", REG_RDI}, {"rsi    ", REG_RSI},
              {"rbp    ", REG_RBP}, {"rsp    ", REG_RSP}, {"r8     ", REG_R8},
              {"r9     ", REG_R9},  {"r10    ", REG_R10}, {"r11    ", REG_R11},
              {"r12    ", REG_R12}, {"r13    ", REG_R13}, {"r14    ", REG_R14},
              {"r15    ", REG_R15}, {"rip    ", REG_RIP}, {"rflags ", REG_EFL}};
  for (auto& r : regs) out.str(r.name).hex(static_cast<std::uint64_t>(g[r.reg])).nl();
  std::uint64_t csgsfs = static_cast<std::uint64_t>(g[REG_CSGSFS]);
  out.str("cs     ").hex(csgsfs & 0xffff).nl();
  out.str("fs     ").hex((csgsfs >> 32) & 0xffff).nl();
  out.str("gs     ").hex((csgsfs >> 16) & 0xffff).nl();
}

// SIGILL/SIGFPE: the bytes at the PC, without crossing into an unmapped page.
void print_instruction_bytes(base::Printer& out, std::uintptr_t pc) {
  std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  std::uintptr_t n = 16;
  if (n > page - pc % page) n = page - pc % page;
  out.str("instruction bytes:");
  for (std::uintptr_t i = 0; i < n; i++) out.str(" ").hex(reinterpret_cast<const std::uint8_t*>(pc)[i]);
  out.nl();
}

// The goroutine's guard page(s): just below its stack.
bool is_stack_overflow(G* gp, std::uintptr_t addr, std::uintptr_t sp) {
  if (gp == nullptr || gp->stack.lo == nullptr) return false;
  auto lo = reinterpret_cast<std::uintptr_t>(gp->stack.lo);
  constexpr std::uintptr_t kGuardSpan = 64 * 1024;
  return (addr < lo && addr + kGuardSpan >= lo) || (sp < lo && sp + kGuardSpan >= lo);
}

[[noreturn]] void report_stack_overflow(G* gp, ucontext_t* uc) {
  M* m = tls_m;
  if (m != nullptr) m->throwing = static_cast<std::uint8_t>(ThrowType::runtime);
  startpanic(ThrowType::runtime);
  auto sp = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
  {
    base::Printer out;
    out.str("runtime: goroutine stack exceeds ").u64(gp->stack.size()).str("-byte limit\n");
    out.str("runtime: sp=").hex(sp).str(" stack=[").hex(reinterpret_cast<std::uintptr_t>(gp->stack.lo))
        .str(", ").hex(reinterpret_cast<std::uintptr_t>(gp->stack.hi)).str("]\n");
    out.str("fatal error: stack overflow\n");
  }
  DyingReport r;
  r.gp = gp;
  r.sigctx = uc;
  r.system_stack_here = true;
  r.origin = reinterpret_cast<std::uintptr_t>(&report_stack_overflow);
  r.throwing = ThrowType::runtime;
  die_after_report(dopanic(r));
}

// A fault that cannot be a panic: Go's throw from sigpanic.
[[noreturn]] void report_unexpected(int sig, siginfo_t* info, ucontext_t* uc, G* gp) {
  M* m = tls_m;
  if (m != nullptr) m->throwing = static_cast<std::uint8_t>(ThrowType::runtime);
  auto pc = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  if (m == nullptr || m->dying == 0) {
    startpanic(ThrowType::runtime);
    base::Printer out;
    out.str("fatal error: unexpected signal during runtime execution\n");
    print_signal_line(out, sig, info, pc);
  } else {
    {
      base::Printer out;
      out.str("fatal error: unexpected signal during runtime execution\n");
      print_signal_line(out, sig, info, pc);
    }
    startpanic(ThrowType::runtime);
  }
  DyingReport r;
  r.gp = gp;
  r.sigctx = uc;
  r.throwing = ThrowType::runtime;
  die_after_report(dopanic(r));
}

// SIGQUIT and the other dump signals (Go's sighandler, _SigThrow).
[[noreturn]] void report_dump(int sig, siginfo_t* info, ucontext_t* uc) {
  M* m = tls_m;
  if (m != nullptr) m->throwing = static_cast<std::uint8_t>(ThrowType::runtime);
  startpanic(ThrowType::runtime);
  auto pc = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  G* gp = m != nullptr && !m->on_g0 ? m->curg : nullptr;
  TracebackSetting t = gotraceback(ThrowType::runtime);
  {
    base::Printer out;
    out.str(signal_name(sig)).nl();
    out.str("PC=").hex(pc).str(" m=").i64(m != nullptr ? m->id : -1).str(" sigcode=").i64(info->si_code).nl();
    if (sig == SIGILL || sig == SIGFPE) print_instruction_bytes(out, pc);
    out.nl();
    if (t.level > 0) {
      if (gp != nullptr) {
        print_goroutine_header(out, gp);
      } else {
        out.str("goroutine 0 [idle]:\n");
      }
      traceback_interrupted(out, uc, t.level);
      if (gp != nullptr) print_created_by(out, gp, t.level);
      traceback_others(out, gp, t.level);
      out.nl();
      dump_regs(out, uc);
    }
  }
  finish_report();
  die_after_report(t.crash);
}

void on_fatal_signal(int sig, siginfo_t* info, void* ucv) {
  auto* uc = static_cast<ucontext_t*>(ucv);
  M* m = tls_m;
  bool from_kernel = info->si_code > 0;
  bool fault = sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE;
  if (fault && from_kernel) {
    G* running = m != nullptr && !m->on_g0 ? m->curg : nullptr;
    auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
    auto sp = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
    if (sig != SIGFPE && m != nullptr && m->dying == 0 && is_stack_overflow(running, addr, sp))
      report_stack_overflow(running, uc);
    if (G* gp = panicking_candidate(m)) {
      auto pc = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
      gp->sig = sig;
      gp->sigcode0 = static_cast<std::uint64_t>(info->si_code);
      gp->sigcode1 = addr;
      gp->sigpc = pc;
      // "Call" the trampoline from the faulting instruction: push a return
      // address one byte into it, so that unwinders, which look up a
      // return address minus one, land on the faulting instruction itself.
      sp -= sizeof(std::uintptr_t);
      *reinterpret_cast<std::uintptr_t*>(sp) = pc + 1;
      uc->uc_mcontext.gregs[REG_RSP] = static_cast<greg_t>(sp);
      uc->uc_mcontext.gregs[REG_RIP] = reinterpret_cast<greg_t>(&gort_sigpanic_trampoline);
      return;
    }
    report_unexpected(sig, info, uc, running);
  }
  report_dump(sig, info, uc);
}

}  // namespace

void signals_install() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fatal_signal;
  // SA_NODEFER: a fault while reporting one re-enters, so that it ends as
  // "panic during panic" rather than a silent kill.
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGQUIT}) sigaction(sig, &sa, nullptr);
}

}  // namespace gort::detail

extern "C" void gort_sigpanic() {
  using namespace gort::detail;
  G* gp = tls_m->curg;
  switch (gp->sig) {
    case SIGBUS:
    case SIGSEGV:
      if (gp->sigcode1 < 0x1000)
        gort::panic(gort::RuntimeError("runtime error: invalid memory address or nil pointer dereference"));
      gort::base::Printer().str("unexpected fault address ").hex(gp->sigcode1).nl();
      throw_("fault");
    case SIGFPE:
      if (gp->sigcode0 == FPE_INTDIV) gort::panic_divide();
      if (gp->sigcode0 == FPE_INTOVF) gort::panic(gort::RuntimeError("runtime error: integer overflow"));
      gort::panic(gort::RuntimeError("runtime error: floating point error"));
    default:
      throw_("unexpected signal value");
  }
}
